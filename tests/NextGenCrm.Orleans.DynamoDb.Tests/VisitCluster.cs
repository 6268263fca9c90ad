using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Extensions;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace NextGenCrm.Orleans.DynamoDb.Tests;

/// <summary>
/// The outside world of one scenario's silos: face collection, directory, history and the recording
/// task and alert adapters. Test silos are built by type, so worlds are found through a static
/// registry by the id the scenario puts in the cluster's configuration.
/// </summary>
public sealed class VisitWorld
{
    private static readonly ConcurrentDictionary<string, VisitWorld> Worlds = new(StringComparer.Ordinal);

    public string Id { get; } = Guid.NewGuid().ToString("N");
    public SimulatedFaceSearch FaceSearch { get; } = new();
    public InMemoryCustomerDirectory Directory { get; } = new();
    public InMemoryVisitHistory History { get; } = new();
    public RecordingTaskAssigner Tasks { get; } = new(NullLogger<RecordingTaskAssigner>.Instance);
    public RecordingAlertPublisher Alerts { get; } = new(NullLogger<RecordingAlertPublisher>.Instance);

    public static VisitWorld Create()
    {
        var world = new VisitWorld();
        Worlds[world.Id] = world;
        return world;
    }

    public static VisitWorld Find(string? id) =>
        id is not null && Worlds.TryGetValue(id, out var world) ? world : throw new InvalidOperationException($"No visit world '{id}'.");

    public Task EnrolAsync(string customerId, string name, string faceToken) =>
        DemoCustomers.EnrolAsync([new DemoCustomer(customerId, name, faceToken)], FaceSearch, Directory, CancellationToken.None);
}

/// <summary>
/// A TestCluster of the project's grains on DynamoDB Local: membership, "visits" grain storage and
/// reminders each on a table of the scenario's own, and failure detection tuned to seconds.
/// </summary>
public static class VisitCluster
{
    private const string ServiceUrlKey = "VisitCluster:ServiceUrl";
    private const string TableSuffixKey = "VisitCluster:TableSuffix";
    private const string WorldKey = "VisitCluster:World";
    private const string InactivityTimeoutKey = "VisitCluster:InactivityTimeout";
    private const string ForwardIntervalKey = "VisitCluster:ForwardInterval";
    private const string PersistLastSeenEveryKey = "VisitCluster:PersistLastSeenEvery";
    private const string SaveOnShutdownKey = "VisitCluster:SaveOnShutdown";

    public static string MembershipTable(string suffix) => $"membership-{suffix}";
    public static string StateTable(string suffix) => $"visits-{suffix}";
    public static string ReminderTable(string suffix) => $"reminders-{suffix}";

    public static TestCluster Build(
        int silos, string serviceUrl, string tableSuffix, VisitWorld world, TimeSpan inactivityTimeout, TimeSpan forwardInterval,
        TimeSpan? persistLastSeenEvery = null, bool saveOnShutdown = true)
    {
        var builder = new TestClusterBuilder((short)silos);
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ConfigureFileLogging = false;
        builder.Properties[ServiceUrlKey] = serviceUrl;
        builder.Properties[TableSuffixKey] = tableSuffix;
        builder.Properties[WorldKey] = world.Id;
        builder.Properties[InactivityTimeoutKey] = inactivityTimeout.ToString("c", CultureInfo.InvariantCulture);
        builder.Properties[ForwardIntervalKey] = forwardInterval.ToString("c", CultureInfo.InvariantCulture);
        builder.Properties[PersistLastSeenEveryKey] = persistLastSeenEvery?.ToString("c", CultureInfo.InvariantCulture) ?? "";
        builder.Properties[SaveOnShutdownKey] = saveOnShutdown ? "true" : "false";
        builder.AddSiloBuilderConfigurator<VisitTrackingSilo>();
        builder.AddClientBuilderConfigurator<VisitTrackingClient>();
        return builder.Build();
    }

    private sealed class VisitTrackingSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var configuration = silo.Configuration;
            var url = configuration[ServiceUrlKey];
            var suffix = configuration[TableSuffixKey]!;
            var world = VisitWorld.Find(configuration[WorldKey]);

            silo.UseDynamoDBClustering(o => { o.Service = url; o.TableName = MembershipTable(suffix); })
                .AddDynamoDBGrainStorage(StorageNames.Visits, o => { o.Service = url; o.TableName = StateTable(suffix); })
                .UseDynamoDBReminderService(o => { o.Service = url; o.TableName = ReminderTable(suffix); });
            var services = silo.Services;
            services.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            // A killed silo is declared dead within seconds instead of the production default's tens of seconds.
            services.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
            });
            services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));

            var visits = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Visits:InactivityTimeout"] = configuration[InactivityTimeoutKey],
                ["Visits:ForwardInterval"] = configuration[ForwardIntervalKey],
                ["Visits:PersistLastSeenEvery"] = configuration[PersistLastSeenEveryKey] is { Length: > 0 } step ? step : null,
                ["Visits:SaveOnShutdown"] = configuration[SaveOnShutdownKey],
                ["Visits:DeliveryRetryBase"] = "00:00:00.500",
                // A delivery lost with its silo is handed over again after this, not after the default 2 minutes.
                ["Visits:DeliveryReportTimeout"] = "00:00:05",
            }).Build();
            services.AddVisitTracking(visits);
            services.AddSingleton<IFaceSearch>(world.FaceSearch);
            services.AddSingleton<IFaceCollectionUpkeep>(world.FaceSearch);
            services.AddSingleton<ICustomerDirectory>(world.Directory);
            services.AddSingleton<IVisitHistory>(world.History);
            services.AddSingleton<ITaskAssigner>(world.Tasks);
            services.AddSingleton<IAlertPublisher>(world.Alerts);
            services.AddSingleton<IImageStore>(new LocalFolderImageStore(
                Options.Create(new LocalImageOptions { Folder = Path.Combine(Path.GetTempPath(), "nextgencrm-dynamodb-tests", world.Id) }),
                NullLogger<LocalFolderImageStore>.Instance));
        }
    }

    private sealed class VisitTrackingClient : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder)
        {
            clientBuilder.UseDynamoDBClustering(o =>
            {
                o.Service = configuration[ServiceUrlKey];
                o.TableName = MembershipTable(configuration[TableSuffixKey]!);
            });
            // A sighting to a dead silo fails within seconds and the edge agent's loop sends it again.
            clientBuilder.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
        }
    }
}
