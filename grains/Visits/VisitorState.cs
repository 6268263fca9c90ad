namespace NextGenCrm.Visits;

/// <summary>
/// What a visitor grain persists: who they are, their open visits, recent ones. Kept small: an active
/// visitor's memory is mostly this (see bench/README.md), so a list, not a dictionary, holds the open
/// visits (almost always one) and a visit's cameras are an array.
/// </summary>
[GenerateSerializer]
public sealed class VisitorState
{
    [Id(0)] public VisitorProfile? Profile { get; set; }

    /// <summary>Closed visits, newest first, bounded by <see cref="VisitPolicy.RecentVisitsKept"/>.</summary>
    [Id(2)] public List<Visit> Recent { get; set; } = [];

    /// <summary>Open visits: one per branch at most.</summary>
    [Id(3)] public List<Visit> Open { get; set; } = [];

    public IEnumerable<Visit> AllVisits => Open.Concat(Recent);

    public bool HasWorkLeft => Open.Count > 0 || Recent.Exists(v => v.HasPendingEffects);

    public Visit? OpenAt(string branchId) => Open.Find(v => v.BranchId == branchId);
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
    /// <summary>The cameras that saw the visit, in the order they first did.</summary>
    [Id(7)] public string[] Cameras { get; set; } = [];
    [Id(8)] public int SightingCount { get; set; }
    [Id(9)] public string? ImageKey { get; set; }
    [Id(10)] public List<OutboxEntry> Outbox { get; set; } = [];

    /// <summary>The last-seen time as last written (not persisted): decides when an extension is worth a write.</summary>
    [NonSerialized] internal DateTimeOffset PersistedLastSeenAt;

    /// <summary>Since when the courier has this visit's pending effects (not persisted), if it has them.</summary>
    [NonSerialized] internal DateTimeOffset? WithCourierSince;

    public bool HasPendingEffects => Outbox.Exists(e => e.Status == DeliveryStatus.Pending);

    public void SeenBy(string cameraId)
    {
        if (Array.IndexOf(Cameras, cameraId) < 0)
        {
            Cameras = [.. Cameras, cameraId];
        }
    }

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
