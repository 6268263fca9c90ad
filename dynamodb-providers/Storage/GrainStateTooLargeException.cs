using Orleans;
using Orleans.Runtime;

namespace NextGenCrm.Orleans.DynamoDb;

/// <summary>
/// A grain's state does not fit in one DynamoDB item (400 KB) even gzip-compressed. Nothing was
/// written: the stored state and its ETag are unchanged.
/// </summary>
[GenerateSerializer]
public sealed class GrainStateTooLargeException : OrleansException
{
    public GrainStateTooLargeException(string grainId, string stateName, int serializedBytes, int itemBytes)
        : base($"State '{stateName}' of grain {grainId} is too large for DynamoDB: {serializedBytes} bytes serialized, "
            + $"{itemBytes} bytes as an item after gzip compression, over the {DynamoDbItemSize.MaxItemBytes}-byte item limit. "
            + "Nothing was written; keep the state smaller (move bulky data to S3 and store its key).")
    {
        GrainId = grainId;
        StateName = stateName;
        SerializedBytes = serializedBytes;
        ItemBytes = itemBytes;
    }

    public GrainStateTooLargeException() : base("Grain state too large for DynamoDB.")
    {
        GrainId = "";
        StateName = "";
    }

    public GrainStateTooLargeException(string message) : base(message)
    {
        GrainId = "";
        StateName = "";
    }

    public GrainStateTooLargeException(string message, Exception innerException) : base(message, innerException)
    {
        GrainId = "";
        StateName = "";
    }

    [Id(0)]
    public string GrainId { get; init; }

    [Id(1)]
    public string StateName { get; init; }

    [Id(2)]
    public int SerializedBytes { get; init; }

    [Id(3)]
    public int ItemBytes { get; init; }
}
