using Orleans.Configuration;
using Orleans.Storage;

namespace Orleans.Configuration;

/// <summary>The grain state table of one named grain storage.</summary>
public sealed class DynamoDBStorageOptions : DynamoDBClientOptions, IStorageProviderSerializerOptions
{
    public const string DefaultTableName = "OrleansGrainState";

    public DynamoDBStorageOptions() => TableName = DefaultTableName;

    /// <summary>Serialized states larger than this are stored gzip-compressed.</summary>
    public int CompressionThresholdBytes { get; set; } = 16 * 1024;

    /// <summary>How long a state lives after its last write (DynamoDB's TTL on <see cref="TimeToLiveAttributeName"/>); empty: forever.</summary>
    public TimeSpan? TimeToLive { get; set; }

    /// <summary>The attribute that holds the expiry time (epoch seconds) when <see cref="TimeToLive"/> is set.</summary>
    public string TimeToLiveAttributeName { get; set; } = "ExpiresAt";

    /// <summary>Serializer of the states; the silo's registered one when left empty (Orleans'
    /// <c>DefaultStorageProviderSerializerOptionsConfigurator</c>).</summary>
    public IGrainStorageSerializer GrainStorageSerializer { get; set; } = null!;

    /// <summary>Stage of the silo lifecycle at which the table is checked or created.</summary>
    public int InitStage { get; set; } = ServiceLifecycleStage.ApplicationServices;
}

/// <summary>Checks the <see cref="DynamoDBStorageOptions"/> of grain storage <paramref name="name"/> when the silo starts.</summary>
public sealed class DynamoDBGrainStorageOptionsValidator(DynamoDBStorageOptions options, string name) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        var errors = DynamoDBClientOptionsChecks.Check(options);
        const string prefix = nameof(DynamoDBStorageOptions);
        if (options.CompressionThresholdBytes < 0)
        {
            errors.Add($"{prefix}.CompressionThresholdBytes must not be negative.");
        }
        if (options.TimeToLive is { } ttl && ttl <= TimeSpan.Zero)
        {
            errors.Add($"{prefix}.TimeToLive must be positive when set.");
        }
        if (options.TimeToLive is not null && string.IsNullOrWhiteSpace(options.TimeToLiveAttributeName))
        {
            errors.Add($"{prefix}.TimeToLiveAttributeName must name the attribute when {prefix}.TimeToLive is set.");
        }
        if (options.GrainStorageSerializer is null)
        {
            errors.Add($"{prefix}.GrainStorageSerializer is not set and the silo registers none.");
        }
        DynamoDBClientOptionsChecks.ThrowIfAny(errors, "grain storage", name);
    }
}
