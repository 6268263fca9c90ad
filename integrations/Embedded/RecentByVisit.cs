using System.Collections.Concurrent;

namespace NextGenCrm.Integrations.Embedded;

/// <summary>
/// The most recent <see cref="Capacity"/> entries by visit id, oldest forgotten first: what the recorders of the
/// embedded mode keep, so a silo that runs for weeks holds a window of recent tasks and alerts, not all of them.
/// </summary>
internal sealed class RecentByVisit<T>(int capacity)
{
    private readonly ConcurrentDictionary<string, T> _byVisitId = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    public IReadOnlyCollection<T> Values => [.. _byVisitId.Values];

    public T? Get(string visitId) => _byVisitId.GetValueOrDefault(visitId);

    /// <summary>Adds the entry unless the visit has one; true when added.</summary>
    public bool TryAdd(string visitId, T value)
    {
        if (!_byVisitId.TryAdd(visitId, value))
        {
            return false;
        }
        _order.Enqueue(visitId);
        Trim();
        return true;
    }

    /// <summary>Adds or changes the visit's entry.</summary>
    public T AddOrUpdate(string visitId, T value, Func<T, T> update)
    {
        var added = false;
        var result = _byVisitId.AddOrUpdate(visitId, _ => { added = true; return value; }, (_, existing) => update(existing));
        if (added)
        {
            _order.Enqueue(visitId);
            Trim();
        }
        return result;
    }

    private void Trim()
    {
        while (_byVisitId.Count > Capacity && _order.TryDequeue(out var oldest))
        {
            _byVisitId.TryRemove(oldest, out _);
        }
    }
}
