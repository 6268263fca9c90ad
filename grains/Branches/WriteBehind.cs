namespace NextGenCrm.Branches;

/// <summary>
/// Grain state written behind: changes mark it dirty, a grain timer flushes it. A failed flush stays
/// dirty and is tried again on the next tick. A change that must be durable before its caller goes on
/// awaits <see cref="WrittenAsync"/>: callers at the same moment share one write (a group commit).
/// </summary>
internal sealed class WriteBehind<TState>(IPersistentState<TState> state)
{
    private bool _dirty;
    private Task? _writing;
    private TaskCompletionSource? _waiting;

    public void Changed() => _dirty = true;

    /// <summary>The timer's flush: writes if anything changed since the last write.</summary>
    public Task FlushAsync(CancellationToken cancellationToken) => _dirty ? WrittenAsync() : Task.CompletedTask;

    /// <summary>Completes once every change made before the call is written; fails if that write fails.</summary>
    public Task WrittenAsync()
    {
        _dirty = true;
        var waiting = _waiting ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_writing is null || _writing.IsCompleted)
        {
            _writing = WriteWhileWaitedForAsync();
        }
        return waiting.Task;
    }

    private async Task WriteWhileWaitedForAsync()
    {
        // One write at a time (the storage's ETag allows no other); whoever came during a write shares the next.
        while (_waiting is { } batch)
        {
            _waiting = null;
            _dirty = false;
            try
            {
                await state.WriteStateAsync();
                batch.SetResult();
            }
            catch (Exception failure)
            {
                _dirty = true;
                batch.SetException(failure);
            }
        }
    }
}
