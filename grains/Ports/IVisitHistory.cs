namespace NextGenCrm.Ports;

/// <summary>The record of every visit (DynamoDB table customer-facial-history in production).</summary>
public interface IVisitHistory
{
    /// <summary>Writes the record; writing the same <see cref="VisitHistoryRecord.VisitId"/> twice keeps one record, the last written.</summary>
    Task AppendAsync(VisitHistoryRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// The visit's record as last written, read consistently (it may have been written a moment ago), or
    /// null. The courier reads it before delivering a visit again, to learn what already went out.
    /// </summary>
    Task<VisitHistoryRecord?> FindAsync(string visitorId, string visitId, CancellationToken cancellationToken);

    Task<IReadOnlyList<VisitHistoryRecord>> QueryAsync(string visitorId, int limit, CancellationToken cancellationToken);

    /// <summary>Deletes every record of the visitor (an erasure request); returns how many.</summary>
    Task<int> EraseAsync(string visitorId, CancellationToken cancellationToken);
}

/// <summary>
/// One visit as the bank's history keeps it. <see cref="CustomerId"/> is null for a new visitor
/// (stored as "New Customer", as the original design did). <see cref="AlertSentAt"/> is set when the
/// new-visitor alert went out before the record was written: the record is then the alert's receipt,
/// and an SMS is never sent twice for a visit whose record says so. <see cref="TaskAssignedAt"/> (with
/// Appian's <see cref="TaskId"/> when it answers one) is the task's receipt, kept the same way.
/// </summary>
public sealed record VisitHistoryRecord(
    string VisitId,
    string VisitorId,
    string? CustomerId,
    string BranchId,
    string CameraId,
    DateTimeOffset VisitStart,
    string? ImageKey,
    DateTimeOffset? AlertSentAt = null,
    DateTimeOffset? TaskAssignedAt = null,
    string? TaskId = null);
