using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.OnPremises;
using NextGenCrm.ServiceDefaults;

namespace NextGenCrm.Silo.Configuration;

/// <summary>Where records are kept: memory (ends with the process), the data folder's SQLite file, or DynamoDB.</summary>
public enum RecordsStore { Memory, Sqlite, DynamoDb }

/// <summary>
/// The adapter of each port, chosen once from the options that name it (<c>FaceSearch:Provider</c>,
/// <c>Orleans:GrainStorage:visits:ProviderType</c>, <c>Audit:Provider</c>, <c>Appian:BaseUrl</c> / <c>Appian:RecordOnly</c>,
/// <c>Sns:TopicArn</c> / <c>Sns:RecordOnly</c>, <c>Sqs:SightingsQueueUrl</c> / <c>Sqs:Enabled</c>). The silo registers exactly
/// these; a combination that cannot work stops the host here, naming the keys.
/// </summary>
public sealed class SiloAdapters
{
    public required FaceSearchProvider FaceSearch { get; init; }

    /// <summary>The Orleans providers in effect (the defaults filled in).</summary>
    public required string Clustering { get; init; }
    public required string Storage { get; init; }
    public required string Reminders { get; init; }

    public required LocalStore Local { get; init; }

    /// <summary>Customer directory and erasure fence: DynamoDB with Rekognition, the data folder or memory otherwise.</summary>
    public required RecordsStore Directory { get; init; }

    /// <summary>Visit history (the receipts of tasks and alerts): shared by every silo on AWS.</summary>
    public required RecordsStore History { get; init; }

    /// <summary>Face crops in S3 (with Rekognition), else in the local folder.</summary>
    public bool CropsInS3 => FaceSearch == FaceSearchProvider.Rekognition;

    /// <summary>The on-premises search's settings and where its descriptors are kept (only with <c>FaceSearch:Provider=OnPremises</c>).</summary>
    public OnPremisesFaceSearchOptions? OnPremises { get; init; }
    public FaceDescriptorStoreKind? Descriptors { get; init; }

    public required bool TasksToAppian { get; init; }
    public required bool AlertsToSns { get; init; }
    public required AuditProvider Audit { get; init; }
    public required bool SqsIngest { get; init; }

    /// <summary>Orleans' Kubernetes hosting (<c>Kubernetes:Enabled</c>), in a pod of a cluster on a shared membership table.</summary>
    public required bool Kubernetes { get; init; }

    /// <summary>Reads the choosing options (each with its validator) and chooses; throws <see cref="OptionsValidationException"/>.</summary>
    public static SiloAdapters Choose(IConfiguration configuration)
    {
        var errors = new List<string>();
        if (configuration[$"{OrleansProvidersOptions.SectionName}:Clustering"] is { Length: > 0 })
        {
            // A value where Orleans now has a section: no property can bind both, so the earlier key is looked for here.
            // (Empty is no value: hosts such as WebApplicationFactory pass each parent of a key as an empty setting.)
            errors.Add($"{OrleansProvidersOptions.SectionName}:Clustering is no longer read: use {OrleansProvidersOptions.ClusteringProviderKey} ({OrleansProvidersOptions.Development} or {OrleansProvidersOptions.DynamoDB}) (README, Configuration).");
        }
        var localOptions = configuration.GetValidatedOptions<LocalStoreOptions, LocalStoreOptionsValidator>(LocalStoreOptions.SectionName, errors);
        var orleans = configuration.GetValidatedOptions<OrleansProvidersOptions, OrleansProvidersOptionsValidator>(OrleansProvidersOptions.SectionName, errors);
        var faceSearch = configuration.GetValidatedOptions<FaceSearchProviderOptions, FaceSearchProviderOptionsValidator>(FaceSearchProviderOptions.SectionName, errors).Provider;
        var audit = configuration.GetValidatedOptions<AuditProviderOptions, AuditProviderOptionsValidator>(AuditProviderOptions.SectionName, errors);
        var tasks = configuration.GetValidatedOptions<TaskDeliveryOptions, TaskDeliveryOptionsValidator>(TaskDeliveryOptions.SectionName, errors);
        var alerts = configuration.GetValidatedOptions<AlertDeliveryOptions, AlertDeliveryOptionsValidator>(AlertDeliveryOptions.SectionName, errors);
        var queue = configuration.GetValidatedOptions<SightingQueueOptions, SightingQueueOptionsValidator>(SightingQueueOptions.SectionName, errors);
        var kubernetes = configuration.GetValidatedOptions<KubernetesOptions, KubernetesOptionsValidator>(KubernetesOptions.SectionName, errors);
        var onPremises = faceSearch != FaceSearchProvider.OnPremises ? null
            : configuration.GetValidatedOptions<OnPremisesFaceSearchOptions, OnPremisesFaceSearchOptionsValidator>(OnPremisesFaceSearchOptions.SectionName, errors);

        var onMachine = localOptions.Ephemeral ? OrleansProvidersOptions.Memory : OrleansProvidersOptions.Sqlite;
        var clustering = Trimmed(orleans.ClusteringProvider) ?? OrleansProvidersOptions.Development;
        var storage = Trimmed(orleans.VisitsStorageProvider) ?? onMachine;
        var reminders = Trimmed(orleans.RemindersProvider) ?? onMachine;
        var rekognition = faceSearch == FaceSearchProvider.Rekognition;
        var dynamoDbStorage = storage == OrleansProvidersOptions.DynamoDB;
        var onAws = rekognition || dynamoDbStorage;

        if (kubernetes.Enabled && clustering == OrleansProvidersOptions.Development)
        {
            errors.Add($"{KubernetesOptions.SectionName}:Enabled needs a shared membership table ({OrleansProvidersOptions.ClusteringProviderKey}={OrleansProvidersOptions.DynamoDB}); Development clustering is one silo.");
        }
        if (localOptions.Ephemeral && (storage == OrleansProvidersOptions.Sqlite || reminders == OrleansProvidersOptions.Sqlite))
        {
            errors.Add($"{OrleansProvidersOptions.VisitsStorageProviderKey}={OrleansProvidersOptions.Sqlite} and {OrleansProvidersOptions.RemindersProviderKey}={OrleansProvidersOptions.Sqlite} keep state in the data folder, which --ephemeral ({LocalStoreOptions.EphemeralKey}) turns off.");
        }
        if (clustering != OrleansProvidersOptions.Development && (storage is OrleansProvidersOptions.Sqlite or OrleansProvidersOptions.Memory || reminders is OrleansProvidersOptions.Sqlite or OrleansProvidersOptions.Memory))
        {
            errors.Add($"{OrleansProvidersOptions.VisitsStorageProviderKey} and {OrleansProvidersOptions.RemindersProviderKey} ({storage}, {reminders}) keep state on one machine; "
                + $"a cluster of several ({OrleansProvidersOptions.ClusteringProviderKey}={clustering}) needs {OrleansProvidersOptions.DynamoDB} for both.");
        }
        const string onAwsBecause = $"on AWS ({FaceSearchProviderOptions.SectionName}:Provider=Rekognition or {OrleansProvidersOptions.VisitsStorageProviderKey}={OrleansProvidersOptions.DynamoDB})";
        if (onAws && !tasks.RecordOnly)
        {
            if (!tasks.SiteSet)
            {
                errors.Add($"Appian:BaseUrl is required {onAwsBecause}; set Appian:RecordOnly=true to only log and record tasks.");
            }
            if (string.IsNullOrWhiteSpace(tasks.ApiKey))
            {
                errors.Add($"Appian:ApiKey is required {onAwsBecause}; set Appian:RecordOnly=true to only log and record tasks.");
            }
        }
        if (onAws && !alerts.RecordOnly && !alerts.TopicSet)
        {
            errors.Add($"Sns:TopicArn is required {onAwsBecause}; set Sns:RecordOnly=true to only log and record alerts.");
        }
        ValidatedOptions.ThrowIfAny<SiloAdapters>("", errors);

        // The data folder holds grain state (SQLite storage) and the embedded adapters' records; on AWS, nothing.
        var local = LocalStore.Open(localOptions,
            used: storage == OrleansProvidersOptions.Sqlite || reminders == OrleansProvidersOptions.Sqlite || !rekognition);
        var onThisMachine = local.InUse ? RecordsStore.Sqlite : RecordsStore.Memory;
        var descriptors = onPremises is null ? (FaceDescriptorStoreKind?)null
            : onPremises.Store ?? (dynamoDbStorage ? FaceDescriptorStoreKind.DynamoDb : local.InUse ? FaceDescriptorStoreKind.Local : FaceDescriptorStoreKind.Memory);
        if (descriptors == FaceDescriptorStoreKind.Local && !local.InUse)
        {
            ValidatedOptions.ThrowIfAny<SiloAdapters>("", [$"{OnPremisesFaceSearchOptions.SectionName}:Store=Local needs the data folder ({LocalStoreOptions.DataDirKey}), which --ephemeral turns off."]);
        }
        return new SiloAdapters
        {
            FaceSearch = faceSearch,
            Clustering = clustering,
            Storage = storage,
            Reminders = reminders,
            Local = local,
            Directory = rekognition ? RecordsStore.DynamoDb : onThisMachine,
            History = onAws ? RecordsStore.DynamoDb : onThisMachine,
            OnPremises = onPremises,
            Descriptors = descriptors,
            TasksToAppian = tasks.SiteSet,
            AlertsToSns = onAws && alerts.TopicSet,
            Audit = audit.Provider ?? (rekognition ? AuditProvider.DynamoDb : AuditProvider.File),
            SqsIngest = queue.Polled,
            Kubernetes = kubernetes.Enabled,
        };
    }

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
