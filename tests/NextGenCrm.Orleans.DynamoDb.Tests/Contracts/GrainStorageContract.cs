// The contract calls the Orleans interfaces as the runtime does, without a test cancellation token.
#pragma warning disable xUnit1051

using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace NextGenCrm.Orleans.Contracts;

[GenerateSerializer]
public sealed class VisitLogState
{
    [Id(0)]
    public string BranchId { get; set; } = "";

    [Id(1)]
    public List<string> Entries { get; set; } = [];

    [Id(2)]
    public byte[] Attachment { get; set; } = [];
}

/// <summary>
/// What every grain storage of the project promises the visitor grains (DynamoDB, the local SQLite store):
/// run against each by a subclass that says how to make one.
/// </summary>
public abstract class GrainStorageContract
{
    protected const string StateName = "visit-log";

    protected abstract Task<IGrainStorage> NewStorageAsync();

    /// <summary>Whether the store still holds a row for the grain (not just whether a read finds a record).</summary>
    protected abstract Task<bool> RowExistsAsync(IGrainStorage storage, GrainId grain);

    protected static GrainId NewGrain() => GrainId.Create("visitor", $"v-{Guid.NewGuid():N}");

    [Fact]
    public async Task Reading_a_grain_never_written_gives_a_fresh_state_and_no_etag()
    {
        var storage = await NewStorageAsync();
        var state = new GrainState<VisitLogState> { State = new VisitLogState { BranchId = "leftover" } };

        await storage.ReadStateAsync(StateName, NewGrain(), state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Equal("", state.State!.BranchId);
    }

    [Fact]
    public async Task A_written_state_reads_back_whole_with_its_etag()
    {
        var storage = await NewStorageAsync();
        var grain = NewGrain();
        var written = new GrainState<VisitLogState> { State = new VisitLogState { BranchId = "branch-7", Entries = ["opened", "extended"] } };

        await storage.WriteStateAsync(StateName, grain, written);
        var read = await ReadAsync(storage, grain);

        Assert.True(read.RecordExists);
        Assert.NotNull(written.ETag);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal("branch-7", read.State!.BranchId);
        Assert.Equal(["opened", "extended"], read.State!.Entries);
    }

    [Fact]
    public async Task A_write_with_a_stale_etag_is_rejected_and_keeps_the_newer_state()
    {
        var storage = await NewStorageAsync();
        var grain = NewGrain();
        await storage.WriteStateAsync(StateName, grain, new GrainState<VisitLogState> { State = new VisitLogState { BranchId = "first" } });
        var activationA = await ReadAsync(storage, grain);
        var activationB = await ReadAsync(storage, grain);
        activationA.State!.BranchId = "from-a";
        await storage.WriteStateAsync(StateName, grain, activationA);

        activationB.State!.BranchId = "from-b";
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, grain, activationB));

        Assert.Equal(activationA.ETag, conflict.StoredEtag);
        Assert.Equal("from-a", (await ReadAsync(storage, grain)).State!.BranchId);
    }

    [Fact]
    public async Task A_first_write_does_not_overwrite_a_record_another_activation_created()
    {
        var storage = await NewStorageAsync();
        var grain = NewGrain();
        await storage.WriteStateAsync(StateName, grain, new GrainState<VisitLogState> { State = new VisitLogState { BranchId = "existing" } });

        var unaware = new GrainState<VisitLogState> { State = new VisitLogState { BranchId = "blind" } };

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, grain, unaware));
        Assert.Equal("existing", (await ReadAsync(storage, grain)).State!.BranchId);
    }

    [Fact]
    public async Task Clearing_deletes_the_state_so_the_next_read_finds_none()
    {
        var storage = await NewStorageAsync();
        var grain = NewGrain();
        var state = new GrainState<VisitLogState> { State = new VisitLogState { BranchId = "branch-1" } };
        await storage.WriteStateAsync(StateName, grain, state);

        await storage.ClearStateAsync(StateName, grain, state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        var read = await ReadAsync(storage, grain);
        Assert.False(read.RecordExists);
        Assert.Equal("", read.State!.BranchId);
        Assert.False(await RowExistsAsync(storage, grain));
    }

    [Fact]
    public async Task Clearing_with_a_stale_etag_is_rejected()
    {
        var storage = await NewStorageAsync();
        var grain = NewGrain();
        var stale = new GrainState<VisitLogState> { State = new VisitLogState { BranchId = "v1" } };
        await storage.WriteStateAsync(StateName, grain, stale);
        var current = await ReadAsync(storage, grain);
        current.State!.BranchId = "v2";
        await storage.WriteStateAsync(StateName, grain, current);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(StateName, grain, stale));
        Assert.Equal("v2", (await ReadAsync(storage, grain)).State!.BranchId);
    }

    [Fact]
    public async Task States_of_grains_and_of_state_names_are_kept_apart()
    {
        var storage = await NewStorageAsync();
        var first = NewGrain();
        var second = NewGrain();
        await storage.WriteStateAsync(StateName, first, new GrainState<VisitLogState> { State = new VisitLogState { BranchId = "first" } });
        await storage.WriteStateAsync("other", first, new GrainState<VisitLogState> { State = new VisitLogState { BranchId = "other-state" } });
        await storage.WriteStateAsync(StateName, second, new GrainState<VisitLogState> { State = new VisitLogState { BranchId = "second" } });

        Assert.Equal("first", (await ReadAsync(storage, first)).State!.BranchId);
        Assert.Equal("second", (await ReadAsync(storage, second)).State!.BranchId);
        var other = new GrainState<VisitLogState>();
        await storage.ReadStateAsync("other", first, other);
        Assert.Equal("other-state", other.State!.BranchId);
    }

    protected static async Task<GrainState<VisitLogState>> ReadAsync(IGrainStorage storage, GrainId grain)
    {
        var state = new GrainState<VisitLogState>();
        await storage.ReadStateAsync(StateName, grain, state);
        return state;
    }
}
