using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Aws;

/// <summary>
/// The audit log on DynamoDB. Key: <c>day</c> = "yyyy-MM-dd#shard" (hash), <c>at</c> = "time#entryId" (range), so a time
/// range is a query per day and shard. Every put is conditional on the key not existing: an entry is never overwritten,
/// and a put repeated after a lost answer finds its own entry (same id) and counts as written.
/// </summary>
public sealed class DynamoDbAuditLog(IAmazonDynamoDB dynamo, IOptions<DynamoDbAuditOptions> options) : IAuditLog
{
    private const string AtFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";
    private readonly DynamoDbAuditOptions _options = options.Value;
    private readonly SemaphoreSlim _created = new(1, 1);
    private volatile bool _ready = !options.Value.CreateIfMissing;

    public async Task AppendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        await Task.WhenAll(entries.Select(entry => PutAsync(entry, cancellationToken)));
    }

    private async Task PutAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            ["day"] = new() { S = DayKey(entry.At, Shard(entry.EntryId)) },
            ["at"] = new() { S = $"{entry.At.UtcDateTime.ToString(AtFormat, CultureInfo.InvariantCulture)}#{entry.EntryId}" },
            ["entryId"] = new() { S = entry.EntryId },
            ["subject"] = new() { S = entry.Subject },
            ["action"] = new() { S = entry.Action },
            ["status"] = new() { N = entry.Status.ToString(CultureInfo.InvariantCulture) },
            ["expiresAt"] = new() { N = entry.At.Add(_options.Retention).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) },
        };
        Optional(item, "branchId", entry.BranchId);
        Optional(item, "visitorId", entry.VisitorId);
        Optional(item, "customerId", entry.CustomerId);
        Optional(item, "source", entry.Source);
        Optional(item, "detail", entry.Detail);
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = _options.TableName,
                Item = item,
                ConditionExpression = "attribute_not_exists(#day)",
                ExpressionAttributeNames = new() { ["#day"] = "day" },
            }, cancellationToken);
        }
        catch (ConditionalCheckFailedException)
        {
            // The key holds this entry id: our own earlier attempt, whose answer was lost. Written.
        }
    }

    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var found = new List<AuditEntry>();
        for (var day = query.From.UtcDateTime.Date; day <= query.To.UtcDateTime.Date; day = day.AddDays(1))
        {
            for (var shard = 0; shard < _options.Shards; shard++)
            {
                Dictionary<string, AttributeValue>? start = null;
                do
                {
                    var request = new QueryRequest
                    {
                        TableName = _options.TableName,
                        KeyConditionExpression = "#day = :day AND #at BETWEEN :from AND :to",
                        ExpressionAttributeNames = new() { ["#day"] = "day", ["#at"] = "at" },
                        ExpressionAttributeValues = new()
                        {
                            [":day"] = new() { S = DayKey(day, shard) },
                            [":from"] = new() { S = query.From.UtcDateTime.ToString(AtFormat, CultureInfo.InvariantCulture) },
                            [":to"] = new() { S = query.To.UtcDateTime.ToString(AtFormat, CultureInfo.InvariantCulture) },
                        },
                        ExclusiveStartKey = start,
                    };
                    if (query.BranchId is not null)
                    {
                        request.FilterExpression = "branchId = :branch";
                        request.ExpressionAttributeValues[":branch"] = new() { S = query.BranchId };
                    }
                    if (query.Subject is not null)
                    {
                        request.FilterExpression = request.FilterExpression is null ? "subject = :subject" : $"{request.FilterExpression} AND subject = :subject";
                        request.ExpressionAttributeValues[":subject"] = new() { S = query.Subject };
                    }
                    var page = await dynamo.QueryAsync(request, cancellationToken);
                    found.AddRange(page.Items.Select(ToEntry).Where(query.Matches));
                    start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
                }
                while (start is not null);
            }
        }
        return [.. found.OrderBy(e => e.At).ThenBy(e => e.EntryId, StringComparer.Ordinal).Take(query.Limit)];
    }

    private static AuditEntry ToEntry(Dictionary<string, AttributeValue> item) => new(
        item["entryId"].S,
        DateTimeOffset.ParseExact(item["at"].S[..item["at"].S.IndexOf('#', StringComparison.Ordinal)], AtFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
        item["subject"].S,
        item["action"].S,
        Get(item, "branchId"),
        Get(item, "visitorId"),
        Get(item, "customerId"),
        Get(item, "source"),
        int.Parse(item["status"].N, CultureInfo.InvariantCulture),
        Get(item, "detail"));

    private static string? Get(Dictionary<string, AttributeValue> item, string name) => item.TryGetValue(name, out var value) ? value.S : null;

    private static void Optional(Dictionary<string, AttributeValue> item, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            item[name] = new AttributeValue { S = value };
        }
    }

    // FNV-1a, not string.GetHashCode (randomised per process): a retried put must land in the same shard.
    private int Shard(string entryId)
    {
        var hash = 2166136261u;
        foreach (var c in entryId)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return (int)(hash % (uint)_options.Shards);
    }

    private static string DayKey(DateTimeOffset at, int shard) => DayKey(at.UtcDateTime.Date, shard);

    private static string DayKey(DateTime day, int shard) => $"{day:yyyy-MM-dd}#{shard}";

    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return;
        }
        await _created.WaitAsync(cancellationToken);
        try
        {
            if (_ready)
            {
                return;
            }
            try
            {
                await dynamo.DescribeTableAsync(_options.TableName, cancellationToken);
            }
            catch (ResourceNotFoundException)
            {
                try
                {
                    await dynamo.CreateTableAsync(new CreateTableRequest
                    {
                        TableName = _options.TableName,
                        BillingMode = BillingMode.PAY_PER_REQUEST,
                        AttributeDefinitions = [new("day", ScalarAttributeType.S), new("at", ScalarAttributeType.S)],
                        KeySchema = [new("day", KeyType.HASH), new("at", KeyType.RANGE)],
                    }, cancellationToken);
                }
                catch (ResourceInUseException)
                {
                    // Another silo is creating it.
                }
                await WaitActiveAsync(cancellationToken);
                try
                {
                    await dynamo.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
                    {
                        TableName = _options.TableName,
                        TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = "expiresAt", Enabled = true },
                    }, cancellationToken);
                }
                catch (AmazonDynamoDBException already) when (already.Message.Contains("already enabled", StringComparison.OrdinalIgnoreCase))
                {
                    // Another silo turned it on.
                }
            }
            _ready = true;
        }
        finally
        {
            _created.Release();
        }
    }

    private async Task WaitActiveAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var table = await dynamo.DescribeTableAsync(_options.TableName, cancellationToken);
            if (table.Table.TableStatus == TableStatus.ACTIVE)
            {
                return;
            }
            await Task.Delay(100, cancellationToken);
        }
        throw new TimeoutException($"Audit table {_options.TableName} did not become active.");
    }
}

public static class DynamoDbAuditRegistration
{
    /// <summary>The audit log on DynamoDB (the "Audit" section: TableName, Retention, Shards, CreateIfMissing).</summary>
    public static IServiceCollection AddDynamoDbAuditLog(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAwsClients(configuration);
        AwsAdapterRegistration.Bind<DynamoDbAuditOptions, DynamoDbAuditOptionsValidator>(services, configuration, DynamoDbAuditOptions.SectionName);
        services.AddSingleton<IAuditLog, DynamoDbAuditLog>();
        return services;
    }
}
