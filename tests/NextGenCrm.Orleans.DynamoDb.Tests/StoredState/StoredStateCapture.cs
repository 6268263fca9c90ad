// Run once, by hand, on the build that still stores Newtonsoft JSON:
//   STORED_STATE_SOURCE=/path/to/demo/orleans.db dotnet test --project tests/NextGenCrm.Orleans.DynamoDb.Tests -- --filter-class "*StoredStateCapture*" --explicit on
// It copies the demo's SQLite rows as they are, adds the older shapes the shims existed for (written through
// today's SqliteGrainStorage and serializer), writes every one of them through today's DynamoDbGrainStorage
// into DynamoDB Local and dumps the items: the fixtures the version-tolerant reader is tested on.
#pragma warning disable xUnit1051
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NextGenCrm.Branches;
using NextGenCrm.Orleans.DynamoDb.Storage;
using NextGenCrm.Orleans.Sqlite;
using NextGenCrm.Orleans.Sqlite.Storage;
using NextGenCrm.Visits;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using Orleans.TestingHost;

namespace NextGenCrm.Orleans.DynamoDb.Tests.StoredState;

public sealed class StoredStateCapture(DynamoDbLocalFixture dynamo)
{
    [Fact(Explicit = true)]
    public async Task Capture_the_stored_state_of_this_build()
    {
        var source = Environment.GetEnvironmentVariable("STORED_STATE_SOURCE") ?? throw new InvalidOperationException("STORED_STATE_SOURCE");
        var outDir = Path.Combine(TestSupport.RepositoryPaths.Root, "tests", "fixtures", "stored-state");
        Directory.CreateDirectory(outDir);
        var sqliteOut = Path.Combine(outDir, "orleans.db");
        File.Delete(sqliteOut);

        var builder = new TestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        var cluster = builder.Build();
        await using var _ = cluster;
        await cluster.DeployAsync();
        var services = ((InProcessSiloHandle)cluster.Primary!).SiloHost!.Services;
        var serializer = services.GetRequiredService<IGrainStorageSerializer>();
        var activators = services.GetRequiredService<IActivatorProvider>();
        var clusterOptions = Options.Create(new ClusterOptions { ServiceId = "nextgencrm", ClusterId = "dev" });

        // 1. The demo's rows, as they are.
        var rows = new List<(string Key, string StateName, string GrainType, string ETag, byte[] Data, string WrittenAt)>();
        await using (var connection = new SqliteConnection($"Data Source={source};Mode=ReadOnly"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT grain_key, state_name, grain_type, etag, data, written_at FROM grain_state ORDER BY grain_type, grain_key";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), (byte[])reader.GetValue(4), reader.GetString(5)));
            }
        }
        var sqlite = new SqliteGrainStorage("visits", new SqliteGrainStorageOptions { DatabasePath = sqliteOut, GrainStorageSerializer = serializer },
            clusterOptions, activators, NullLogger<SqliteGrainStorage>.Instance);
        // Creates the table with today's schema.
        await sqlite.ReadStateAsync("visitor", GrainId.Create("visitor", "v-none"), new GrainState<VisitorState>());
        await using (var connection = new SqliteConnection($"Data Source={sqliteOut}"))
        {
            await connection.OpenAsync();
            foreach (var row in rows)
            {
                await using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO grain_state (grain_key, state_name, grain_type, etag, data, written_at) VALUES ($k, $s, $t, $e, $d, $w)";
                insert.Parameters.AddWithValue("$k", row.Key);
                insert.Parameters.AddWithValue("$s", row.StateName);
                insert.Parameters.AddWithValue("$t", row.GrainType);
                insert.Parameters.AddWithValue("$e", row.ETag);
                insert.Parameters.AddWithValue("$d", row.Data);
                insert.Parameters.AddWithValue("$w", row.WrittenAt);
                await insert.ExecuteNonQueryAsync();
            }
        }

        // 2. The shapes of earlier builds the shims read: open visits by branch, cameras as a set, an exit without its time.
        var seen = DateTimeOffset.Parse("2026-11-27T10:15:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var openVisit = new Visit { VisitId = "visit-old-open", BranchId = "main-st", FirstCameraId = "lobby", OpenedAt = seen.AddMinutes(-3), LastSeenAt = seen, Cameras = ["tellers", "lobby"], SightingCount = 4, ImageKey = "DeepLens Images/main-st/lobby/2026-11-27/s-1.jpg" };
        openVisit.Outbox.Add(new OutboxEntry { Effect = VisitEffect.StaffTask, Status = DeliveryStatus.Delivered, Attempts = 1, DeliveredAt = seen.AddMinutes(-2) });
        openVisit.Outbox.Add(new OutboxEntry { Effect = VisitEffect.NewVisitorAlert, Status = DeliveryStatus.Pending, Attempts = 2, LastError = "sns: timeout", NextAttemptAt = seen.AddSeconds(8) });
        var exitVisit = new Visit { VisitId = "visit-old-exit", BranchId = "harbour", FirstCameraId = "door", OpenedAt = seen.AddHours(-2), LastSeenAt = seen.AddHours(-1), ClosedAt = seen.AddHours(-1).AddMinutes(1), CloseReason = Visit.ExitReason, Cameras = ["door"], SightingCount = 2 };
        var earlier = new VisitorState
        {
            Profile = new VisitorProfile(VisitorKind.New, null, null),
            Open = new Dictionary<string, Visit>(StringComparer.Ordinal) { ["main-st"] = openVisit },
            Recent = [exitVisit],
        };
        var earlierGrain = GrainId.Create("visitor", "v-0193a7c2e4b17f00a1b2c3d4e5f60718");
        await sqlite.WriteStateAsync("visitor", earlierGrain, new GrainState<VisitorState> { State = earlier });

        // 3. Every state through today's DynamoDB storage: small ones raw, the larger ones gzipped.
        var table = DynamoDbLocalFixture.Unique("capture");
        var dynamoOptions = dynamo.Configure(new DynamoDbGrainStorageOptions { CompressionThresholdBytes = 2000, GrainStorageSerializer = serializer }, "capture");
        using var dynamoStorage = new DynamoDbGrainStorage("visits", dynamoOptions, clusterOptions, activators, NullLogger<DynamoDbGrainStorage>.Instance);
        await dynamoStorage.InitializeAsync(CancellationToken.None);
        foreach (var row in rows.Append((Key: "nextgencrm/" + earlierGrain, StateName: "visitor", GrainType: "visitor", ETag: "", Data: serializer.Serialize(earlier).ToArray(), WrittenAt: "")))
        {
            var grain = GrainId.Parse(row.Key["nextgencrm/".Length..]);
            var data = new BinaryData(row.Data);
            switch (row.GrainType)
            {
                case "visitor": await dynamoStorage.WriteStateAsync(row.StateName, grain, new GrainState<VisitorState> { State = serializer.Deserialize<VisitorState>(data) }); break;
                case "branch": await dynamoStorage.WriteStateAsync(row.StateName, grain, new GrainState<BranchState> { State = serializer.Deserialize<BranchState>(data) }); break;
                case "branchindex": await dynamoStorage.WriteStateAsync(row.StateName, grain, new GrainState<BranchIndexState> { State = serializer.Deserialize<BranchIndexState>(data) }); break;
                default: throw new InvalidOperationException($"Unknown grain type {row.GrainType}");
            }
        }
        // The old-shape visitor keeps Open and Cameras through Deserialize and Serialize (the shims write them while set).
        using var client = dynamo.CreateClient();
        var items = new List<Dictionary<string, AttributeValue>>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await client.ScanAsync(new ScanRequest { TableName = dynamoOptions.TableName, ConsistentRead = true, ExclusiveStartKey = start });
            items.AddRange(page.Items);
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);
        var dump = items
            .OrderBy(i => i["GrainKey"].S, StringComparer.Ordinal)
            .Select(i => i.ToDictionary(a => a.Key, a => a.Value.B is { } b ? "B:" + Convert.ToBase64String(b.ToArray()) : a.Value.N is { } n ? "N:" + n : "S:" + a.Value.S))
            .ToList();
        await File.WriteAllTextAsync(Path.Combine(outDir, "dynamodb-items.json"), JsonSerializer.Serialize(dump, new JsonSerializerOptions { WriteIndented = true }));
        Assert.NotEmpty(rows);
        Assert.Contains(dump, i => i["Encoding"] == "S:gzip");
        Assert.Contains(dump, i => i["Encoding"] == "S:raw");
    }
}
