using NextGenCrm.Branches;

namespace NextGenCrm.Tests.Branches;

/// <summary>The branch's occupancy writes: behind for what may be lost, through (shared) for arrivals.</summary>
public sealed class WriteBehindTests
{
    private sealed class HeldState : IPersistentState<BranchState>
    {
        public TaskCompletionSource? Gate { get; set; }
        public int Writes { get; private set; }
        public int Concurrent { get; private set; }
        public int MostConcurrent { get; private set; }
        public Exception? FailNext { get; set; }

        public BranchState State { get; set; } = new();
        public string? Etag => null;
        public bool RecordExists => Writes > 0;

        public async Task WriteStateAsync()
        {
            Concurrent++;
            MostConcurrent = Math.Max(MostConcurrent, Concurrent);
            try
            {
                if (Gate is { } gate)
                {
                    await gate.Task;
                }
                if (FailNext is { } failure)
                {
                    FailNext = null;
                    throw failure;
                }
                Writes++;
            }
            finally
            {
                Concurrent--;
            }
        }

        public Task ClearStateAsync() => Task.CompletedTask;
        public Task ReadStateAsync() => Task.CompletedTask;
        public Task ClearStateAsync(CancellationToken cancellationToken) => ClearStateAsync();
        public Task ReadStateAsync(CancellationToken cancellationToken) => ReadStateAsync();
        public Task WriteStateAsync(CancellationToken cancellationToken) => WriteStateAsync();
    }

    [Fact]
    public async Task Nothing_changed_nothing_written_and_a_change_is_written_by_the_next_flush()
    {
        var state = new HeldState();
        var writeBehind = new WriteBehind<BranchState>(state);

        await writeBehind.FlushAsync(CancellationToken.None);
        writeBehind.Changed();
        await writeBehind.FlushAsync(CancellationToken.None);
        await writeBehind.FlushAsync(CancellationToken.None);

        Assert.Equal(1, state.Writes);
    }

    [Fact]
    public async Task Arrivals_during_a_write_share_the_next_one_and_no_two_writes_overlap()
    {
        var state = new HeldState { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var writeBehind = new WriteBehind<BranchState>(state);

        var first = writeBehind.WrittenAsync();
        var second = writeBehind.WrittenAsync();
        var third = writeBehind.WrittenAsync();
        Assert.False(first.IsCompleted);
        state.Gate.SetResult();
        await Task.WhenAll(first, second, third);

        Assert.Equal(2, state.Writes); // the first, then one for the two that came while it was on its way
        Assert.Equal(1, state.MostConcurrent);
    }

    [Fact]
    public async Task A_failed_write_fails_its_callers_and_the_change_is_written_by_the_next_flush()
    {
        var state = new HeldState { FailNext = new TimeoutException("storage down") };
        var writeBehind = new WriteBehind<BranchState>(state);

        await Assert.ThrowsAsync<TimeoutException>(() => writeBehind.WrittenAsync());
        await writeBehind.FlushAsync(CancellationToken.None);

        Assert.Equal(1, state.Writes);
    }
}
