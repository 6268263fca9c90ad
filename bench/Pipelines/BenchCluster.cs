using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using NextGenCrm.Bench.Fakes;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Extensions;
using NextGenCrm.Placement;
using Orleans.Configuration;
using Orleans.Runtime.Placement;
using Orleans.Storage;

namespace NextGenCrm.Bench.Pipelines;

/// <summary>
/// Our pipeline: one or more Orleans silos in this process (localhost clustering, the counting
/// "visits" storage, the in-memory reminder table counted), our grains, the bench fakes. The first
/// silo can also serve the HTTP API on Kestrel at 127.0.0.1:0.
/// </summary>
public enum PlacementMode
{
    /// <summary>As the silo is configured: a branch's grains on one silo, visitors where first called.</summary>
    Default,

    /// <summary>Orleans' default placement for every grain (what the silo did before the branch placement).</summary>
    Unplaced,

    /// <summary><see cref="Unplaced"/> with Orleans' activation repartitioner on (experimental), rounds every 2-4 s.</summary>
    Repartitioning,
}

public sealed class BenchCluster : IAsyncDisposable
{
    private readonly List<WebApplication> _silos = [];

    public FakeWorld World { get; }
    public TraceClock Clock { get; }
    public Uri? HttpAddress { get; private set; }
    public IReadOnlyList<WebApplication> Silos => _silos;

    /// <summary>The grain factory of the first silo: the co-hosted client that the HTTP API also uses.</summary>
    public IGrainFactory Grains => _silos[0].Services.GetRequiredService<IGrainFactory>();

    public long VisitsOpened => _silos.Sum(s => s.Services.GetRequiredService<VisitMetrics>().VisitsOpened);
    public long VisitsClosed => _silos.Sum(s => s.Services.GetRequiredService<VisitMetrics>().VisitsClosed);

    private BenchCluster(FakeWorld world, TraceClock clock)
    {
        World = world;
        Clock = clock;
    }

    public static async Task<BenchCluster> StartAsync(
        int silos, FakeWorld world, TraceClock clock, bool http = false, bool keepStates = true, PlacementMode placement = PlacementMode.Default)
    {
        var cluster = new BenchCluster(world, clock);
        var storage = new CountingGrainStorage(world.Ledger, keepStates);
        var clusterId = "bench-" + Guid.NewGuid().ToString("N")[..8];
        IPEndPoint? primary = null;
        for (var i = 0; i < silos; i++)
        {
            var siloPort = FreePort();
            var gatewayPort = FreePort();
            primary ??= new IPEndPoint(IPAddress.Loopback, siloPort);
            var app = Build(world, clock, storage, siloPort, gatewayPort, primary, clusterId, http && i == 0, placement);
            await app.StartAsync();
            cluster._silos.Add(app);
            if (http && i == 0)
            {
                var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
                cluster.HttpAddress = new Uri(address);
            }
        }
        return cluster;
    }

    private static WebApplication Build(
        FakeWorld world, TraceClock clock, CountingGrainStorage storage, int siloPort, int gatewayPort, IPEndPoint primary, string clusterId, bool http, PlacementMode placement)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Error);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Visits:InactivityTimeout"] = "00:15:00",
        });
        builder.Configuration.AddInMemoryCollection(BenchAuth.Settings());
        builder.WebHost.UseUrls("http://127.0.0.1:0");

        var services = builder.Services;
        services.AddVisitTracking(builder.Configuration);
        services.AddKeyedSingleton<TimeProvider>(GrainClock.Key, clock);
        services.AddSingleton<IFaceSearch>(world.FaceSearch);
        services.AddSingleton<IFaceCollectionUpkeep>(world.Simulated);
        services.AddSingleton<ICustomerDirectory>(world.Directory);
        services.AddSingleton<IVisitHistory>(world.History);
        services.AddSingleton<ITaskAssigner>(world.Tasks);
        services.AddSingleton<IAlertPublisher>(world.Alerts);
        services.AddSingleton<IImageStore>(world.Images);
        if (http)
        {
            services.AddSiloApi(builder.Configuration, new FaceSearchSelection { Provider = FaceSearchProvider.Simulated });
            BenchAuth.AddNoTokenCheckDoor(services);
        }
        services.AddOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, primary, serviceId: "nextgencrm-bench", clusterId: clusterId);
            silo.Configure<GrainCollectionOptions>(o => o.CollectionAge = TimeSpan.FromHours(2));
            silo.UseInMemoryReminderService();
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Visits, storage);
            if (placement is PlacementMode.Unplaced or PlacementMode.Repartitioning)
            {
                UnplaceGrains(silo.Services);
            }
            if (placement == PlacementMode.Repartitioning)
            {
#pragma warning disable ORLEANSEXP001 // experimental in Orleans 10: measured here, not used by the silo
                silo.AddActivationRepartitioner();
#pragma warning restore ORLEANSEXP001
                silo.Configure<ActivationRepartitionerOptions>(o =>
                {
                    // Rounds every few seconds (default 1-2 minutes), so a bench run of seconds sees them.
                    o.MinRoundPeriod = TimeSpan.FromSeconds(2);
                    o.MaxRoundPeriod = TimeSpan.FromSeconds(4);
                    o.RecoveryPeriod = TimeSpan.FromSeconds(1);
                });
            }
        });
        CountReminderWrites(services, world.Ledger);

        var app = builder.Build();
        if (http)
        {
            app.MapNextGenCrmApi();
        }
        return app;
    }

    /// <summary>Puts <see cref="CountingReminderTable"/> around whatever reminder table the silo registered.</summary>
    private static void CountReminderWrites(IServiceCollection services, Ledger ledger)
    {
        var registered = services.Last(d => d.ServiceType == typeof(IReminderTable) && !d.IsKeyedService);
        services.Remove(registered);
        services.AddSingleton<IReminderTable>(sp =>
        {
            var inner = registered.ImplementationInstance as IReminderTable
                ?? (registered.ImplementationFactory is { } factory
                    ? (IReminderTable)factory(sp)
                    : (IReminderTable)ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!));
            return new CountingReminderTable(inner, ledger);
        });
    }

    /// <summary>
    /// The branch placement and the visitors' prefer-local placement handed to Orleans' default director (registered
    /// last, so these win), as if the grains carried no placement attribute.
    /// </summary>
    private static void UnplaceGrains(IServiceCollection services)
    {
        services.AddPlacementDirector<BranchPlacement>(sp => new DefaultPlacement(sp));
        services.AddPlacementDirector<PreferLocalPlacement>(sp => new DefaultPlacement(sp));
    }

    private sealed class DefaultPlacement(IServiceProvider services) : IPlacementDirector
    {
        public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
        {
            var fallback = services.GetRequiredService<PlacementStrategy>();
            return services.GetRequiredService<PlacementDirectorResolver>().GetPlacementDirector(fallback).OnAddActivation(fallback, target, context);
        }
    }

    /// <summary>Waits until every silo sees all the others active.</summary>
    public async Task WaitForMembershipAsync(TimeSpan limit)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < limit && !_silos.All(s =>
            s.Services.GetRequiredService<IClusterMembershipService>().CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active) == _silos.Count))
        {
            await Task.Delay(50);
        }
    }

    /// <summary>The index of the silo a branch's grains are placed on (by the branch placement), for an ingress that goes there.</summary>
    public int SiloIndexOfBranch(string branchId)
    {
        var addresses = _silos.Select(s => s.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress).ToArray();
        return Array.IndexOf(addresses, BranchPlacementDirector.Choose(branchId, addresses));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in Enumerable.Reverse(_silos))
        {
            try
            {
                await silo.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
            }
            catch (OperationCanceledException)
            {
                // A silo that does not stop in time is abandoned: the process ends soon after.
            }
            await silo.DisposeAsync();
        }
    }
}
