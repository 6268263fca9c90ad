using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Aws;

/// <summary>
/// The history table of the original design: one item per (visitorId, visitId), so writing a visit
/// again keeps one record; an LSI on visitStart lists a visitor's visits newest first; items expire
/// through DynamoDB TTL (<c>expiresAt</c>) after the configured retention.
/// </summary>
public sealed class DynamoDbVisitHistory(IAmazonDynamoDB dynamo, IOptions<CrmTablesOptions> options) : IVisitHistory
{
    /// <summary>What the original design stored as customerId for a visitor who is not a customer.</summary>
    public const string NewCustomer = "New Customer";

    // Fixed-width UTC timestamps sort as strings in time order.
    private const string StartFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    private readonly CrmTablesOptions _options = options.Value;

    public async Task AppendAsync(VisitHistoryRecord record, CancellationToken cancellationToken)
    {
        using var span = VisitTracing.StartCall("dynamodb", "PutItem");
        ArgumentNullException.ThrowIfNull(record);
        var item = new Dictionary<string, AttributeValue>
        {
            ["visitorId"] = new() { S = record.VisitorId },
            ["visitId"] = new() { S = record.VisitId },
            ["customerId"] = new() { S = record.CustomerId ?? NewCustomer },
            ["branchId"] = new() { S = record.BranchId },
            ["cameraId"] = new() { S = record.CameraId },
            ["visitStart"] = new() { S = Format(record.VisitStart) },
            ["expiresAt"] = new() { N = record.VisitStart.Add(_options.Retention).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) },
        };
        if (!string.IsNullOrEmpty(record.ImageKey))
        {
            item["imageKey"] = new AttributeValue { S = record.ImageKey };
        }
        if (record.AlertSentAt is { } alertSentAt)
        {
            item["alertSentAt"] = new AttributeValue { S = Format(alertSentAt) };
        }
        if (record.TaskAssignedAt is { } taskAssignedAt)
        {
            item["taskAssignedAt"] = new AttributeValue { S = Format(taskAssignedAt) };
        }
        if (!string.IsNullOrEmpty(record.TaskId))
        {
            item["taskId"] = new AttributeValue { S = record.TaskId };
        }
        await dynamo.PutItemAsync(new PutItemRequest { TableName = _options.HistoryTable, Item = item }, cancellationToken);
    }

    public async Task<VisitHistoryRecord?> FindAsync(string visitorId, string visitId, CancellationToken cancellationToken)
    {
        using var span = VisitTracing.StartCall("dynamodb", "GetItem");
        var response = await dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = _options.HistoryTable,
            Key = new() { ["visitorId"] = new AttributeValue { S = visitorId }, ["visitId"] = new AttributeValue { S = visitId } },
            ConsistentRead = true,
        }, cancellationToken);
        return response.Item is { Count: > 0 } item ? ToRecord(item) : null;
    }

    public async Task<IReadOnlyList<VisitHistoryRecord>> QueryAsync(string visitorId, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var records = new List<VisitHistoryRecord>(Math.Min(limit, 100));
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var response = await dynamo.QueryAsync(new QueryRequest
            {
                TableName = _options.HistoryTable,
                IndexName = CrmTables.VisitStartIndex,
                KeyConditionExpression = "visitorId = :v",
                ExpressionAttributeValues = new() { [":v"] = new AttributeValue { S = visitorId } },
                ScanIndexForward = false,
                Limit = limit - records.Count,
                ExclusiveStartKey = start,
            }, cancellationToken);
            records.AddRange((response.Items ?? []).Select(ToRecord));
            start = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null && records.Count < limit);
        return records;
    }

    public async Task<int> EraseAsync(string visitorId, CancellationToken cancellationToken)
    {
        var erased = 0;
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            // The table's own key (visitorId, visitId): only the keys are read, then deleted in batches of 25.
            var page = await dynamo.QueryAsync(new QueryRequest
            {
                TableName = _options.HistoryTable,
                KeyConditionExpression = "visitorId = :v",
                ExpressionAttributeValues = new() { [":v"] = new AttributeValue { S = visitorId } },
                ProjectionExpression = "visitorId, visitId",
                ExclusiveStartKey = start,
            }, cancellationToken);
            foreach (var batch in (page.Items ?? []).Chunk(25))
            {
                var pending = new Dictionary<string, List<WriteRequest>>
                {
                    [_options.HistoryTable] = [.. batch.Select(key => new WriteRequest { DeleteRequest = new DeleteRequest { Key = key } })],
                };
                for (var attempt = 0; pending.Count > 0; attempt++)
                {
                    if (attempt > 0)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(50 * Math.Pow(2, Math.Min(attempt, 6))), cancellationToken);
                    }
                    var written = await dynamo.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = pending }, cancellationToken);
                    pending = written.UnprocessedItems is { Count: > 0 } left ? left : [];
                }
                erased += batch.Length;
            }
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);
        return erased;
    }

    private static VisitHistoryRecord ToRecord(Dictionary<string, AttributeValue> item)
    {
        var customerId = item["customerId"].S;
        return new VisitHistoryRecord(
            item["visitId"].S,
            item["visitorId"].S,
            customerId == NewCustomer ? null : customerId,
            item["branchId"].S,
            item["cameraId"].S,
            Parse(item["visitStart"].S),
            item.TryGetValue("imageKey", out var key) ? key.S : null,
            item.TryGetValue("alertSentAt", out var alertSentAt) ? Parse(alertSentAt.S) : null,
            item.TryGetValue("taskAssignedAt", out var taskAssignedAt) ? Parse(taskAssignedAt.S) : null,
            item.TryGetValue("taskId", out var taskId) ? taskId.S : null);
    }

    private static string Format(DateTimeOffset at) => at.UtcDateTime.ToString(StartFormat, CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string at) =>
        DateTimeOffset.ParseExact(at, StartFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
