namespace NextGenCrm.Ports;

/// <summary>
/// The append-only record of who did what to whose personal data: identifications, staff reads that named a person,
/// enrolments, erasures, refused requests. Entries hold ids (visitor, customer, branch), never a face, a name or a phone.
/// </summary>
public interface IAuditLog
{
    /// <summary>Appends the entries, all written when the task completes; an entry is never changed once written.</summary>
    Task AppendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken);

    /// <summary>Entries in the query's time range, oldest first, at most <see cref="AuditQuery.Limit"/>.</summary>
    Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditQuery query, CancellationToken cancellationToken);
}

/// <param name="EntryId">Unique and time-ordered; a write repeated after a lost answer lands on the same entry.</param>
/// <param name="Subject">Who: the token's subject ("anonymous" without a valid token; "sqs" or "demo" for in-process feeds).</param>
/// <param name="Action">What, e.g. identification, read-occupancy, enrol-customer, erase-customer, refused.</param>
/// <param name="Source">From where: the caller's address.</param>
/// <param name="Status">The HTTP status answered (or the item's status within a batch).</param>
/// <param name="Detail">Ids and reasons only (a path, a role missing); never personal data.</param>
public sealed record AuditEntry(
    string EntryId,
    DateTimeOffset At,
    string Subject,
    string Action,
    string? BranchId,
    string? VisitorId,
    string? CustomerId,
    string? Source,
    int Status,
    string? Detail)
{
    public static string NewId() => Guid.CreateVersion7().ToString("N");
}

public sealed record AuditQuery(DateTimeOffset From, DateTimeOffset To, string? BranchId, string? Subject, int Limit)
{
    public bool Matches(AuditEntry entry) =>
        entry.At >= From && entry.At < To
        && (BranchId is null || string.Equals(entry.BranchId, BranchId, StringComparison.Ordinal))
        && (Subject is null || string.Equals(entry.Subject, Subject, StringComparison.Ordinal));
}
