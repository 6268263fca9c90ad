using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Tests;

public sealed class CrmTablesTests(DynamoDbLocalFixture emulator) : IAsyncLifetime
{
    private readonly AmazonDynamoDBClient _dynamo = emulator.DynamoDb.CreateClient();
    private readonly IOptions<CrmTablesOptions> _options = Options.Create(new CrmTablesOptions
    {
        CustomersTable = "customers-" + Guid.NewGuid().ToString("N")[..8],
        HistoryTable = "history-" + Guid.NewGuid().ToString("N")[..8],
        TombstonesTable = "tombstones-" + Guid.NewGuid().ToString("N")[..8],
        Retention = TimeSpan.FromDays(30),
    });
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await new CrmTables(_dynamo, _options).EnsureCreatedAsync(Ct);

    public ValueTask DisposeAsync()
    {
        _dynamo.Dispose();
        return ValueTask.CompletedTask;
    }

    private static VisitHistoryRecord Visit(string visitId, string visitorId, string? customerId, int minute) =>
        new(visitId, visitorId, customerId, "branch-1", "cam-1", new DateTimeOffset(2026, 11, 28, 9, minute, 0, TimeSpan.Zero), $"DeepLens Images/branch-1/cam-1/2026-11-28/{visitId}.jpg");

    [Fact]
    public async Task Creating_the_tables_again_changes_nothing_and_history_expires_by_ttl()
    {
        await new CrmTables(_dynamo, _options).EnsureCreatedAsync(Ct);

        var ttl = await _dynamo.DescribeTimeToLiveAsync(_options.Value.HistoryTable, Ct);
        Assert.Equal("expiresAt", ttl.TimeToLiveDescription.AttributeName);
        Assert.Equal(TimeToLiveStatus.ENABLED, ttl.TimeToLiveDescription.TimeToLiveStatus);
    }

    [Fact]
    public async Task An_enrolled_face_leads_to_its_customer_and_the_customer_is_found_by_id()
    {
        var directory = new DynamoDbCustomerDirectory(_dynamo, _options);
        var ada = new Customer("cust-1", "Ada Lovelace", "+44 20 7946 0000");
        await directory.EnrolAsync("face-a", ada, Ct);
        await directory.EnrolAsync("face-b", new Customer("cust-2", "Grace Hopper"), Ct);

        Assert.Equal(ada, await directory.FindByFaceIdAsync("face-a", Ct));
        Assert.Equal(ada, await directory.GetAsync("cust-1", Ct));
        Assert.Equal(new Customer("cust-2", "Grace Hopper"), await directory.GetAsync("cust-2", Ct));
        Assert.Null(await directory.FindByFaceIdAsync("face-unknown", Ct));
        Assert.Null(await directory.GetAsync("cust-unknown", Ct));
    }

    [Fact]
    public async Task Erasing_a_customer_deletes_exactly_their_face_records_and_returns_their_face_ids()
    {
        var directory = new DynamoDbCustomerDirectory(_dynamo, _options);
        var ada = new Customer("cust-1", "Ada Lovelace", "+44 20 7946 0000");
        var grace = new Customer("cust-2", "Grace Hopper");
        await directory.EnrolAsync("face-a1", ada, Ct);
        await directory.EnrolAsync("face-a2", ada, Ct);
        await directory.EnrolAsync("face-g", grace, Ct);

        var found = await directory.FindFaceIdsAsync("cust-1", Ct);
        var erased = await directory.EraseAsync("cust-1", Ct);
        var erasedAgain = await directory.EraseAsync("cust-1", Ct);

        Assert.Equal(["face-a1", "face-a2"], found.Order(StringComparer.Ordinal));
        Assert.Equal(["face-a1", "face-a2"], erased.Order(StringComparer.Ordinal));
        Assert.Empty(erasedAgain);
        Assert.Empty(await directory.FindFaceIdsAsync("cust-1", Ct));
        Assert.Null(await directory.FindByFaceIdAsync("face-a1", Ct));
        Assert.Null(await directory.FindByFaceIdAsync("face-a2", Ct));
        Assert.Null(await directory.GetAsync("cust-1", Ct));
        Assert.Equal(grace, await directory.FindByFaceIdAsync("face-g", Ct));
        var left = await _dynamo.ScanAsync(new ScanRequest { TableName = _options.Value.CustomersTable }, Ct);
        Assert.Equal(["face-g"], left.Items.Select(item => item["faceId"].S));
    }

    [Fact]
    public async Task A_visitor_history_lists_visits_newest_first_and_a_repeated_write_keeps_one_record()
    {
        var history = new DynamoDbVisitHistory(_dynamo, _options);
        await history.AppendAsync(Visit("visit-1", "c-cust-1", "cust-1", 1), Ct);
        await history.AppendAsync(Visit("visit-3", "c-cust-1", "cust-1", 30), Ct);
        await history.AppendAsync(Visit("visit-2", "c-cust-1", "cust-1", 15), Ct);
        await history.AppendAsync(Visit("visit-2", "c-cust-1", "cust-1", 15), Ct);
        await history.AppendAsync(Visit("visit-9", "c-someone-else", "cust-9", 5), Ct);

        var visits = await history.QueryAsync("c-cust-1", 10, Ct);
        var latestTwo = await history.QueryAsync("c-cust-1", 2, Ct);

        Assert.Equal(["visit-3", "visit-2", "visit-1"], visits.Select(v => v.VisitId));
        Assert.Equal(Visit("visit-3", "c-cust-1", "cust-1", 30), visits[0]);
        Assert.Equal(["visit-3", "visit-2"], latestTwo.Select(v => v.VisitId));
    }

    [Fact]
    public async Task A_history_record_is_found_by_visit_with_the_task_and_alert_receipts_it_carries_and_the_last_write_wins()
    {
        var history = new DynamoDbVisitHistory(_dynamo, _options);
        var sentAt = new DateTimeOffset(2026, 11, 28, 9, 5, 30, TimeSpan.Zero).AddTicks(1234);
        await history.AppendAsync(Visit("visit-a", "v-stranger", null, 5), Ct);
        await history.AppendAsync(Visit("visit-a", "v-stranger", null, 5) with { AlertSentAt = sentAt, TaskAssignedAt = sentAt.AddSeconds(-1), TaskId = "APN-42" }, Ct);
        await history.AppendAsync(Visit("visit-b", "v-stranger", null, 7), Ct);

        var receipted = await history.FindAsync("v-stranger", "visit-a", Ct);
        var plain = await history.FindAsync("v-stranger", "visit-b", Ct);

        Assert.Equal(Visit("visit-a", "v-stranger", null, 5) with { AlertSentAt = sentAt, TaskAssignedAt = sentAt.AddSeconds(-1), TaskId = "APN-42" }, receipted);
        Assert.Null(plain!.AlertSentAt);
        Assert.Null(plain.TaskAssignedAt);
        Assert.Null(plain.TaskId);
        Assert.Null(await history.FindAsync("v-stranger", "visit-unknown", Ct));
        Assert.Null(await history.FindAsync("v-someone-else", "visit-a", Ct));
    }

    [Fact]
    public async Task Erasing_a_visitor_deletes_all_their_history_and_nobody_elses()
    {
        var history = new DynamoDbVisitHistory(_dynamo, _options);
        var erased = "v-" + Guid.NewGuid().ToString("N");
        var kept = "v-" + Guid.NewGuid().ToString("N");
        for (var i = 0; i < 60; i++)
        {
            await history.AppendAsync(Visit($"e{i}-{erased[2..10]}", erased, null, i), Ct);
        }
        await history.AppendAsync(Visit($"k-{kept[2..10]}", kept, null, 1), Ct);

        var count = await history.EraseAsync(erased, Ct);

        Assert.Equal(60, count);
        Assert.Empty(await history.QueryAsync(erased, 100, Ct));
        Assert.Single(await history.QueryAsync(kept, 100, Ct));
    }

    [Fact]
    public async Task A_new_visitor_is_stored_as_New_Customer_with_an_expiry_after_the_retention()
    {
        var history = new DynamoDbVisitHistory(_dynamo, _options);
        var visit = Visit("visit-n", "v-face-1", null, 0);

        await history.AppendAsync(visit, Ct);

        var item = (await _dynamo.GetItemAsync(_options.Value.HistoryTable, new()
        {
            ["visitorId"] = new AttributeValue { S = "v-face-1" },
            ["visitId"] = new AttributeValue { S = "visit-n" },
        }, Ct)).Item;
        Assert.Equal("New Customer", item["customerId"].S);
        Assert.Equal(visit.VisitStart.AddDays(30).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), item["expiresAt"].N);
        Assert.Null(Assert.Single(await history.QueryAsync("v-face-1", 5, Ct)).CustomerId);
    }
}
