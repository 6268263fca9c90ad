using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using NextGenCrm.Silo.Security;

namespace NextGenCrm.Silo.Dashboard;

/// <summary>
/// Sign-in with the bank's provider (Auth:Mode=Oidc): the authorization code flow with PKCE, run by the silo, so
/// the code, the verifier and the tokens never pass through the page's script. /sign-in/oidc sends the browser to
/// the provider's authorization endpoint (read from the same discovery document the API's token checks use);
/// /sign-in/callback checks the state, redeems the code at the token endpoint and keeps the access token as the
/// page's session (see <see cref="DashboardSession"/>), where it is checked on every request like any bearer token.
/// </summary>
public static class DashboardOidc
{
    private const string FlowCookie = "ngcrm-oidc";
    private const string FlowPath = "/sign-in";
    public const string HttpClientName = "dashboard-oidc";

    public static IEndpointRouteBuilder MapDashboardOidc(this IEndpointRouteBuilder app)
    {
        app.MapGet("/sign-in/options", Options).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/sign-in/oidc", StartAsync).AllowAnonymous().RequireRateLimiting(RateLimitOptions.Reads).ExcludeFromDescription();
        app.MapGet("/sign-in/callback", CallbackAsync).AllowAnonymous().RequireRateLimiting(RateLimitOptions.Reads).ExcludeFromDescription();
        return app;
    }

    private static bool Enabled(AuthOptions auth, DashboardOptions dashboard) => auth.Mode == AuthMode.Oidc && dashboard.OidcClientId.Length > 0;

    private static IResult Options(IOptions<AuthOptions> auth, IOptions<DashboardOptions> dashboard) =>
        TypedResults.Ok(new { mode = auth.Value.Mode == AuthMode.Oidc ? "oidc" : "development", providerSignIn = Enabled(auth.Value, dashboard.Value) });

    private static async Task<IResult> StartAsync(HttpContext http, IOptions<AuthOptions> auth, IOptions<DashboardOptions> dashboard,
        IOptionsMonitor<JwtBearerOptions> bearer)
    {
        if (!Enabled(auth.Value, dashboard.Value))
        {
            return TypedResults.NotFound();
        }
        var provider = await ProviderAsync(bearer, http.RequestAborted);
        if (string.IsNullOrEmpty(provider?.AuthorizationEndpoint))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The identity provider names no authorization endpoint");
        }
        var state = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        // Lax, not Strict: the provider's redirect back is a top-level navigation from another site.
        http.Response.Cookies.Append(FlowCookie, $"{state}.{verifier}", new CookieOptions
        {
            HttpOnly = true,
            Secure = dashboard.Value.SecureCookies(http.Request),
            SameSite = SameSiteMode.Lax,
            Path = FlowPath,
            MaxAge = TimeSpan.FromMinutes(10),
        });
        var query = new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = dashboard.Value.OidcClientId,
            ["redirect_uri"] = RedirectUri(http, dashboard.Value),
            ["scope"] = dashboard.Value.OidcScope,
            ["state"] = state,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
        };
        return TypedResults.Redirect(Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(provider.AuthorizationEndpoint, query));
    }

    private static async Task<IResult> CallbackAsync(HttpContext http, IOptions<AuthOptions> auth, IOptions<DashboardOptions> dashboard,
        IOptionsMonitor<JwtBearerOptions> bearer, IHttpClientFactory clients, ILoggerFactory loggers)
    {
        if (!Enabled(auth.Value, dashboard.Value))
        {
            return TypedResults.NotFound();
        }
        var flow = http.Request.Cookies[FlowCookie];
        http.Response.Cookies.Delete(FlowCookie, new CookieOptions { Path = FlowPath, Secure = dashboard.Value.SecureCookies(http.Request), HttpOnly = true, SameSite = SameSiteMode.Lax });
        var state = http.Request.Query["state"].ToString();
        var code = http.Request.Query["code"].ToString();
        if (flow?.Split('.') is not [var expectedState, var verifier]
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expectedState), Encoding.ASCII.GetBytes(state))
            || code.Length is 0 or > 4096)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Sign-in not completed",
                detail: "This sign-in was not started here, was started more than 10 minutes ago, or the provider refused it. Start again from the page.");
        }
        var provider = await ProviderAsync(bearer, http.RequestAborted);
        if (string.IsNullOrEmpty(provider?.TokenEndpoint))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The identity provider names no token endpoint");
        }
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = RedirectUri(http, dashboard.Value),
            ["client_id"] = dashboard.Value.OidcClientId,
            ["code_verifier"] = verifier,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, provider.TokenEndpoint) { Content = new FormUrlEncodedContent(form) };
        if (dashboard.Value.OidcClientSecret.Length > 0)
        {
            var basic = $"{Uri.EscapeDataString(dashboard.Value.OidcClientId)}:{Uri.EscapeDataString(dashboard.Value.OidcClientSecret)}";
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(basic)));
        }
        try
        {
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, http.RequestAborted);
            if (!response.IsSuccessStatusCode)
            {
                loggers.CreateLogger(typeof(DashboardOidc)).LogWarning("Dashboard sign-in: the token endpoint answered {Status}", (int)response.StatusCode);
                return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "The identity provider did not redeem the sign-in");
            }
            using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(http.RequestAborted), cancellationToken: http.RequestAborted);
            if (!body.RootElement.TryGetProperty("access_token", out var accessToken) || accessToken.GetString() is not { Length: > 0 } token)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "The identity provider sent no access token");
            }
            var lifetime = body.RootElement.TryGetProperty("expires_in", out var expiresIn) && expiresIn.TryGetInt32(out var seconds) && seconds > 0
                ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromHours(1);
            if (!await IsStaffAsync(http, token))
            {
                loggers.CreateLogger(typeof(DashboardOidc)).LogWarning("Dashboard sign-in: the provider's token is not a staff member's; no session");
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not a staff account",
                    detail: "You signed in at the bank's provider, but your account has no staff role for this page. Ask your administrator.");
            }
            DashboardSession.SetSessionCookie(http, token, DateTimeOffset.UtcNow + lifetime);
            return TypedResults.Redirect("/#/");
        }
        catch (Exception failure) when (failure is HttpRequestException or JsonException or TaskCanceledException && !http.RequestAborted.IsCancellationRequested)
        {
            loggers.CreateLogger(typeof(DashboardOidc)).LogWarning("Dashboard sign-in: the token endpoint failed: {Error}", failure.GetType().Name);
            return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "The identity provider could not be reached");
        }
    }

    private static string RedirectUri(HttpContext http, DashboardOptions dashboard) =>
        dashboard.PublicUri is { } page ? new Uri(page, $"{FlowPath.TrimStart('/')}/callback").ToString() : $"{http.Request.Scheme}://{http.Request.Host}{FlowPath}/callback";

    /// <summary>
    /// The redeemed token, checked as the API checks every request (signature, issuer, audience, expiry) and held to
    /// the staff policy: someone the provider knows but the bank gave no staff role gets no session at all.
    /// </summary>
    private static async Task<bool> IsStaffAsync(HttpContext http, string token)
    {
        // A request of its own (this one's authentication already ran, and its result is kept for the request), as
        // the page's next API call will be: the same handler, events, key refresh and policy.
        await using var scope = http.RequestServices.CreateAsyncScope();
        var probe = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        probe.Request.Method = HttpMethods.Get;
        probe.Request.Path = "/api/v1/session";
        probe.Request.Headers.Authorization = $"Bearer {token}";
        var result = await probe.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        if (!result.Succeeded)
        {
            return false;
        }
        var authorization = scope.ServiceProvider.GetRequiredService<IAuthorizationService>();
        return (await authorization.AuthorizeAsync(result.Principal, Policies.Staff)).Succeeded;
    }

    private static async Task<OpenIdConnectConfiguration?> ProviderAsync(IOptionsMonitor<JwtBearerOptions> bearer, CancellationToken cancellationToken)
    {
        var manager = bearer.Get(JwtBearerDefaults.AuthenticationScheme).ConfigurationManager;
        return manager is null ? null : await manager.GetConfigurationAsync(cancellationToken);
    }
}
