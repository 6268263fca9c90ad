using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace NextGenCrm.Silo.Security;

/// <summary>
/// A token signed with a key the silo has not seen yet (the provider rotated its keys) is checked again against the
/// provider's keys read afresh, in the same request. JwtBearer alone only asks for the keys to be read again and
/// refuses the request that noticed (dotnet/aspnetcore#28948). The re-read is throttled by Auth:KeyRefreshInterval,
/// so tokens with made-up key ids cannot make the silo hammer the provider.
/// </summary>
internal static class KeyRotation
{
    private static readonly SemaphoreSlim Waiting = new(1, 1);

    public static async Task RetryWithFreshKeysAsync(AuthenticationFailedContext context)
    {
        if (context.Exception is not SecurityTokenSignatureKeyNotFoundException || context.Options.ConfigurationManager is not { } keys)
        {
            return;
        }
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }
        var token = header["Bearer ".Length..].Trim();
        var handler = new JsonWebTokenHandler();
        if (!handler.CanReadToken(token) || handler.ReadJsonWebToken(token).Kid is not { Length: > 0 } kid)
        {
            return;
        }
        // One request at a time waits for the keys; the others are refused as before (their clients try again).
        if (!await Waiting.WaitAsync(0))
        {
            return;
        }
        Microsoft.IdentityModel.Protocols.OpenIdConnect.OpenIdConnectConfiguration configuration;
        try
        {
            // JwtBearer has called RequestRefresh already: unless throttled, the discovery document and JWKS are read
            // again in the background. Wait for them a little.
            configuration = await keys.GetConfigurationAsync(context.HttpContext.RequestAborted);
            for (var attempt = 0; attempt < 20 && !configuration.SigningKeys.Any(k => k.KeyId == kid); attempt++)
            {
                await Task.Delay(50, context.HttpContext.RequestAborted);
                configuration = await keys.GetConfigurationAsync(context.HttpContext.RequestAborted);
            }
        }
        finally
        {
            Waiting.Release();
        }
        if (!configuration.SigningKeys.Any(k => k.KeyId == kid))
        {
            return;
        }
        var parameters = context.Options.TokenValidationParameters.Clone();
        parameters.IssuerSigningKeys = configuration.SigningKeys;
        parameters.ValidIssuers = [configuration.Issuer];
        var result = await handler.ValidateTokenAsync(token, parameters);
        if (result.IsValid)
        {
            context.Principal = new ClaimsPrincipal(result.ClaimsIdentity);
            context.Success();
        }
    }
}
