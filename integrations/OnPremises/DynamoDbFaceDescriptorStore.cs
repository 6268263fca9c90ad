using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.OnPremises;

/// <summary>
/// The on-premises face collection in a DynamoDB table (<c>FaceSearch:OnPremises:TableName</c>): partition key
/// <c>personId</c>, sort key <c>faceId</c>; the person is the item with sort key <see cref="PersonItem"/>, each face an
/// item holding its descriptor as 512 bytes (<c>descriptor</c>, binary). A face and its person go in one transaction,
/// and "only if the person exists" is a condition on the person's item, so a face never outlives an erasure that
/// finished before it. An erasure reads the person's partition consistently and deletes every item in it.
/// </summary>
public sealed class DynamoDbFaceDescriptorStore(IAmazonDynamoDB dynamo, string tableName, bool createIfMissing) : IFaceDescriptorStore
{
    public const string PersonItem = "#person";
    private const int ScanSegments = 4;

    private readonly SemaphoreSlim _ensure = new(1, 1);
    private bool _ensured = !createIfMissing;

    public async IAsyncEnumerable<StoredFace> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        // A parallel scan: 100,000 faces are about 60 MB of items, read in 1 MB pages by several segments at once.
        var faces = Channel.CreateBounded<StoredFace>(4096);
        var segments = Enumerable.Range(0, ScanSegments).Select(segment => ScanSegmentAsync(segment, faces.Writer, cancellationToken)).ToArray();
        var scanning = Task.WhenAll(segments).ContinueWith(t => faces.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);
        await foreach (var face in faces.Reader.ReadAllAsync(cancellationToken))
        {
            yield return face;
        }
        await scanning;
        await Task.WhenAll(segments);
    }

    public async Task<bool> AddAsync(StoredFace face, bool onlyIfPersonExists, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var personKey = Key(face.PersonId, PersonItem);
        var person = onlyIfPersonExists
            ? new TransactWriteItem
            {
                ConditionCheck = new ConditionCheck { TableName = tableName, Key = personKey, ConditionExpression = "attribute_exists(personId)" },
            }
            : new TransactWriteItem { Put = new Put { TableName = tableName, Item = personKey } };
        var item = Key(face.PersonId, face.FaceId);
        item["descriptor"] = new AttributeValue { B = new MemoryStream(FaceDescriptors.ToBytes(face.Descriptor)) };
        item["addedAt"] = new AttributeValue { S = face.AddedAt.ToString("O", CultureInfo.InvariantCulture) };
        try
        {
            await dynamo.TransactWriteItemsAsync(new TransactWriteItemsRequest
            {
                TransactItems = [person, new TransactWriteItem { Put = new Put { TableName = tableName, Item = item } }],
                // A retry of a transaction that did succeed (its answer lost) changes nothing.
                ClientRequestToken = face.FaceId,
            }, cancellationToken);
            return true;
        }
        catch (TransactionCanceledException cancelled) when (cancelled.CancellationReasons?.FirstOrDefault()?.Code == "ConditionalCheckFailed")
        {
            return false;
        }
    }

    public async Task<ErasedFaces> ErasePersonAsync(string personId, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var keys = new List<string>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.QueryAsync(new QueryRequest
            {
                TableName = tableName,
                KeyConditionExpression = "personId = :p",
                ExpressionAttributeValues = new() { [":p"] = new AttributeValue { S = personId } },
                ProjectionExpression = "faceId",
                ConsistentRead = true,
                ExclusiveStartKey = start,
            }, cancellationToken);
            keys.AddRange((page.Items ?? []).Select(i => i["faceId"].S));
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);
        foreach (var batch in keys.Chunk(25))
        {
            var pending = new Dictionary<string, List<WriteRequest>>
            {
                [tableName] = [.. batch.Select(faceId => new WriteRequest { DeleteRequest = new DeleteRequest { Key = Key(personId, faceId) } })],
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
        return new ErasedFaces(keys.Count(k => k != PersonItem), keys.Contains(PersonItem));
    }

    private async Task ScanSegmentAsync(int segment, ChannelWriter<StoredFace> faces, CancellationToken cancellationToken)
    {
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.ScanAsync(new ScanRequest
            {
                TableName = tableName,
                Segment = segment,
                TotalSegments = ScanSegments,
                ConsistentRead = true,
                ExclusiveStartKey = start,
            }, cancellationToken);
            foreach (var item in page.Items ?? [])
            {
                if (item["faceId"].S == PersonItem)
                {
                    continue;
                }
                await faces.WriteAsync(new StoredFace(
                    item["faceId"].S, item["personId"].S, FaceDescriptors.FromBytes(item["descriptor"].B.ToArray()),
                    DateTimeOffset.Parse(item["addedAt"].S, CultureInfo.InvariantCulture)), cancellationToken);
            }
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);
    }

    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _ensured))
        {
            return;
        }
        await _ensure.WaitAsync(cancellationToken);
        try
        {
            if (_ensured)
            {
                return;
            }
            try
            {
                await dynamo.CreateTableAsync(new CreateTableRequest
                {
                    TableName = tableName,
                    BillingMode = BillingMode.PAY_PER_REQUEST,
                    AttributeDefinitions =
                    [
                        new AttributeDefinition("personId", ScalarAttributeType.S),
                        new AttributeDefinition("faceId", ScalarAttributeType.S),
                    ],
                    KeySchema = [new KeySchemaElement("personId", KeyType.HASH), new KeySchemaElement("faceId", KeyType.RANGE)],
                }, cancellationToken);
            }
            catch (ResourceInUseException)
            {
                // Made by another silo, or before.
            }
            for (var i = 0; i < 120; i++)
            {
                var table = await dynamo.DescribeTableAsync(tableName, cancellationToken);
                if (table.Table.TableStatus == TableStatus.ACTIVE)
                {
                    break;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            }
            _ensured = true;
        }
        finally
        {
            _ensure.Release();
        }
    }

    private static Dictionary<string, AttributeValue> Key(string personId, string faceId) => new()
    {
        ["personId"] = new AttributeValue { S = personId },
        ["faceId"] = new AttributeValue { S = faceId },
    };
}
