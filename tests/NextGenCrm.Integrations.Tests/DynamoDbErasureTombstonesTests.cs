using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NextGenCrm.Integrations.Aws;

namespace NextGenCrm.Integrations.Tests;

public sealed class DynamoDbErasureTombstonesTests(DynamoDbLocalFixture emulator) : IAsyncLifetime
{
    private readonly AmazonDynamoDBClient _dynamo = emulator.DynamoDb.CreateClient();
    private readonly IOptions<CrmTablesOptions> _options = Options.Create(new CrmTablesOptions
    {
        CustomersTable = "customers-" + Guid.NewGuid().ToString("N")[..8],
        HistoryTable = "history-" + Guid.NewGuid().ToString("N")[..8],
        TombstonesTable = "tombstones-" + Guid.NewGuid().ToString("N")[..8],
    });
    // From the real now: DynamoDB Local deletes items whose TTL attribute is in the (real) past, as DynamoDB does,
    // so a fixed date would have its tombstones swept away under the test once that date has gone by.
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await new CrmTables(_dynamo, _options).EnsureCreatedAsync(Ct);

    public ValueTask DisposeAsync()
    {
        _dynamo.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Every_person_of_an_erasure_is_fenced_until_the_tombstone_expires_and_nobody_else_is()
    {
        var tombstones = new DynamoDbErasureTombstones(_dynamo, _options, _clock);
        // More people than one BatchWriteItem takes (25): a customer with many merged visitors.
        var people = Enumerable.Range(0, 30).Select(i => $"v-merged-{i}").Append("c-erin").ToList();

        await tombstones.RecordAsync(people, _clock.GetUtcNow().AddHours(1), Ct);

        foreach (var personId in people)
        {
            Assert.True(await tombstones.IsErasedAsync(personId, Ct), personId);
        }
        Assert.False(await tombstones.IsErasedAsync("c-someone-else", Ct));
        _clock.Advance(TimeSpan.FromMinutes(59));
        Assert.True(await tombstones.IsErasedAsync("c-erin", Ct));
        // Past its time the tombstone no longer fences, though DynamoDB's TTL may delete the item days later.
        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.False(await tombstones.IsErasedAsync("c-erin", Ct));
        var item = await _dynamo.GetItemAsync(_options.Value.TombstonesTable, new() { ["personId"] = new AttributeValue { S = "c-erin" } }, Ct);
        Assert.NotEmpty(item.Item);
        var ttl = await _dynamo.DescribeTimeToLiveAsync(_options.Value.TombstonesTable, Ct);
        Assert.Equal("expiresAt", ttl.TimeToLiveDescription.AttributeName);
        Assert.Equal(TimeToLiveStatus.ENABLED, ttl.TimeToLiveDescription.TimeToLiveStatus);
    }

    [Fact]
    public async Task Silos_that_find_the_tables_missing_at_the_same_moment_all_start()
    {
        var fresh = Options.Create(new CrmTablesOptions
        {
            CustomersTable = "customers-" + Guid.NewGuid().ToString("N")[..8],
            HistoryTable = "history-" + Guid.NewGuid().ToString("N")[..8],
            TombstonesTable = "tombstones-" + Guid.NewGuid().ToString("N")[..8],
        });

        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => new CrmTables(_dynamo, fresh).EnsureCreatedAsync(Ct)));

        var ttl = await _dynamo.DescribeTimeToLiveAsync(fresh.Value.TombstonesTable, Ct);
        Assert.Equal(TimeToLiveStatus.ENABLED, ttl.TimeToLiveDescription.TimeToLiveStatus);
    }

    [Fact]
    public async Task An_erasure_repeated_later_fences_the_person_again()
    {
        var tombstones = new DynamoDbErasureTombstones(_dynamo, _options, _clock);
        await tombstones.RecordAsync(["v-dana"], _clock.GetUtcNow().AddHours(1), Ct);
        _clock.Advance(TimeSpan.FromHours(2));
        Assert.False(await tombstones.IsErasedAsync("v-dana", Ct));

        await tombstones.RecordAsync(["v-dana"], _clock.GetUtcNow().AddHours(1), Ct);

        Assert.True(await tombstones.IsErasedAsync("v-dana", Ct));
    }
}
