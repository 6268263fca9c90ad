using Orleans.Storage;

namespace NextGenCrm.Orleans.DynamoDb;

/// <summary>Grain state table of one named storage provider.</summary>
public sealed class DynamoDbGrainStorageOptions : DynamoDbConnectionOptions, IStorageProviderSerializerOptions
{
    public const string DefaultTableName = "OrleansGrainState";

    public DynamoDbGrainStorageOptions() => TableName = DefaultTableName;

    /// <summary>Serialized states larger than this are stored gzip-compressed.</summary>
    public int CompressionThresholdBytes { get; set; } = 16 * 1024;

    /// <summary>Attribute that holds an expiry time (epoch seconds) for DynamoDB's TTL; empty turns TTL off.</summary>
    public string? TimeToLiveAttributeName { get; set; }

    /// <summary>How long a state lives after its last write when <see cref="TimeToLiveAttributeName"/> is set.</summary>
    public TimeSpan? StateTimeToLive { get; set; }

    /// <summary>Serializer of the states; defaults to the one the silo registers (see Orleans'
    /// <c>DefaultStorageProviderSerializerOptionsConfigurator</c>).</summary>
    public IGrainStorageSerializer GrainStorageSerializer { get; set; } = null!;

    /// <summary>Stage of the silo lifecycle at which the table is checked or created.</summary>
    public int InitStage { get; set; } = global::Orleans.ServiceLifecycleStage.ApplicationServices;
}
