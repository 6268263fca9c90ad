using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using NextGenCrm.Silo.Security;

namespace NextGenCrm.Bench.Pipelines;

/// <summary>
/// The bench's silo checks bearer tokens as the product does (Development mode, its own key file). A request with
/// <see cref="NoTokenCheckHeader"/> is let in as admin without any token: the same silo, warm, with and without the
/// token check, so their ratio is the check's cost. The product has no such door; only this bench host adds it.
/// </summary>
public static class BenchAuth
{
    public const string NoTokenCheckHeader = "X-Bench-No-Token-Check";
    private const string Trusting = "bench-no-token-check";

    public static readonly string Folder = Directory.CreateTempSubdirectory("nextgencrm-bench-auth-").FullName;

    public static Dictionary<string, string?> Settings() => new()
    {
        ["Auth:SigningKeyFile"] = Path.Combine(Folder, "signing-key.json"),
        ["Audit:Folder"] = Path.Combine(Folder, "audit"),
        ["RateLimits:SightingsPerSecond"] = "10000000",
        ["RateLimits:ReadsPerSecond"] = "10000000",
        ["RateLimits:EnrolmentPerSecond"] = "10000000",
    };

    public static void AddNoTokenCheckDoor(IServiceCollection services)
    {
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, TrustingHandler>(Trusting, _ => { });
        services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o =>
            o.ForwardDefaultSelector = http => http.Request.Headers.ContainsKey(NoTokenCheckHeader) ? Trusting : null);
    }

    /// <summary>An edge token of every branch, signed with the bench silo's key.</summary>
    public static string EdgeToken() =>
        new DevelopmentTokens(SigningKeyFile.LoadOrCreate(Path.Combine(Folder, "signing-key.json")), AuthOptions.DefaultAudience, TimeProvider.System)
            .Issue("bench-edge", [Roles.Edge], [Roles.AnyBranch], TimeSpan.FromHours(2));

    private sealed class TrustingHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var identity = new ClaimsIdentity([new Claim("sub", "bench-no-check"), new Claim("roles", Roles.Admin), new Claim("branches", Roles.AnyBranch)], Trusting);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Trusting)));
        }
    }
}
