using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using NextGenCrm.Bench.Fakes;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Extensions;
using Orleans.Configuration;
using Orleans.Storage;

namespace NextGenCrm.Bench.Pipelines;

/// <summary>
/// Our pipeline: one or more Orleans silos in this process (localhost clustering, the counting
/// "visits" storage, the in-memory reminder table counted), our grains, the bench fakes. The first
/// silo can also serve the HTTP API on Kestrel at 127.0.0.1:0.
/// </summary>
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

    public static async Task<BenchCluster> StartAsync(int silos, FakeWorld world, TraceClock clock, bool http = false, bool keepStates = true)
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
            var app = Build(world, clock, storage, siloPort, gatewayPort, primary, clusterId, http && i == 0);
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
        FakeWorld world, TraceClock clock, CountingGrainStorage storage, int siloPort, int gatewayPort, IPEndPoint primary, string clusterId, bool http)
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
