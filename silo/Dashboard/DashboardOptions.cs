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
}
