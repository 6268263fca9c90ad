using System.ComponentModel.DataAnnotations;

namespace NextGenCrm.Silo.Dashboard;

/// <summary>The "Dashboard" section: the staff page and its live event streams.</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>Changes held for one browser; one that falls this far behind is dropped and reconnects.</summary>
    [Range(8, 100_000)]
    public int ClientBuffer { get; set; } = 256;

    /// <summary>How often an idle stream carries a comment, so proxies and tablets keep it open.</summary>
    public TimeSpan KeepAliveEvery { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Auth:Mode=Oidc: the page's client id at the bank's provider; empty leaves only pasting a token.</summary>
    public string OidcClientId { get; set; } = "";

    /// <summary>A confidential client's secret (sent with the code); empty for a public client with PKCE alone.</summary>
    public string OidcClientSecret { get; set; } = "";

    /// <summary>The scopes the page asks for (space separated), e.g. "openid nextgencrm/staff".</summary>
    public string OidcScope { get; set; } = "openid";
}
