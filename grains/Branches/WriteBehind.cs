namespace NextGenCrm.Branches;

/// <summary>
/// Grain state written behind: changes mark it dirty, a grain timer flushes it. A failed flush stays
/// dirty and is tried again on the next tick.
/// </summary>
internal sealed class WriteBehind<TState>(IPersistentState<TState> state)
{
    private bool _dirty;

    public void Changed() => _dirty = true;

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (!_dirty)
        {
            return;
        }
        _dirty = false;
        try
        {
            await state.WriteStateAsync(cancellationToken);
        }
        catch
        {
            _dirty = true;
            throw;
        }
    }
}
