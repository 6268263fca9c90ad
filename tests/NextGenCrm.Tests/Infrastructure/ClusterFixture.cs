using Microsoft.Extensions.DependencyInjection;
using NextGenCrm.Ports;

namespace NextGenCrm.Tests.Infrastructure;

/// <summary>The production silo (<see cref="SiloFactory"/>) on the world's doubles (<see cref="World"/>), shared by the scenario tests.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public SiloFactory Silo { get; private set; } = null!;
    /// <summary>A client with an admin token; <see cref="ClientAs"/> makes one for another role and branches.</summary>
    public HttpClient Http { get; private set; } = null!;
    public IGrainFactory Grains => Silo.Grains;

    public ValueTask InitializeAsync()
    {
        Silo = WorldSilo.Start();
        Http = Silo.Client(TestTokens.Admin());
        return ValueTask.CompletedTask;
    }

    /// <summary>A client whose token holds <paramref name="role"/> and reaches <paramref name="branches"/>; dispose it.</summary>
    public HttpClient ClientAs(string role, params string[] branches) => Silo.Client(TestTokens.For(role, branches));

    /// <summary>A client without a token; dispose it.</summary>
    public HttpClient Anonymous() => Silo.Client();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Silo.DisposeAsync();
    }
}

/// <summary>A production silo whose ports are the world's doubles: the scenarios' silo, or a test's own with more settings.</summary>
public static class WorldSilo
{
    /// <summary>No demo customers: the scenarios enrol their own.</summary>
    private static readonly Lazy<string> NoDemoCustomers = new(() =>
    {
        var path = Path.Combine(Path.GetDirectoryName(TestTokens.KeyFile)!, "no-demo-customers.json");
        File.WriteAllText(path, """{ "customers": [] }""");
        return path;
    });

    /// <summary>What every scenario silo shares: no demo customers, an audit folder of its own, rate limits that never bite.</summary>
    public static Dictionary<string, string?> ScenarioSettings() => new()
    {
        ["Visits:InactivityTimeout"] = "00:15:00",
        ["Directory:DemoCustomersPath"] = NoDemoCustomers.Value,
        ["Audit:Folder"] = Path.Combine(Path.GetDirectoryName(TestTokens.KeyFile)!, $"audit-{Guid.NewGuid():N}"),
        // Scenarios share one admin subject across many tests at once: limits high enough never to matter there.
        ["RateLimits:SightingsPerSecond"] = "1000000",
        ["RateLimits:EnrolmentPerSecond"] = "1000000",
        ["RateLimits:ReadsPerSecond"] = "1000000",
    };

    /// <summary>Starts a silo on <see cref="World"/>, on its clock; <paramref name="settings"/> and <paramref name="services"/> come last.</summary>
    public static SiloFactory Start(
        IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, IAuditLog? audit = null, bool kestrel = false, TimeProvider? clock = null)
    {
        var all = ScenarioSettings();
        all["Visits:DeliveryRetryBase"] = "00:00:00.200";
        all["Visits:ExitCameras:0"] = CameraKeys.Format(World.ExitBranch, World.ExitCamera);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        return new SiloFactory(new SiloFactoryOptions
        {
            Settings = all,
            Kestrel = kestrel,
            Services = s =>
            {
                s.AddWorld(clock ?? World.Clock);
                if (audit is not null)
                {
                    s.AddSingleton(audit);
                }
                services?.Invoke(s);
            },
        }).Start();
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    // The scenarios share one cluster and one visit clock, so they run one after another.
    public const string Name = "cluster";
}
