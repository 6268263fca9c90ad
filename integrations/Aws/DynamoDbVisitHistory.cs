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

    public Task AppendAsync(VisitHistoryRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var item = new Dictionary<string, AttributeValue>
        {
            ["visitorId"] = new() { S = record.VisitorId },
            ["visitId"] = new() { S = record.VisitId },
            ["customerId"] = new() { S = record.CustomerId ?? NewCustomer },
            ["branchId"] = new() { S = record.BranchId },
            ["cameraId"] = new() { S = record.CameraId },
            ["visitStart"] = new() { S = record.VisitStart.UtcDateTime.ToString(StartFormat, CultureInfo.InvariantCulture) },
            ["expiresAt"] = new() { N = record.VisitStart.Add(_options.Retention).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) },
        };
        if (!string.IsNullOrEmpty(record.ImageKey))
        {
            item["imageKey"] = new AttributeValue { S = record.ImageKey };
        }
        return dynamo.PutItemAsync(new PutItemRequest { TableName = _options.HistoryTable, Item = item }, cancellationToken);
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

    private static VisitHistoryRecord ToRecord(Dictionary<string, AttributeValue> item)
    {
        var customerId = item["customerId"].S;
        return new VisitHistoryRecord(
            item["visitId"].S,
            item["visitorId"].S,
            customerId == NewCustomer ? null : customerId,
            item["branchId"].S,
            item["cameraId"].S,
            DateTimeOffset.ParseExact(item["visitStart"].S, StartFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
            item.TryGetValue("imageKey", out var key) ? key.S : null);
    }
}
