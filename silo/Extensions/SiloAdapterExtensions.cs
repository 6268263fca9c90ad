using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Appian;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Integrations.OnPremises;
using NextGenCrm.Ports;
using NextGenCrm.ServiceDefaults;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Security;

namespace NextGenCrm.Silo.Extensions;

/// <summary>One adapter per port, as <see cref="SiloAdapters"/> chose it: nothing here depends on what was registered before.</summary>
public static class SiloAdapterExtensions
{
    /// <summary>Tasks and alerts the embedded recorders keep (the most recent).</summary>
    public const int RecordsKept = 1_000;

    /// <summary>The face search of <c>FaceSearch:Provider</c>, and what its requests may carry.</summary>
    public static FaceSearchSelection AddFaceSearch(this IServiceCollection services, IConfiguration configuration, SiloAdapters adapters)
    {
        switch (adapters.FaceSearch)
        {
            case FaceSearchProvider.Rekognition:
                services.AddRekognitionFaceSearch(configuration);
                return new FaceSearchSelection { Provider = FaceSearchProvider.Rekognition };
            case FaceSearchProvider.OnPremises:
                services.AddOnPremisesFaceSearch(configuration, adapters.OnPremises!, adapters.Descriptors!.Value, adapters.Local.InUse ? adapters.Local.RecordsDatabase : null);
                // Descriptors are kept per person and go with the person: no collection of orphan faces to sweep.
                // Pictures become descriptors only where the face models are installed.
                return new FaceSearchSelection { Provider = FaceSearchProvider.OnPremises, AcceptsPictures = services.Any(d => d.ServiceType == typeof(IFaceEmbedder)) };
            default:
                services.AddValidatedOptions<SimulatedFaceSearchOptions, SimulatedFaceSearchOptionsValidator>(SimulatedFaceSearchOptions.SectionName);
                var durable = adapters.Local.InUse;
                var recordsDatabase = adapters.Local.RecordsDatabase;
                // Pictures are checked for a face as Rekognition checks them; the crops of imageRefs are read from the local store.
                services.AddSingleton(sp => new EmbeddedFaceDetector(
                    sp.GetRequiredService<IOptions<SimulatedFaceSearchOptions>>().Value.Detection, sp.GetRequiredService<LocalFolderImageStore>().ReadAsync));
                services.AddSingleton(sp => new SimulatedFaceSearch(
                    sp.GetRequiredService<IOptions<SimulatedFaceSearchOptions>>().Value,
                    durable ? new SqliteFaceCollection(recordsDatabase) : new InMemoryFaceCollection(),
                    sp.GetRequiredService<EmbeddedFaceDetector>()));
                services.AddSingleton<IFaceSearch>(sp => sp.GetRequiredService<SimulatedFaceSearch>());
                services.AddSingleton<IFaceCollectionUpkeep>(sp => sp.GetRequiredService<SimulatedFaceSearch>());
                services.AddValidatedOptions<DemoCustomersOptions, DemoCustomersOptionsValidator>(DemoCustomersOptions.SectionName);
                services.AddHostedService<DemoCustomerEnrolment>();
                return new FaceSearchSelection { Provider = FaceSearchProvider.Simulated };
        }
    }

    /// <summary>The customer directory, the erasure fence and the visit history.</summary>
    public static IServiceCollection AddCustomerRecords(this IServiceCollection services, IConfiguration configuration, SiloAdapters adapters)
    {
        var local = adapters.Local;
        var retention = configuration.GetValidatedOptions<CrmTablesOptions, CrmTablesOptionsValidator>(CrmTablesOptions.SectionName).Retention;
        switch (adapters.Directory)
        {
            case RecordsStore.DynamoDb:
                // The directory, the fence and the history are tables of one set.
                services.AddDynamoDbCrmTables(configuration);
                return services;
            case RecordsStore.Sqlite:
                services.AddSingleton<ICustomerDirectory>(_ => new SqliteCustomerDirectory(local.RecordsDatabase));
                // The erasure fence outlives a restart with the data it fences.
                services.AddSingleton<IErasureTombstones>(sp =>
                    new SqliteErasureTombstones(local.RecordsDatabase, sp.GetRequiredKeyedService<TimeProvider>(GrainClock.Key)));
                break;
            default:
                services.AddSingleton<InMemoryCustomerDirectory>();
                services.AddSingleton<ICustomerDirectory>(sp => sp.GetRequiredService<InMemoryCustomerDirectory>());
                services.AddSingleton<IErasureTombstones>(sp => new InMemoryErasureTombstones(sp.GetRequiredKeyedService<TimeProvider>(GrainClock.Key)));
                break;
        }
        switch (adapters.History)
        {
            case RecordsStore.DynamoDb:
                // The history holds the task's and the alert's receipts: on a cluster it must outlive the silo that wrote it.
                services.AddDynamoDbVisitHistory(configuration);
                break;
            case RecordsStore.Sqlite:
                services.AddSingleton<IVisitHistory>(sp => new SqliteVisitHistory(local.RecordsDatabase, retention, sp.GetService<TimeProvider>()));
                break;
            default:
                services.AddSingleton(sp => new InMemoryVisitHistory(retention, sp.GetService<TimeProvider>()));
                services.AddSingleton<IVisitHistory>(sp => sp.GetRequiredService<InMemoryVisitHistory>());
                break;
        }
        return services;
    }

    /// <summary>Face crops: the S3 bucket (its lifecycle rule expires them), or the local folder, swept here.</summary>
    public static IServiceCollection AddImageStore(this IServiceCollection services, IConfiguration configuration, SiloAdapters adapters)
    {
        if (adapters.CropsInS3)
        {
            services.AddS3ImageStore(configuration);
            return services;
        }
        var local = adapters.Local;
        services.AddValidatedOptions<LocalImageOptions, LocalImageOptionsValidator>(LocalImageOptions.SectionName)
            .PostConfigure(o =>
            {
                if (local.InUse && string.IsNullOrEmpty(configuration[$"{LocalImageOptions.SectionName}:Folder"]))
                {
                    o.Folder = local.ImagesFolder;
                }
                if (local.InUse && string.IsNullOrEmpty(o.EncryptionKey))
                {
                    o.EncryptionKey = LocalImageKey.ReadOrCreate(local.ImagesKeyFile);
                }
            });
        services.AddSingleton<LocalFolderImageStore>();
        services.AddSingleton<IImageStore>(sp => sp.GetRequiredService<LocalFolderImageStore>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddHostedService<ImageRetentionSweeper>();
        return services;
    }

    /// <summary>Staff tasks to Appian or the recorder; new-visitor alerts to SNS or the recorder.</summary>
    public static IServiceCollection AddDeliveries(this IServiceCollection services, IConfiguration configuration, SiloAdapters adapters)
    {
        if (adapters.TasksToAppian)
        {
            services.AddAppianTaskAssigner(configuration);
        }
        else
        {
            // The recorders keep the last RecordsKept tasks and alerts for a look at what went out; the log has them all.
            services.AddSingleton(sp => new RecordingTaskAssigner(sp.GetRequiredService<ILogger<RecordingTaskAssigner>>(), RecordsKept));
            services.AddSingleton<ITaskAssigner>(sp => sp.GetRequiredService<RecordingTaskAssigner>());
        }
        if (adapters.AlertsToSns)
        {
            services.AddSnsAlertPublisher(configuration);
        }
        else
        {
            services.AddSingleton(sp => new RecordingAlertPublisher(sp.GetRequiredService<ILogger<RecordingAlertPublisher>>(), RecordsKept));
            services.AddSingleton<IAlertPublisher>(sp => sp.GetRequiredService<RecordingAlertPublisher>());
        }
        return services;
    }

    /// <summary>The audit log of <c>Audit:Provider</c>: the DynamoDB table, or files in the data folder (memory with --ephemeral).</summary>
    public static IServiceCollection AddAuditLog(this IServiceCollection services, IConfiguration configuration, SiloAdapters adapters)
    {
        if (adapters.Audit == AuditProvider.DynamoDb)
        {
            services.AddDynamoDbAuditLog(configuration);
        }
        else if (adapters.Local.Ephemeral)
        {
            // --ephemeral keeps nothing of a person on disk: the audit of what it holds goes with it.
            services.AddSingleton<IAuditLog, InMemoryAuditLog>();
        }
        else
        {
            services.AddLocalFileAuditLog(configuration);
        }
        return services;
    }
}
