using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Tests;

/// <summary>The audit log on DynamoDB Local and in local files: append-only, read back by time, branch and subject.</summary>
public sealed class AuditLogTests(DynamoDbLocalFixture emulator) : IDisposable
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private readonly AmazonDynamoDBClient _dynamo = emulator.DynamoDb.CreateClient();
    private readonly string _folder = Directory.CreateTempSubdirectory("audit-").FullName;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AuditEntry Entry(DateTimeOffset at, string subject, string action, string? branch, string? visitor = null) =>
        new(AuditEntry.NewId(), at, subject, action, branch, visitor, null, "10.0.0.7", 200, null);

    private DynamoDbAuditLog DynamoLog(string table) =>
        new(_dynamo, Options.Create(new DynamoDbAuditOptions { TableName = table, Retention = TimeSpan.FromDays(90), Shards = 4 }));

    private LocalFileAuditLog FileLog() => new(Options.Create(new LocalAuditOptions { Folder = _folder }));

    public static TheoryData<string> Stores => ["dynamodb", "file"];

    private async Task<(IAuditLog Writer, IAuditLog Reader)> TwoWritersAsync(string store)
    {
        if (store == "dynamodb")
        {
            var table = "audit-" + Guid.NewGuid().ToString("N")[..8];
            return (DynamoLog(table), DynamoLog(table));
        }
        await Task.CompletedTask;
        return (FileLog(), FileLog());
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Entries_from_two_silos_are_read_back_oldest_first_by_time_branch_and_subject_across_midnight(string store)
    {
        var (one, two) = await TwoWritersAsync(store);
        var late = Noon.Date.AddHours(23).AddMinutes(59);
        var entries = new List<AuditEntry>();
        for (var i = 0; i < 40; i++)
        {
            entries.Add(Entry(new DateTimeOffset(late, TimeSpan.Zero).AddSeconds(i * 3), i % 2 == 0 ? "staff-1" : "edge-1", "identification", i % 4 == 0 ? "main-st" : "harbour", $"v-{i}"));
        }
        await Task.WhenAll(one.AppendAsync(entries[..20], Ct), two.AppendAsync(entries[20..], Ct));
        await one.AppendAsync([Entry(Noon.AddDays(-5), "staff-1", "read-occupancy", "main-st")], Ct);

        var window = new AuditQuery(new DateTimeOffset(late, TimeSpan.Zero), new DateTimeOffset(late, TimeSpan.Zero).AddMinutes(5), null, null, 1000);
        var all = await two.ReadAsync(window, Ct);
        Assert.Equal(entries.Select(e => e.EntryId), all.Select(e => e.EntryId));
        Assert.Equal(entries[7], all[7]);

        var mainSt = await one.ReadAsync(window with { BranchId = "main-st" }, Ct);
        Assert.Equal(10, mainSt.Count);
        Assert.All(mainSt, e => Assert.Equal("main-st", e.BranchId));
        var staffAtMainSt = await one.ReadAsync(window with { BranchId = "main-st", Subject = "staff-1" }, Ct);
        Assert.Equal(10, staffAtMainSt.Count);
        var edge = await one.ReadAsync(window with { Subject = "edge-1" }, Ct);
        Assert.Equal(20, edge.Count);
        Assert.Equal(5, (await one.ReadAsync(window with { Limit = 5 }, Ct)).Count);
        Assert.Single(await one.ReadAsync(new AuditQuery(Noon.AddDays(-6), Noon.AddDays(-4), "main-st", null, 10), Ct));
    }

    [Fact]
    public async Task On_dynamodb_an_entry_is_never_overwritten_a_retried_put_counts_as_written_and_it_expires_by_ttl()
    {
        var table = "audit-" + Guid.NewGuid().ToString("N")[..8];
        var log = DynamoLog(table);
        var entry = Entry(Noon, "privacy-1", "erase-customer", null) with { CustomerId = "cust-7" };
        await log.AppendAsync([entry], Ct);
        // The same entry again (a retry after a lost answer) is not an error; a forged one under the same id changes nothing.
        await log.AppendAsync([entry], Ct);
        await log.AppendAsync([entry with { Subject = "mallory", CustomerId = "cust-8" }], Ct);

        var read = await log.ReadAsync(new AuditQuery(Noon.AddMinutes(-1), Noon.AddMinutes(1), null, null, 10), Ct);
        Assert.Equal([entry], read);

        var ttl = await _dynamo.DescribeTimeToLiveAsync(table, Ct);
        Assert.Equal("expiresAt", ttl.TimeToLiveDescription.AttributeName);
        Assert.Equal(TimeToLiveStatus.ENABLED, ttl.TimeToLiveDescription.TimeToLiveStatus);
        var items = await _dynamo.ScanAsync(new ScanRequest { TableName = table }, Ct);
        var item = Assert.Single(items.Items);
        Assert.Equal(Noon.AddDays(90).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), item["expiresAt"].N);
    }

    [Fact]
    public async Task In_a_file_concurrent_appends_all_land_and_a_line_cut_short_by_a_crash_is_skipped()
    {
        var log = FileLog();
        var entries = Enumerable.Range(0, 500).Select(i => Entry(Noon.AddMilliseconds(i), $"edge-{i % 3}", "identification", "main-st", $"v-{i}")).ToList();
        await Task.WhenAll(entries.Select(e => log.AppendAsync([e], Ct)));
        await log.DisposeAsync();
        var file = Assert.Single(Directory.GetFiles(_folder));
        await File.AppendAllTextAsync(file, "{\"entryId\":\"cut-sh", Ct);

        var read = await FileLog().ReadAsync(new AuditQuery(Noon.AddMinutes(-1), Noon.AddMinutes(1), null, null, 1000), Ct);
        Assert.Equal(entries.Select(e => e.EntryId).Order(), read.Select(e => e.EntryId).Order());
    }

    public void Dispose()
    {
        _dynamo.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
