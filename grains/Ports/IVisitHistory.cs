namespace NextGenCrm.Ports;

/// <summary>The record of every visit (DynamoDB table customer-facial-history in production).</summary>
public interface IVisitHistory
{
    /// <summary>Writes the record; writing the same <see cref="VisitHistoryRecord.VisitId"/> twice keeps one record.</summary>
    Task AppendAsync(VisitHistoryRecord record, CancellationToken cancellationToken);

    Task<IReadOnlyList<VisitHistoryRecord>> QueryAsync(string visitorId, int limit, CancellationToken cancellationToken);

    /// <summary>Deletes every record of the visitor (an erasure request); returns how many.</summary>
    Task<int> EraseAsync(string visitorId, CancellationToken cancellationToken);
}

/// <summary>
/// One visit as the bank's history keeps it. <see cref="CustomerId"/> is null for a new visitor
/// (stored as "New Customer", as the original design did).
/// </summary>
public sealed record VisitHistoryRecord(
    string VisitId,
    string VisitorId,
    string? CustomerId,
    string BranchId,
    string CameraId,
    DateTimeOffset VisitStart,
    string? ImageKey);
