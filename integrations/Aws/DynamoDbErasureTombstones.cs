using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Aws;

/// <summary>
/// Erasure tombstones in DynamoDB (table <see cref="CrmTablesOptions.TombstonesTable"/>): one item per person,
/// written before the erasure deletes anything and read consistently by every silo, so a silo other than the
/// erasing one sees the fence at once. DynamoDB TTL on <c>expiresAt</c> removes items some time after they expire
/// (up to days), so a read compares the expiry with the clock itself.
/// </summary>
public sealed class DynamoDbErasureTombstones(IAmazonDynamoDB dynamo, IOptions<CrmTablesOptions> options, TimeProvider? clock = null) : IErasureTombstones
{
    private readonly CrmTablesOptions _options = options.Value;
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task RecordAsync(IReadOnlyCollection<string> personIds, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var expiresAt = until.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        foreach (var batch in personIds.Distinct(StringComparer.Ordinal).Chunk(25))
        {
            var pending = new Dictionary<string, List<WriteRequest>>
            {
                [_options.TombstonesTable] = [.. batch.Select(personId => new WriteRequest
                {
                    PutRequest = new PutRequest
                    {
                        Item = new() { ["personId"] = new AttributeValue { S = personId }, ["expiresAt"] = new AttributeValue { N = expiresAt } },
                    },
                })],
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
        }
    }

    public async Task<bool> IsErasedAsync(string personId, CancellationToken cancellationToken)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = _options.TombstonesTable,
            Key = new() { ["personId"] = new AttributeValue { S = personId } },
            ConsistentRead = true,
        }, cancellationToken);
        return response.Item is { Count: > 0 } item
            && item.TryGetValue("expiresAt", out var expiresAt)
            && long.Parse(expiresAt.N, CultureInfo.InvariantCulture) > _clock.GetUtcNow().ToUnixTimeSeconds();
    }
}
