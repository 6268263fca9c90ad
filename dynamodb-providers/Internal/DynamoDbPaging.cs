using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace NextGenCrm.Orleans.DynamoDb.Internal;

/// <summary>Reads every page of a query: one DynamoDB response stops at 1 MB of items.</summary>
internal static class DynamoDbPaging
{
    public static async Task<List<Dictionary<string, AttributeValue>>> QueryAllAsync(
        IAmazonDynamoDB client, QueryRequest request, CancellationToken cancellationToken)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        do
        {
            var response = await client.QueryAsync(request, cancellationToken);
            if (response.Items is { } page)
            {
                items.AddRange(page);
            }
            request.ExclusiveStartKey = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (request.ExclusiveStartKey is not null);
        return items;
    }

    /// <summary>Deletes the given keys 25 at a time, resubmitting what DynamoDB left unprocessed.</summary>
    public static async Task DeleteAllAsync(
        IAmazonDynamoDB client, string tableName, IEnumerable<Dictionary<string, AttributeValue>> keys, CancellationToken cancellationToken)
    {
        foreach (var chunk in keys.Chunk(25))
        {
            var pending = new Dictionary<string, List<WriteRequest>>
            {
                [tableName] = chunk.Select(key => new WriteRequest { DeleteRequest = new DeleteRequest { Key = key } }).ToList(),
            };
            for (var attempt = 0; pending.Count > 0; attempt++)
            {
                if (attempt > 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(50 << Math.Min(attempt, 6), 2000)), cancellationToken);
                }
                var response = await client.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = pending }, cancellationToken);
                pending = response.UnprocessedItems is { Count: > 0 } left ? left : [];
            }
        }
    }
}
