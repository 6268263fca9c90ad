using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Dashboard;

/// <summary>
/// The production silo on a real loopback port (a browser cannot reach a test server), on the world's doubles and
/// the real clock with a short inactivity timeout, so a visitor leaves while the browser watches.
/// </summary>
public sealed class DashboardSite : IAsyncLifetime
{
    public static readonly TimeSpan InactivityTimeout = TimeSpan.FromSeconds(4);

    private SiloFactory _silo = null!;

    public Uri Address => _silo.Address;

    public ValueTask InitializeAsync()
    {
        _silo = WorldSilo.Start(new Dictionary<string, string?>
        {
            ["Visits:InactivityTimeout"] = InactivityTimeout.ToString(),
            ["Visits:ForwardInterval"] = "00:00:00.500",
        }, kestrel: true, clock: TimeProvider.System);
        return ValueTask.CompletedTask;
    }

    public HttpClient ClientAs(string role, params string[] branches) => _silo.Client(TestTokens.For(role, branches));

    public ValueTask DisposeAsync() => _silo.DisposeAsync();
}
