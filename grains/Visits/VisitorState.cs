namespace NextGenCrm.Visits;

/// <summary>What a visitor grain persists: who they are, their open visits per branch, recent ones.</summary>
[GenerateSerializer]
public sealed class VisitorState
{
    [Id(0)] public VisitorProfile? Profile { get; set; }

    /// <summary>Open visits by branch id: one per branch at most.</summary>
    [Id(1)] public Dictionary<string, Visit> Open { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Closed visits, newest first, bounded by <see cref="VisitPolicy.RecentVisitsKept"/>.</summary>
    [Id(2)] public List<Visit> Recent { get; set; } = [];

    public IEnumerable<Visit> AllVisits => Open.Values.Concat(Recent);

    public bool HasWorkLeft => Open.Count > 0 || Recent.Any(v => v.HasPendingEffects);
}

/// <summary>One stay of one person at one branch, with the side effects it owes.</summary>
[GenerateSerializer]
public sealed class Visit
{
    [Id(0)] public required string VisitId { get; init; }
    [Id(1)] public required string BranchId { get; init; }
    [Id(2)] public required string FirstCameraId { get; init; }
    [Id(3)] public DateTimeOffset OpenedAt { get; init; }
    [Id(4)] public DateTimeOffset LastSeenAt { get; set; }
    [Id(5)] public DateTimeOffset? ClosedAt { get; set; }
    [Id(6)] public string? CloseReason { get; set; }
    [Id(7)] public HashSet<string> Cameras { get; set; } = new(StringComparer.Ordinal);
    [Id(8)] public int SightingCount { get; set; }
    [Id(9)] public string? ImageKey { get; set; }
    [Id(10)] public List<OutboxEntry> Outbox { get; set; } = [];

    public bool HasPendingEffects => Outbox.Exists(e => e.Status == DeliveryStatus.Pending);

    public VisitSummary ToSummary() => new(
        VisitId, BranchId, OpenedAt, LastSeenAt, ClosedAt, CloseReason,
        [.. Cameras.Order(StringComparer.Ordinal)], SightingCount,
        [.. Outbox.Select(e => new EffectStatus(e.Effect, e.Status, e.Attempts, e.LastError, e.DeliveredAt))]);
}

/// <summary>One side effect of a visit: written with the visit, then delivered, then marked.</summary>
[GenerateSerializer]
public sealed class OutboxEntry
{
    [Id(0)] public VisitEffect Effect { get; init; }
    [Id(1)] public DeliveryStatus Status { get; set; }
    [Id(2)] public int Attempts { get; set; }
    [Id(3)] public string? LastError { get; set; }
    [Id(4)] public DateTimeOffset? DeliveredAt { get; set; }
    [Id(5)] public DateTimeOffset NextAttemptAt { get; set; }
}
