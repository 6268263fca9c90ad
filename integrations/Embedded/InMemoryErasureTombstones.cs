using System.Collections.Concurrent;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Embedded;

/// <summary>
/// Erasure tombstones of the embedded mode, in this process (the embedded cluster's silos share it). Expired
/// tombstones are dropped whenever new ones are written, so memory holds only the erasures of the fence's window.
/// </summary>
public sealed class InMemoryErasureTombstones(TimeProvider clock) : IErasureTombstones
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _until = new(StringComparer.Ordinal);

    public int Count => _until.Count;

    public Task RecordAsync(IReadOnlyCollection<string> personIds, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        foreach (var (personId, expiry) in _until)
        {
            if (expiry <= now)
            {
                _until.TryRemove(new KeyValuePair<string, DateTimeOffset>(personId, expiry));
            }
        }
        foreach (var personId in personIds)
        {
            _until.AddOrUpdate(personId, until, (_, earlier) => earlier > until ? earlier : until);
        }
        return Task.CompletedTask;
    }

    public Task<bool> IsErasedAsync(string personId, CancellationToken cancellationToken) =>
        Task.FromResult(_until.TryGetValue(personId, out var until) && until > clock.GetUtcNow());
}
