using System.Collections.Concurrent;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Embedded;

/// <summary>Visit history of the embedded mode; one record per visit id, the last written, like the DynamoDB table.</summary>
public sealed class InMemoryVisitHistory : IVisitHistory
{
    private readonly ConcurrentDictionary<string, VisitHistoryRecord> _byVisitId = new(StringComparer.Ordinal);

    public int Count => _byVisitId.Count;

    public Task AppendAsync(VisitHistoryRecord record, CancellationToken cancellationToken)
    {
        _byVisitId[record.VisitId] = record;
        return Task.CompletedTask;
    }

    public Task<VisitHistoryRecord?> FindAsync(string visitorId, string visitId, CancellationToken cancellationToken) =>
        Task.FromResult(_byVisitId.TryGetValue(visitId, out var record) && record.VisitorId == visitorId ? record : null);

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
            [.. _byVisitId.Values.Where(r => r.VisitorId == visitorId).OrderByDescending(r => r.VisitStart).Take(limit)]);
}
