using System.Globalization;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NextGenCrm.Orleans.DynamoDb.Storage;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using NextGenCrm.Orleans.Contracts;

namespace NextGenCrm.Orleans.DynamoDb.Tests;

public sealed class GrainStorageTests(DynamoDbLocalFixture dynamo) : GrainStorageContract, IDisposable
{
    private static readonly ServiceProvider Serialization = new ServiceCollection().AddSerializer().BuildServiceProvider();
    private readonly List<IDisposable> _storages = [];
    private readonly Dictionary<DynamoDBGrainStorage, string> _tables = [];

    [Fact]
    public async Task A_compressible_state_near_400_KB_is_stored_gzipped_and_reads_back_intact()
    {
        var storage = await NewStorageAsync(null);
        var grain = NewGrain();
        var entries = Enumerable.Range(0, 7_700).Select(i => $"visit {i:D6} at branch-7: opened, extended, closed;").ToList();
        var state = new GrainState<VisitLogState> { State = new VisitLogState { BranchId = "branch-7", Entries = entries } };
        Assert.InRange(entries.Sum(e => Encoding.UTF8.GetByteCount(e)), 380_000, 409_600);

        await storage.WriteStateAsync(StateName, grain, state);

        var read = await ReadAsync(storage, grain);
        Assert.Equal(entries, read.State!.Entries);
        var item = await GetItemAsync(storage, grain);
        Assert.Equal("gzip", item!["Encoding"].S);
        Assert.True(item["State"].B.Length < 100_000, $"stored {item["State"].B.Length} bytes");
    }

    [Fact]
    public async Task An_incompressible_state_over_400_KB_fails_naming_the_grain_and_writes_nothing()
    {
        var storage = await NewStorageAsync(null);
        var grain = NewGrain();
        var state = new GrainState<VisitLogState> { State = new VisitLogState { BranchId = "small" } };
        await storage.WriteStateAsync(StateName, grain, state);
        var etagBefore = state.ETag;

        state.State!.Attachment = new byte[420 * 1024];
        new Random(42).NextBytes(state.State!.Attachment);
        var error = await Assert.ThrowsAsync<GrainStateTooLargeException>(() => storage.WriteStateAsync(StateName, grain, state));

        Assert.Contains(grain.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Equal(grain.ToString(), error.GrainId);
        Assert.True(error.ItemBytes > 400 * 1024);
        Assert.Equal(etagBefore, state.ETag);
        var stored = await ReadAsync(storage, grain);
        Assert.Equal(etagBefore, stored.ETag);
        Assert.Empty(stored.State!.Attachment);
    }

    [Fact]
    public async Task With_a_time_to_live_each_write_stamps_an_expiry_DynamoDB_enforces()
    {
        var storage = await NewStorageAsync(o => { o.TimeToLive = TimeSpan.FromDays(30); });
        var grain = NewGrain();

        await storage.WriteStateAsync(StateName, grain, new GrainState<VisitLogState> { State = new VisitLogState { BranchId = "b" } });

        using var client = dynamo.CreateClient();
        var ttl = await client.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = _tables[storage] }, TestContext.Current.CancellationToken);
        Assert.Equal(TimeToLiveStatus.ENABLED, ttl.TimeToLiveDescription.TimeToLiveStatus);
        Assert.Equal("ExpiresAt", ttl.TimeToLiveDescription.AttributeName);
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(long.Parse((await GetItemAsync(storage, grain))!["ExpiresAt"].N, CultureInfo.InvariantCulture));
        Assert.InRange(expiresAt, DateTimeOffset.UtcNow.AddDays(29), DateTimeOffset.UtcNow.AddDays(31));
    }

    [Fact]
    public async Task A_provisioned_table_is_created_with_its_capacity()
    {
        var storage = await NewStorageAsync(o => { o.UseProvisionedThroughput = true; o.ReadCapacityUnits = 5; o.WriteCapacityUnits = 3; });

        using var client = dynamo.CreateClient();
        var table = (await client.DescribeTableAsync(_tables[storage], TestContext.Current.CancellationToken)).Table;
        Assert.Equal(5, table.ProvisionedThroughput.ReadCapacityUnits);
        Assert.Equal(3, table.ProvisionedThroughput.WriteCapacityUnits);
    }

    public void Dispose() => _storages.ForEach(s => s.Dispose());

    protected override async Task<IGrainStorage> NewStorageAsync() => await NewStorageAsync(null);

    protected override async Task<bool> RowExistsAsync(IGrainStorage storage, GrainId grain) =>
        await GetItemAsync((DynamoDBGrainStorage)storage, grain) is not null;

    private async Task<DynamoDBGrainStorage> NewStorageAsync(Action<DynamoDBStorageOptions>? configure)
    {
        var options = dynamo.Options<DynamoDBStorageOptions>("grainstate");
        configure?.Invoke(options);
        options.GrainStorageSerializer = new OrleansGrainStorageSerializer(Serialization.GetRequiredService<Serializer>());
        var storage = new DynamoDBGrainStorage(
            "test", options, DynamoDbLocalFixture.Cluster(), Serialization.GetRequiredService<IActivatorProvider>(),
            NullLogger<DynamoDBGrainStorage>.Instance);
        _storages.Add(storage);
        await storage.InitializeAsync(CancellationToken.None);
        _tables[storage] = options.TableName;
        return storage;
    }

    private async Task<Dictionary<string, AttributeValue>?> GetItemAsync(DynamoDBGrainStorage storage, GrainId grain)
    {
        using var client = dynamo.CreateClient();
        // The test's own table holds only this test's grains: a scan sees the raw item as stored.
        var response = await client.ScanAsync(new ScanRequest { TableName = _tables[storage], ConsistentRead = true });
        return response.Items?.SingleOrDefault(i =>
            i["StateName"].S == StateName && i["GrainKey"].S.EndsWith("/" + grain, StringComparison.Ordinal));
    }
}
