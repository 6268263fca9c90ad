namespace NextGenCrm.Branches;

/// <summary>
/// The latest changes of one grain activation, numbered from 1, so a subscriber that reconnects names the last one
/// it saw and gets the rest. Only this activation's: a new one picks a new epoch, and a subscriber of an older one
/// (or one further behind than <paramref name="capacity"/>) starts again from a snapshot.
/// </summary>
internal sealed class ChangeLog<TChange>(int capacity)
{
    private readonly Queue<(long Sequence, TChange Change)> _recent = new();

    public long Epoch { get; } = Random.Shared.NextInt64(1, 1L << 52); // stays exact as a JavaScript number

    public long Sequence { get; private set; }

    public TChange Append(Func<long, long, TChange> make)
    {
        var change = make(Epoch, ++Sequence);
        _recent.Enqueue((Sequence, change));
        if (_recent.Count > capacity)
        {
            _recent.Dequeue();
        }
        return change;
    }

    /// <summary>Forgets the changes kept (the numbering goes on): a subscriber resuming from before gets a snapshot.</summary>
    public void Forget() => _recent.Clear();

    /// <summary>The changes after <paramref name="sequence"/> of <paramref name="epoch"/>, or null when they are not all here.</summary>
    public IReadOnlyList<TChange>? Since(long epoch, long sequence)
    {
        if (epoch != Epoch || sequence < 0 || sequence > Sequence)
        {
            return null;
        }
        if (sequence == Sequence)
        {
            return [];
        }
        if (_recent.Count == 0 || _recent.Peek().Sequence > sequence + 1)
        {
            return null;
        }
        return [.. _recent.Where(r => r.Sequence > sequence).Select(r => r.Change)];
    }
}
