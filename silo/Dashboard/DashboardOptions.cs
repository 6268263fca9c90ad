using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace NextGenCrm.Silo.Dashboard;

/// <summary>The "Dashboard" section: the staff page and its live event streams.</summary>
public sealed class DashboardOptions
{
    public const string SectionName = "Dashboard";

    /// <summary>Changes held for one browser; one that falls this far behind is dropped and reconnects.</summary>
    public int ClientBuffer { get; set; } = 256;

    /// <summary>How often an idle stream carries a comment, so proxies and tablets keep it open.</summary>
    public TimeSpan KeepAliveEvery { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Auth:Mode=Oidc: the page's client id at the bank's provider; empty leaves only pasting a token.</summary>
    public string OidcClientId { get; set; } = "";

    /// <summary>A confidential client's secret (sent with the code); empty for a public client with PKCE alone.</summary>
    public string OidcClientSecret { get; set; } = "";

    /// <summary>The scopes the page asks for (space separated), e.g. "openid nextgencrm/staff".</summary>
    public string OidcScope { get; set; } = "openid";

    /// <summary>
    /// The page's address as browsers reach it, e.g. "https://crm.bank.example", when the silo sits behind a proxy or
    /// load balancer that ends TLS: the provider's redirect URI is built from it (not from the request's Host and
    /// scheme, which a proxy rewrites and a client can forge), and with https the session cookies are marked Secure
    /// although the silo itself is reached over http. Empty: the request's own scheme and host (a silo reached
    /// directly).
    /// </summary>
    public string PublicAddress { get; set; } = "";

    internal Uri? PublicUri => PublicAddress.Length > 0 ? new Uri(PublicAddress.TrimEnd('/') + "/") : null;

    /// <summary>Cookies for this request are Secure when the browser's connection is https, whatever the silo's own is.</summary>
    internal bool SecureCookies(HttpRequest request) => request.IsHttps || PublicUri?.Scheme == Uri.UriSchemeHttps;
}

public sealed partial class DashboardOptionsValidator : IValidateOptions<DashboardOptions>
{
    public ValidateOptionsResult Validate(string? name, DashboardOptions options)
    {
        const string s = DashboardOptions.SectionName;
        var errors = new List<string>();
        if (options.ClientBuffer is < 8 or > 100_000)
        {
            errors.Add($"{s}:ClientBuffer must be between 8 and 100000.");
        }
        if (options.KeepAliveEvery <= TimeSpan.Zero)
        {
            errors.Add($"{s}:KeepAliveEvery must be positive.");
        }
        if (!Origin().IsMatch(options.PublicAddress ?? ""))
        {
            errors.Add($"{s}:PublicAddress must be the page's origin, e.g. https://crm.bank.example");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    [GeneratedRegex(@"^(https?://[^\s/?#]+/?)?$")]
    private static partial Regex Origin();
}
