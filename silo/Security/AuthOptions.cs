using Microsoft.Extensions.Options;
using NextGenCrm.Silo.Configuration;

namespace NextGenCrm.Silo.Security;

public enum AuthMode
{
    /// <summary>The silo issues its own tokens, signed with a key kept in <see cref="AuthOptions.SigningKeyFile"/>.</summary>
    Development,

    /// <summary>Tokens come from the bank's identity provider (<see cref="AuthOptions.Authority"/>).</summary>
    Oidc,
}

/// <summary>The "Auth" section: who may call the API and how their tokens are checked.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";
    public const string DevelopmentIssuer = "nextgencrm-development";
    public const string DefaultAudience = "nextgencrm-api";

    public AuthMode Mode { get; set; } = AuthMode.Development;

    /// <summary>Development mode: the signing key, created on first start; every silo of a local cluster shares it.</summary>
    public string SigningKeyFile { get; set; } = "";

    /// <summary>Oidc mode: the provider's issuer URL; its discovery document and keys are read from there.</summary>
    public string Authority { get; set; } = "";

    /// <summary>The audience a token must name, or several separated by commas (Cognito: the app client ids; Entra: the API's application id URI).</summary>
    public string Audience { get; set; } = DefaultAudience;

    /// <summary>The claim that holds the audience: aud, or client_id for Cognito access tokens (which carry no aud).</summary>
    public string AudienceClaim { get; set; } = "aud";

    /// <summary>The claims (comma separated) that list the caller's roles (Cognito: cognito:groups,scope; Entra app roles: roles).</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>Only values starting with this are roles, without it (e.g. "nextgencrm/" for Cognito groups and scopes).</summary>
    public string RolePrefix { get; set; } = "";

    /// <summary>The claims (comma separated) that list the caller's branch ids, or "*" (arrays, or strings separated by commas or spaces).</summary>
    public string BranchClaim { get; set; } = "branches";

    /// <summary>Only values starting with this are branch ids, without it (e.g. "branch." for Entra app roles).</summary>
    public string BranchPrefix { get; set; } = "";

    public IReadOnlyList<string> Audiences => Audience.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The claim that names the caller in the audit log.</summary>
    public string SubjectClaim { get; set; } = "sub";

    /// <summary>Oidc mode: refuse an authority over plain http (only a loopback stand-in may turn this off).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Oidc mode: a token signed with a key the cached set lacks makes the keys be read again, at most this often.</summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Leeway for clocks that disagree, on token expiry and not-before.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The key file's path: as configured, else under the silo's data folder.</summary>
    public string KeyFileIn(LocalStoreOptions local) =>
        string.IsNullOrWhiteSpace(SigningKeyFile) ? Path.Combine(local.FullDataDir, "signing-key.json") : Path.GetFullPath(SigningKeyFile);
}

public sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var errors = Problems(options).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static IEnumerable<string> Problems(AuthOptions options)
    {
        if (options.Mode == AuthMode.Oidc)
        {
            if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority))
            {
                yield return "Auth:Authority must be the identity provider's issuer URL when Auth:Mode is Oidc.";
            }
            else if (options.RequireHttpsMetadata && authority.Scheme != Uri.UriSchemeHttps)
            {
                yield return "Auth:Authority must be https (Auth:RequireHttpsMetadata=false only for a loopback stand-in).";
            }
        }
        if (options.Audiences.Count == 0)
        {
            yield return "Auth:Audience is required.";
        }
        if (string.IsNullOrWhiteSpace(options.RoleClaim) || string.IsNullOrWhiteSpace(options.BranchClaim) || string.IsNullOrWhiteSpace(options.SubjectClaim))
        {
            yield return "Auth:RoleClaim, Auth:BranchClaim and Auth:SubjectClaim must name claims.";
        }
        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromMinutes(5))
        {
            yield return "Auth:ClockSkew must be between 00:00:00 and 00:05:00.";
        }
    }
}
