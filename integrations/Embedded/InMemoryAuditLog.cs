using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Embedded;

/// <summary>
/// The audit log of an <c>--ephemeral</c> silo, which keeps nothing of a person on disk: the latest
/// <see cref="Capacity"/> entries in memory, gone with the process like everything they are about.
/// </summary>
public sealed class InMemoryAuditLog : IAuditLog
{
    public const int Capacity = 100_000;

    private readonly Lock _lock = new();
    private readonly LinkedList<AuditEntry> _entries = new();
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);

    public Task AppendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            foreach (var entry in entries)
            {
                // A repeated write of the same entry (after a lost answer) lands on it: the first stays.
                if (!_ids.Add(entry.EntryId))
                {
                    continue;
                }
                _entries.AddLast(entry);
                if (_entries.Count > Capacity)
                {
                    _ids.Remove(_entries.First!.Value.EntryId);
                    _entries.RemoveFirst();
                }
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<AuditEntry> found = [.. _entries.Where(query.Matches)
                .OrderBy(e => e.At).ThenBy(e => e.EntryId, StringComparer.Ordinal).Take(query.Limit)];
            return Task.FromResult(found);
        }
    }
}
