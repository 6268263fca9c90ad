using System.Collections.Concurrent;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Embedded;

/// <summary>
/// Visit history of the ephemeral embedded mode; one record per visit id, the last written, like the DynamoDB
/// table. With a retention (the silo passes <c>CrmTables:Retention</c>, as the DynamoDB table's TTL) a record is
/// gone once its visit started longer ago than that, as DynamoDB's TTL makes it go; without one it keeps every record.
/// </summary>
public sealed class InMemoryVisitHistory(TimeSpan? retention = null, TimeProvider? clock = null) : IVisitHistory
{
    private readonly ConcurrentDictionary<string, VisitHistoryRecord> _byVisitId = new(StringComparer.Ordinal);
    // Visits in the order written (about the order they started): expiry looks only at the head.
    private readonly ConcurrentQueue<(DateTimeOffset Start, string VisitId)> _written = new();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public int Count => _byVisitId.Count;

    public Task AppendAsync(VisitHistoryRecord record, CancellationToken cancellationToken)
    {
        if (!Expired(record))
        {
            _byVisitId[record.VisitId] = record;
            _written.Enqueue((record.VisitStart, record.VisitId));
        }
        ForgetExpired();
        return Task.CompletedTask;
    }

    public Task<VisitHistoryRecord?> FindAsync(string visitorId, string visitId, CancellationToken cancellationToken) =>
        Task.FromResult(_byVisitId.TryGetValue(visitId, out var record) && record.VisitorId == visitorId && !Expired(record) ? record : null);

    public Task<int> EraseAsync(string visitorId, CancellationToken cancellationToken)
    {
        var erased = 0;
        foreach (var record in _byVisitId.Values.Where(r => r.VisitorId == visitorId))
        {
            erased += _byVisitId.TryRemove(record.VisitId, out _) ? 1 : 0;
        }
        return Task.FromResult(erased);
    }

    public Task<IReadOnlyList<VisitHistoryRecord>> QueryAsync(string visitorId, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<VisitHistoryRecord>>(
            [.. _byVisitId.Values.Where(r => r.VisitorId == visitorId && !Expired(r)).OrderByDescending(r => r.VisitStart).Take(limit)]);

    private bool Expired(VisitHistoryRecord record) => retention is { } keep && _clock.GetUtcNow() - record.VisitStart >= keep;

    private void ForgetExpired()
    {
        if (retention is not { } keep)
        {
            _written.Clear(); // nothing expires: the order is not needed
            return;
        }
        var now = _clock.GetUtcNow();
        while (_written.TryPeek(out var head) && now - head.Start >= keep && _written.TryDequeue(out head))
        {
            if (_byVisitId.TryGetValue(head.VisitId, out var record) && Expired(record))
            {
                _byVisitId.TryRemove(new KeyValuePair<string, VisitHistoryRecord>(head.VisitId, record));
            }
        }
    }
}
