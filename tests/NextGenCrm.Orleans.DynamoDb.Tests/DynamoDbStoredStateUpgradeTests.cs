using System.IO.Compression;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NextGenCrm.Orleans.Contracts;
using NextGenCrm.Orleans.DynamoDb.Storage;
using Orleans.Configuration;
using Orleans.Storage;

namespace NextGenCrm.Orleans.DynamoDb.Tests;

/// <summary>The grain state table as the build before Orleans' serializer left it (raw and gzip items), read by this one.</summary>
public sealed class DynamoDbStoredStateUpgradeTests(DynamoDbLocalFixture dynamo) : StoredStateUpgradeContract, IDisposable
{
    private readonly List<IDisposable> _storages = [];
    private readonly Dictionary<IGrainStorage, string> _tables = [];

    protected override async Task<(IGrainStorage Storage, IReadOnlyList<StoredRow> Rows)> OpenFixturesAsync()
    {
        var options = dynamo.Options<DynamoDBStorageOptions>("upgrade");
        options.GrainStorageSerializer = Serializer;
        var storage = new DynamoDBGrainStorage("visits", options, Options.Create(new ClusterOptions { ServiceId = ServiceId }), Activators,
            NullLogger<DynamoDBGrainStorage>.Instance);
        _storages.Add(storage);
        await storage.InitializeAsync(CancellationToken.None);
        _tables[storage] = options.TableName;

        var dumped = JsonSerializer.Deserialize<List<Dictionary<string, string>>>(
            await File.ReadAllTextAsync(Path.Combine(FixtureFolder, "dynamodb-items.json"), TestContext.Current.CancellationToken))!;
        using var client = dynamo.CreateClient();
        var rows = new List<StoredRow>();
        foreach (var attributes in dumped)
        {
            var item = attributes.ToDictionary(a => a.Key, a => Value(a.Value));
            await client.PutItemAsync(new PutItemRequest { TableName = options.TableName, Item = item }, TestContext.Current.CancellationToken);
            rows.Add(new StoredRow(item["GrainKey"].S, item["StateName"].S, item["GrainType"].S, item["ETag"].S, Serialized(item)));
        }
        return (storage, rows);
    }

    protected override async Task<byte[]> StoredBytesAsync(IGrainStorage storage, StoredRow row)
    {
        using var client = dynamo.CreateClient();
        var response = await client.GetItemAsync(new GetItemRequest
        {
            TableName = _tables[storage],
            Key = new() { ["GrainKey"] = new AttributeValue { S = row.GrainKey }, ["StateName"] = new AttributeValue { S = row.StateName } },
            ConsistentRead = true,
        }, TestContext.Current.CancellationToken);
        return Serialized(response.Item);
    }

    public void Dispose() => _storages.ForEach(s => s.Dispose());

    private static AttributeValue Value(string dumped) => dumped[..2] switch
    {
        "S:" => new AttributeValue { S = dumped[2..] },
        "N:" => new AttributeValue { N = dumped[2..] },
        "B:" => new AttributeValue { B = new MemoryStream(Convert.FromBase64String(dumped[2..])) },
        _ => throw new InvalidDataException($"Not a dumped attribute: {dumped}"),
    };

    private static byte[] Serialized(Dictionary<string, AttributeValue> item)
    {
        var stored = item["State"].B.ToArray();
        if (item["Encoding"].S != "gzip")
        {
            return stored;
        }
        using var gzip = new GZipStream(new MemoryStream(stored), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }
}
