// The contract calls the Orleans interfaces as the runtime does, without a test cancellation token.
#pragma warning disable xUnit1051

using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;
using NextGenCrm.Branches;
using NextGenCrm.StoredState;
using NextGenCrm.Visits;
using Orleans;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace NextGenCrm.Orleans.Contracts;

/// <summary>
/// Every state stored today, as the build before Orleans' serializer stored it (tests/fixtures/stored-state: the
/// demo's rows and an earlier-shape visitor, captured by that build through its own providers and serializer),
/// is read by this build and stored in Orleans' binary format by the next write. Run against each storage.
/// </summary>
public abstract class StoredStateUpgradeContract
{
    protected const string ServiceId = "nextgencrm";
    protected const string EarlierShapeVisitor = "visitor/v-0193a7c2e4b17f00a1b2c3d4e5f60718";

    private static readonly ServiceProvider Services = BuildServices();

    /// <summary>The silo's grain-state serializer, composed as the silo composes it.</summary>
    protected static IGrainStorageSerializer Serializer => Services.GetRequiredService<IGrainStorageSerializer>();

    protected static IActivatorProvider Activators => Services.GetRequiredService<IActivatorProvider>();

    protected static string FixtureFolder => Path.Combine(TestSupport.RepositoryPaths.Root, "tests", "fixtures", "stored-state");

    /// <summary>One stored state: its key, the ETag stored with it and its serialized bytes (uncompressed).</summary>
    protected sealed record StoredRow(string GrainKey, string StateName, string GrainType, string ETag, byte[] Serialized)
    {
        public GrainId Grain => GrainId.Parse(GrainKey[(ServiceId.Length + 1)..]);
    }

    /// <summary>A storage holding the fixtures as they were stored, and the rows it holds.</summary>
    protected abstract Task<(IGrainStorage Storage, IReadOnlyList<StoredRow> Rows)> OpenFixturesAsync();

    /// <summary>The row's serialized bytes as the storage holds them now (uncompressed).</summary>
    protected abstract Task<byte[]> StoredBytesAsync(IGrainStorage storage, StoredRow row);

    [Fact]
    public async Task Every_state_stored_today_reads_and_the_next_write_stores_it_in_Orleans_format()
    {
        var (storage, rows) = await OpenFixturesAsync();
        Assert.Equal(36, rows.Count); // 31 visitors, 4 branches, the branch index
        Assert.All(rows, row => Assert.True(EarlierJsonState.IsJson(new BinaryData(row.Serialized)), row.GrainKey));

        foreach (var row in rows)
        {
            switch (row.GrainType)
            {
                case "visitor":
                    await RoundTripAsync<VisitorState>(storage, row, (json, state) =>
                    {
                        Assert.Equal(VisitCount(json), state.OpenVisits.Count + state.Recent.Count);
                        Assert.Equal((int?)json["FacesAdded"] ?? 0, state.FacesAdded);
                    });
                    break;
                case "branch":
                    await RoundTripAsync<BranchState>(storage, row, (json, state) =>
                    {
                        Assert.Equal(Keys(json["Occupants"]), state.Occupants.Keys.Order(StringComparer.Ordinal));
                        Assert.Equal((long)json["Version"]!, state.Version);
                    });
                    break;
                case "branchindex":
                    await RoundTripAsync<BranchIndexState>(storage, row, (json, state) =>
                    {
                        Assert.Equal(Keys(json["Counts"]), state.Counts.Keys.Order(StringComparer.Ordinal));
                        Assert.Equal(Keys(json["Days"]), state.Days.Keys.Order(StringComparer.Ordinal));
                    });
                    break;
                default:
                    Assert.Fail($"A fixture of a grain type this test does not know: {row.GrainType}");
                    break;
            }
        }
    }

    [Fact]
    public async Task A_visitor_stored_in_the_earliest_shape_keeps_its_open_visit_its_cameras_and_its_exit()
    {
        var (storage, rows) = await OpenFixturesAsync();
        var row = Assert.Single(rows, r => r.GrainKey == $"{ServiceId}/{EarlierShapeVisitor}");
        Assert.Contains("\"Open\":", Encoding.UTF8.GetString(row.Serialized), StringComparison.Ordinal);

        var state = new GrainState<VisitorState>();
        await storage.ReadStateAsync(row.StateName, row.Grain, state);

        var open = Assert.Single(state.State!.OpenVisits);
        Assert.Equal("visit-old-open", open.VisitId);
        Assert.Equal(["lobby", "tellers"], open.CameraIds);
        Assert.Equal([DeliveryStatus.Delivered, DeliveryStatus.Pending], open.Outbox.Select(e => e.Status));
        Assert.Equal("sns: timeout", open.Outbox[1].LastError);
        Assert.Equal(4, open.SightingCount);
        var exit = Assert.Single(state.State.Recent);
        Assert.Equal(["door"], exit.CameraIds);
        Assert.Equal(exit.LastSeenAt, exit.ExitSeenAt); // the earlier build did not write when the exit was seen
        Assert.True(state.State.HasWorkLeft);

        await storage.WriteStateAsync(row.StateName, row.Grain, state);
        var reread = new GrainState<VisitorState>();
        await storage.ReadStateAsync(row.StateName, row.Grain, reread);
        Assert.False(EarlierJsonState.IsJson(new BinaryData(await StoredBytesAsync(storage, row))));
        Assert.Equal(AsJson(state.State), AsJson(reread.State!));
    }

    private async Task RoundTripAsync<T>(IGrainStorage storage, StoredRow row, Action<JObject, T> matchesStored)
    {
        var read = new GrainState<T>();
        await storage.ReadStateAsync(row.StateName, row.Grain, read);
        Assert.True(read.RecordExists, row.GrainKey);
        Assert.Equal(row.ETag, read.ETag);
        matchesStored(JObject.Parse(Encoding.UTF8.GetString(row.Serialized)), read.State!);

        await storage.WriteStateAsync(row.StateName, row.Grain, read);

        Assert.False(EarlierJsonState.IsJson(new BinaryData(await StoredBytesAsync(storage, row))), $"{row.GrainKey} is still JSON");
        var reread = new GrainState<T>();
        await storage.ReadStateAsync(row.StateName, row.Grain, reread);
        Assert.Equal(read.ETag, reread.ETag);
        Assert.Equal(AsJson(read.State!), AsJson(reread.State!));
    }

    private static int VisitCount(JObject visitor) =>
        (visitor["OpenVisits"]?["$values"]?.Count() ?? 0) + (visitor["Recent"]?["$values"]?.Count() ?? 0)
        + (visitor["Open"]?.Children<JProperty>().Count(p => !p.Name.StartsWith('$')) ?? 0);

    private static IEnumerable<string> Keys(JToken? dictionary) =>
        (dictionary?.Children<JProperty>() ?? []).Select(p => p.Name).Where(n => !n.StartsWith('$')).Order(StringComparer.Ordinal);

    /// <summary>Everything a state holds, to compare two reads of it.</summary>
    private static string AsJson<T>(T state) => JsonSerializer.Serialize(state);

    private static ServiceProvider BuildServices()
    {
        var services = new ServiceCollection();
        services.AddSerializer();
        services.AddSingleton<OrleansJsonSerializer>();
        services.AddOptions<OrleansJsonSerializerOptions>();
        services.AddStoredStateSerializer();
        return services.BuildServiceProvider();
    }
}
