using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NextGenCrm.Cameras;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Placement;
using NextGenCrm.Ports;
using NextGenCrm.StoredState;
using NextGenCrm.Visits;

namespace NextGenCrm.Silo.Extensions;

public static class VisitTrackingExtensions
{
    /// <summary>What the grains need from the silo's container: the visit policy, metrics, the track resolver and the clock.</summary>
    public static IServiceCollection AddVisitTracking(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<VisitPolicy>()
            .Bind(configuration.GetSection(VisitPolicy.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddMetrics();
        services.AddSingleton<VisitMetrics>();
        services.AddSingleton<TrackResolver>();
        services.AddHostedService<FaceCollectionUpkeepStarter>();
        services.AddSingleton<PersonalData>();
        services.AddStoredStateSerializer();
        // The erasure fence in this process, on the grains' clock: a host on AWS adapters registers the DynamoDB one after this.
        services.TryAddSingleton<IErasureTombstones>(sp => new InMemoryErasureTombstones(sp.GetRequiredKeyedService<TimeProvider>(GrainClock.Key)));
        services.AddKeyedSingleton(GrainClock.Key, TimeProvider.System);
        // A branch's cameras, branch grain and face registrar on one silo (NextGenCrm.Placement.BranchPlacement).
        services.AddPlacementDirector<BranchPlacement, BranchPlacementDirector>();
        return services;
    }

    /// <summary>
    /// The adapters of the embedded mode: no AWS account, no Appian, everything on this machine. With a data
    /// folder the directory, face collection and history are SQLite files in it and crops are kept there under a
    /// key file; with <paramref name="local"/> ephemeral (or absent) they live in memory and end with the process.
    /// </summary>
    public static IServiceCollection AddEmbeddedAdapters(this IServiceCollection services, IConfiguration configuration, LocalStoreOptions? local = null)
    {
        var durable = local is { InUse: true };
        services.AddOptions<LocalImageOptions>().Bind(configuration.GetSection(LocalImageOptions.Section))
            .PostConfigure(o =>
            {
                if (durable && string.IsNullOrEmpty(configuration["Images:Folder"]))
                {
                    o.Folder = local!.ImagesFolder;
                }
                if (durable && string.IsNullOrEmpty(o.EncryptionKey))
                {
                    o.EncryptionKey = LocalImageKey.ReadOrCreate(local!.ImagesKeyFile);
                }
            })
            .Validate(o => string.IsNullOrEmpty(o.EncryptionKey) || IsAes256Key(o.EncryptionKey), "Images:EncryptionKey must be the base64 of 32 bytes.")
            .ValidateOnStart();
        services.AddOptions<SimulatedFaceSearchOptions>().Bind(configuration.GetSection(SimulatedFaceSearchOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var retention = ConfigurationReader.Bind<CrmTablesOptions>(configuration, CrmTablesOptions.SectionName).Retention;
        // Pictures are checked for a face as Rekognition checks them; the crops of imageRefs are read from the local store.
        services.AddSingleton(sp => new EmbeddedFaceDetector(
            sp.GetRequiredService<IOptions<SimulatedFaceSearchOptions>>().Value.Detection, sp.GetRequiredService<LocalFolderImageStore>().ReadAsync));
        services.AddSingleton(sp => new SimulatedFaceSearch(
            sp.GetRequiredService<IOptions<SimulatedFaceSearchOptions>>().Value,
            durable ? new SqliteFaceCollection(local!.RecordsDatabase) : new InMemoryFaceCollection(),
            sp.GetRequiredService<EmbeddedFaceDetector>()));
        services.AddSingleton<IFaceSearch>(sp => sp.GetRequiredService<SimulatedFaceSearch>());
        services.AddSingleton<IFaceCollectionUpkeep>(sp => sp.GetRequiredService<SimulatedFaceSearch>());
        if (durable)
        {
            services.AddSingleton<ICustomerDirectory>(_ => new SqliteCustomerDirectory(local!.RecordsDatabase));
            // The erasure fence outlives a restart with the data it fences.
            services.Replace(ServiceDescriptor.Singleton<IErasureTombstones>(sp =>
                new SqliteErasureTombstones(local!.RecordsDatabase, sp.GetRequiredKeyedService<TimeProvider>(GrainClock.Key))));
            services.AddSingleton<IVisitHistory>(sp => new SqliteVisitHistory(local!.RecordsDatabase, retention, sp.GetService<TimeProvider>()));
        }
        else
        {
            services.AddSingleton<InMemoryCustomerDirectory>();
            services.AddSingleton<ICustomerDirectory>(sp => sp.GetRequiredService<InMemoryCustomerDirectory>());
            services.AddSingleton(sp => new InMemoryVisitHistory(retention, sp.GetService<TimeProvider>()));
            services.AddSingleton<IVisitHistory>(sp => sp.GetRequiredService<InMemoryVisitHistory>());
        }
        // The recorders keep the last RecordsKept tasks and alerts for a look at what went out; the log has them all.
        services.AddSingleton(sp => new RecordingTaskAssigner(sp.GetRequiredService<ILogger<RecordingTaskAssigner>>(), RecordsKept));
        services.AddSingleton<ITaskAssigner>(sp => sp.GetRequiredService<RecordingTaskAssigner>());
        services.AddSingleton(sp => new RecordingAlertPublisher(sp.GetRequiredService<ILogger<RecordingAlertPublisher>>(), RecordsKept));
        services.AddSingleton<IAlertPublisher>(sp => sp.GetRequiredService<RecordingAlertPublisher>());
        services.AddSingleton<LocalFolderImageStore>();
        services.AddSingleton<IImageStore>(sp => sp.GetRequiredService<LocalFolderImageStore>());
        return services;
    }

    /// <summary>Tasks and alerts the embedded recorders keep (the most recent).</summary>
    public const int RecordsKept = 1_000;

    private static bool IsAes256Key(string base64)
    {
        Span<byte> key = stackalloc byte[48];
        return Convert.TryFromBase64String(base64, key, out var length) && length == 32;
    }
}
