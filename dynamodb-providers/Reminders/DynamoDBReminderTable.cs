using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.Orleans.DynamoDb.Internal;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;

namespace NextGenCrm.Orleans.DynamoDb.Reminders;

/// <summary>
/// Orleans reminders in DynamoDB: one item per grain and reminder name, and a global secondary index on
/// (ServiceId, GrainHash) so that a silo reads the reminders of its hash range with a key condition.
/// </summary>
public sealed partial class DynamoDBReminderTable : IReminderTable, IDisposable
{
    internal const string HashIndex = "ServiceIdGrainHashIndex";
    private const string GrainKey = "GrainKey";
    private const string ReminderName = "ReminderName";
    private const string ServiceId = "ServiceId";
    private const string GrainHash = "GrainHash";
    private const string GrainIdAttribute = "GrainId";
    private const string StartAt = "StartAt";
    private const string PeriodTicks = "PeriodTicks";
    private const string ETag = "ETag";

    private readonly DynamoDBReminderStorageOptions _options;
    private readonly string _serviceId;
    private readonly ILogger<DynamoDBReminderTable> _logger;
    private readonly IAmazonDynamoDB _client;

    public DynamoDBReminderTable(
        IOptions<DynamoDBReminderStorageOptions> options, IOptions<ClusterOptions> clusterOptions, ILogger<DynamoDBReminderTable> logger)
    {
        _options = options.Value;
        _serviceId = clusterOptions.Value.ServiceId;
        _logger = logger;
        _client = DynamoDbClientFactory.Create(_options);
    }

    public Task StartAsync(CancellationToken cancellationToken = default) =>
        DynamoDbTableCreator.EnsureTableAsync(_client, _options, TableDefinition(), null, _logger, cancellationToken);

    public async Task<ReminderTableData> ReadRows(GrainId grainId)
    {
        var items = await DynamoDbPaging.QueryAllAsync(_client, new QueryRequest
        {
            TableName = _options.TableName,
            ConsistentRead = true,
            KeyConditionExpression = "#key = :key",
            ExpressionAttributeNames = new() { ["#key"] = GrainKey },
            ExpressionAttributeValues = new() { [":key"] = new AttributeValue { S = KeyOf(grainId) } },
        }, CancellationToken.None);
        return new ReminderTableData(items.Select(ToEntry));
    }

    public async Task<ReminderTableData> ReadRows(uint begin, uint end)
    {
        // Orleans' ring range is (begin, end]; when begin >= end it wraps past zero: (begin, max] and [0, end].
        var ranges = begin < end
            ? [(begin + 1L, (long)end)]
            : new List<(long From, long To)> { (begin + 1L, uint.MaxValue), (0L, end) };
        var entries = new List<ReminderEntry>();
        foreach (var (from, to) in ranges.Where(r => r.From <= r.To))
        {
            var items = await QueryHashRangeAsync(from, to, CancellationToken.None);
            entries.AddRange(items.Select(ToEntry));
        }
        return new ReminderTableData(entries);
    }

    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        var response = await _client.GetItemAsync(new GetItemRequest
        {
            TableName = _options.TableName,
            Key = Key(grainId, reminderName),
            ConsistentRead = true,
        });
        return response.Item is { Count: > 0 } item ? ToEntry(item) : null;
    }

    public async Task<string?> UpsertRow(ReminderEntry entry)
    {
        // The ETag is a counter bumped in the same update, so the returned value is the stored one.
        var response = await _client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = _options.TableName,
            Key = Key(entry.GrainId, entry.ReminderName),
            UpdateExpression = "SET #service = :service, #hash = :hash, #grain = :grain, #start = :start, #period = :period "
                + "ADD #etag :one",
            ExpressionAttributeNames = new()
            {
                ["#service"] = ServiceId, ["#hash"] = GrainHash, ["#grain"] = GrainIdAttribute,
                ["#start"] = StartAt, ["#period"] = PeriodTicks, ["#etag"] = ETag,
            },
            ExpressionAttributeValues = new()
            {
                [":service"] = new AttributeValue { S = _serviceId },
                [":hash"] = Number(entry.GrainId.GetUniformHashCode()),
                [":grain"] = new AttributeValue { S = entry.GrainId.ToString() },
                [":start"] = new AttributeValue { S = entry.StartAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture) },
                [":period"] = Number(entry.Period.Ticks),
                [":one"] = Number(1),
            },
            ReturnValues = ReturnValue.UPDATED_NEW,
        });
        return response.Attributes[ETag].N;
    }

    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        try
        {
            await _client.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = _options.TableName,
                Key = Key(grainId, reminderName),
                ConditionExpression = "#etag = :etag",
                ExpressionAttributeNames = new() { ["#etag"] = ETag },
                ExpressionAttributeValues = new() { [":etag"] = new AttributeValue { N = eTag } },
            });
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            LogRemoveConflict(reminderName, grainId.Type.ToString());
            return false;
        }
        catch (AmazonDynamoDBException malformed) when (malformed.ErrorCode == "ValidationException")
        {
            // Not a number: not an ETag this table handed out, so it cannot match.
            return false;
        }
    }

    public async Task TestOnlyClearTable()
    {
        var items = await QueryHashRangeAsync(0, uint.MaxValue, CancellationToken.None);
        await DynamoDbPaging.DeleteAllAsync(
            _client, _options.TableName, items.Select(item => KeyFrom(item[GrainKey].S, item[ReminderName].S)), CancellationToken.None);
    }

    public void Dispose() => _client.Dispose();

    internal static CreateTableRequest TableDefinition() => new()
    {
        KeySchema = [new KeySchemaElement(GrainKey, KeyType.HASH), new KeySchemaElement(ReminderName, KeyType.RANGE)],
        AttributeDefinitions =
        [
            new AttributeDefinition(GrainKey, ScalarAttributeType.S),
            new AttributeDefinition(ReminderName, ScalarAttributeType.S),
            new AttributeDefinition(ServiceId, ScalarAttributeType.S),
            new AttributeDefinition(GrainHash, ScalarAttributeType.N),
        ],
        GlobalSecondaryIndexes =
        [
            new GlobalSecondaryIndex
            {
                IndexName = HashIndex,
                KeySchema = [new KeySchemaElement(ServiceId, KeyType.HASH), new KeySchemaElement(GrainHash, KeyType.RANGE)],
                Projection = new Projection { ProjectionType = ProjectionType.ALL },
            },
        ],
    };

    private Task<List<Dictionary<string, AttributeValue>>> QueryHashRangeAsync(long from, long to, CancellationToken cancellationToken) =>
        DynamoDbPaging.QueryAllAsync(_client, new QueryRequest
        {
            TableName = _options.TableName,
            IndexName = HashIndex,
            Limit = _options.QueryPageSize,
            KeyConditionExpression = "#service = :service AND #hash BETWEEN :from AND :to",
            ExpressionAttributeNames = new() { ["#service"] = ServiceId, ["#hash"] = GrainHash },
            ExpressionAttributeValues = new()
            {
                [":service"] = new AttributeValue { S = _serviceId },
                [":from"] = Number(from),
                [":to"] = Number(to),
            },
        }, cancellationToken);

    private string KeyOf(GrainId grainId) => $"{_serviceId}/{grainId}";

    private Dictionary<string, AttributeValue> Key(GrainId grainId, string reminderName) => KeyFrom(KeyOf(grainId), reminderName);

    private static Dictionary<string, AttributeValue> KeyFrom(string grainKey, string reminderName) => new()
    {
        [GrainKey] = new AttributeValue { S = grainKey },
        [ReminderName] = new AttributeValue { S = reminderName },
    };

    private static ReminderEntry ToEntry(Dictionary<string, AttributeValue> item) => new()
    {
        GrainId = GrainId.Parse(item[GrainIdAttribute].S),
        ReminderName = item[ReminderName].S,
        StartAt = DateTime.Parse(item[StartAt].S, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind).ToUniversalTime(),
        Period = TimeSpan.FromTicks(long.Parse(item[PeriodTicks].N, CultureInfo.InvariantCulture)),
        ETag = item[ETag].N,
    };

    private static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    [LoggerMessage(LogLevel.Debug, "Reminder {ReminderName} of a {GrainType} grain was not removed: ETag changed")]
    private partial void LogRemoveConflict(string reminderName, string grainType);
}
