using System.Globalization;
using System.IO.Compression;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.Orleans.DynamoDb.Internal;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace NextGenCrm.Orleans.DynamoDb.Storage;

/// <summary>
/// Grain state in DynamoDB, one item per grain and state name. Writes are conditional on the ETag
/// read (a conflict surfaces as <see cref="InconsistentStateException"/>); large states are gzip-compressed,
/// and a state that still exceeds the item limit fails with <see cref="GrainStateTooLargeException"/>.
/// </summary>
public sealed partial class DynamoDBGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private const string GrainKey = "GrainKey";
    private const string StateName = "StateName";
    private const string ETag = "ETag";
    private const string Data = "State";
    private const string Encoding = "Encoding";
    private const string GrainType = "GrainType";
    private const string Gzip = "gzip";
    private const string Raw = "raw";

    private readonly string _name;
    private readonly DynamoDBStorageOptions _options;
    private readonly string _serviceId;
    private readonly IActivatorProvider _activators;
    private readonly ILogger<DynamoDBGrainStorage> _logger;
    private readonly IAmazonDynamoDB _client;

    public DynamoDBGrainStorage(
        string name,
        DynamoDBStorageOptions options,
        IOptions<ClusterOptions> clusterOptions,
        IActivatorProvider activators,
        ILogger<DynamoDBGrainStorage> logger)
    {
        _name = name;
        _options = options;
        _serviceId = clusterOptions.Value.ServiceId;
        _activators = activators;
        _logger = logger;
        _client = DynamoDbClientFactory.Create(options);
    }

    public static DynamoDBGrainStorage Create(IServiceProvider services, string name) =>
        ActivatorUtilities.CreateInstance<DynamoDBGrainStorage>(
            services, name, services.GetRequiredService<IOptionsMonitor<DynamoDBStorageOptions>>().Get(name));

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(OptionFormattingUtilities.Name<DynamoDBGrainStorage>(_name), _options.InitStage, InitializeAsync);

    /// <summary>Checks the table, creating it (and its TTL setting) when missing and allowed.</summary>
    public Task InitializeAsync(CancellationToken cancellationToken) =>
        DynamoDbTableCreator.EnsureTableAsync(_client, _options, TableDefinition(), _options.TimeToLive is null ? null : _options.TimeToLiveAttributeName, _logger, cancellationToken);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var response = await _client.GetItemAsync(new GetItemRequest
        {
            TableName = _options.TableName,
            Key = Key(stateName, grainId),
            ConsistentRead = true,
        });
        if (response.Item is not { Count: > 0 } item)
        {
            ResetState(grainState);
            return;
        }

        var stored = item[Data].B.ToArray();
        var serialized = item.TryGetValue(Encoding, out var encoding) && encoding.S == Gzip ? Decompress(stored) : stored;
        grainState.State = _options.GrainStorageSerializer.Deserialize<T>(new BinaryData(serialized));
        grainState.ETag = item[ETag].S;
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var serialized = _options.GrainStorageSerializer.Serialize(grainState.State).ToArray();
        var (stored, encoding) = Encode(serialized);
        var newEtag = Guid.NewGuid().ToString("N");

        var item = Key(stateName, grainId);
        item[ETag] = new AttributeValue { S = newEtag };
        item[GrainType] = new AttributeValue { S = grainId.Type.ToString() };
        item[Encoding] = new AttributeValue { S = encoding };
        item[Data] = new AttributeValue { B = new MemoryStream(stored) };
        if (_options.TimeToLive is { } ttl)
        {
            var expiresAt = DateTimeOffset.UtcNow.Add(ttl).ToUnixTimeSeconds();
            item[_options.TimeToLiveAttributeName] = new AttributeValue { N = expiresAt.ToString(CultureInfo.InvariantCulture) };
        }

        var itemBytes = DynamoDbItemSize.Of(item);
        if (itemBytes > DynamoDbItemSize.MaxItemBytes)
        {
            LogTooLarge(_name, stateName, grainId.Type.ToString(), serialized.Length, itemBytes);
            throw new GrainStateTooLargeException(grainId.ToString(), stateName, serialized.Length, itemBytes);
        }

        var (condition, names, values) = ExpectEtag(grainState.ETag);
        try
        {
            await _client.PutItemAsync(new PutItemRequest
            {
                TableName = _options.TableName,
                Item = item,
                ConditionExpression = condition,
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = values,
                ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
            });
        }
        catch (ConditionalCheckFailedException conflict)
        {
            throw Inconsistent("write", stateName, grainId, grainState.ETag, conflict);
        }
        grainState.ETag = newEtag;
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        // Clearing deletes the item: a later read finds no record, as after a fresh activation.
        var (condition, names, values) = ExpectEtag(grainState.ETag);
        try
        {
            await _client.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = _options.TableName,
                Key = Key(stateName, grainId),
                ConditionExpression = condition,
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = values,
                ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
            });
        }
        catch (ConditionalCheckFailedException conflict)
        {
            throw Inconsistent("clear", stateName, grainId, grainState.ETag, conflict);
        }
        ResetState(grainState);
    }

    public void Dispose() => _client.Dispose();

    internal static CreateTableRequest TableDefinition() => new()
    {
        KeySchema = [new KeySchemaElement(GrainKey, KeyType.HASH), new KeySchemaElement(StateName, KeyType.RANGE)],
        AttributeDefinitions =
        [
            new AttributeDefinition(GrainKey, ScalarAttributeType.S),
            new AttributeDefinition(StateName, ScalarAttributeType.S),
        ],
    };

    private Dictionary<string, AttributeValue> Key(string stateName, GrainId grainId) => new()
    {
        [GrainKey] = new AttributeValue { S = $"{_serviceId}/{grainId}" },
        [StateName] = new AttributeValue { S = stateName },
    };

    // A null ETag means "no record as far as the grain knows": the write must not overwrite one.
    private static (string Condition, Dictionary<string, string> Names, Dictionary<string, AttributeValue>? Values) ExpectEtag(string? etag) =>
        etag is null
            ? ("attribute_not_exists(#key)", new() { ["#key"] = GrainKey }, null)
            : ("#etag = :etag", new() { ["#etag"] = ETag }, new() { [":etag"] = new AttributeValue { S = etag } });

    private (byte[] Stored, string Encoding) Encode(byte[] serialized)
    {
        if (serialized.Length <= _options.CompressionThresholdBytes)
        {
            return (serialized, Raw);
        }
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(serialized);
        }
        var compressed = buffer.ToArray();
        return compressed.Length < serialized.Length ? (compressed, Gzip) : (serialized, Raw);
    }

    private static byte[] Decompress(byte[] compressed)
    {
        using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }

    private void ResetState<T>(IGrainState<T> grainState)
    {
        grainState.State = _activators.GetActivator<T>().Create();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private InconsistentStateException Inconsistent(string operation, string stateName, GrainId grainId, string? expected, ConditionalCheckFailedException conflict)
    {
        var stored = conflict.Item is { Count: > 0 } old && old.TryGetValue(ETag, out var etag) ? etag.S : null;
        LogConflict(_name, operation, stateName, grainId.Type.ToString());
        return new InconsistentStateException(
            $"DynamoDB {operation} of state '{stateName}' of grain {grainId} in storage '{_name}' lost to a concurrent write "
            + $"(expected ETag {expected ?? "<none>"}, stored {stored ?? "<none>"}).",
            stored ?? "",
            expected ?? "",
            conflict);
    }

    [LoggerMessage(LogLevel.Warning, "Storage {Storage}: {Operation} of state {StateName} of a {GrainType} grain hit an ETag conflict")]
    private partial void LogConflict(string storage, string operation, string stateName, string grainType);

    [LoggerMessage(LogLevel.Error, "Storage {Storage}: state {StateName} of a {GrainType} grain is {SerializedBytes} bytes, {ItemBytes} as an item: over the DynamoDB limit, not written")]
    private partial void LogTooLarge(string storage, string stateName, string grainType, int serializedBytes, int itemBytes);
}
