namespace NextGenCrm.Visits;

/// <summary>
/// What a visitor grain persists: who they are, their open visits, recent ones. Kept small: an active
/// visitor's memory is mostly this (see bench/README.md), so a list, not a dictionary, holds the open
/// visits (almost always one) and a visit's cameras are an array.
/// </summary>
/// <remarks>
/// Builds before 2026-11-28 stored open visits as a dictionary <c>Open</c> and a visit's cameras as a set
/// <c>Cameras</c>. Those members stay, under their names, so that such state still reads (the storage's
/// JSON names each collection's type, and a dictionary does not read into a list); <see cref="Upgrade"/>
/// moves them over on activation and they are never written again. Upgrade from those builds with a
/// full restart, not a rolling one: they cannot read what this build writes. The same holds from the builds of
/// 2026-11-28 to this one: the state now names types they do not have (<c>ExitWithoutVisit</c>). Builds before 2026-11-30 did not
/// write when an exit was sighted (<see cref="Visit.ExitSeenAt"/>); <see cref="Visit.Upgrade"/> takes the
/// visit's last-seen time for it.
/// </remarks>
[GenerateSerializer]
public sealed class VisitorState
{
    [Id(0)] public VisitorProfile? Profile { get; set; }

    /// <summary>Closed visits, newest first, bounded by <see cref="VisitPolicy.RecentVisitsKept"/>.</summary>
    [Id(2)] public List<Visit> Recent { get; set; } = [];

    /// <summary>Open visits: one per branch at most.</summary>
    [Id(3)] public List<Visit> OpenVisits { get; set; } = [];

    /// <summary>The visitor this one turned out to be (<see cref="IVisitorGrain.MergeInto"/>), where sightings are passed on.</summary>
    [Id(5)] public string? MergedInto { get; set; }

    /// <summary>The survivor's profile, sent along with the sightings passed on.</summary>
    [Id(6)] public VisitorProfile? MergedProfile { get; set; }

    /// <summary>Visitors that merged into this one: erasing this person erases them too.</summary>
    [Id(8)] public List<string>? MergedFrom { get; set; }

    /// <summary>
    /// The keys of every crop stored of this person (any visit, camera or track re-check), for an erasure to delete:
    /// a visit keeps only its first crop, and closed visits are trimmed. Kept for <see cref="VisitPolicy.CropKeysKeptFor"/>.
    /// </summary>
    [Id(9)] public List<KeptCrop>? Crops { get; set; }

    /// <summary>Faces of later visits added to this person in the collection (<see cref="VisitPolicy.FacesAddedPerPerson"/>).</summary>
    [Id(7)] public int FacesAdded { get; set; }

    /// <summary>The earlier shape of <see cref="OpenVisits"/>, by branch: read, moved over, not written.</summary>
    [Id(1)] public Dictionary<string, Visit>? Open { get; set; }

    /// <summary>
    /// Exit sightings that found no visit open at their branch, in the order they came, at most
    /// <see cref="ExitsWithoutVisitKept"/>: sightings from inside captured before one may still be on their
    /// way (a batch's cameras are applied side by side). Null, the usual case, when there are none.
    /// </summary>
    [Id(4)] public List<ExitWithoutVisit>? ExitsWithoutVisit { get; set; }

    public const int ExitsWithoutVisitKept = 4;

    public IEnumerable<Visit> AllVisits => OpenVisits.Concat(Recent);

    public bool HasWorkLeft => OpenVisits.Count > 0 || Recent.Exists(v => v.HasPendingEffects);

    public Visit? OpenAt(string branchId) => OpenVisits.Find(v => v.BranchId == branchId);

    /// <summary>Moves state stored in the earlier shape into this one (see the remarks).</summary>
    public void Upgrade()
    {
        if (Open is { } earlier)
        {
            OpenVisits.AddRange(earlier.Values.Where(v => OpenAt(v.BranchId) is null));
            Open = null;
        }
        foreach (var visit in AllVisits)
        {
            visit.Upgrade();
        }
    }

    /// <summary>Newtonsoft's convention: the earlier shape is not written.</summary>
    public bool ShouldSerializeOpen() => Open is not null;
}

/// <summary>One stay of one person at one branch, with the side effects it owes.</summary>
[GenerateSerializer]
public sealed class Visit
{
    [Id(0)] public required string VisitId { get; init; }
    [Id(1)] public required string BranchId { get; init; }
    [Id(2)] public required string FirstCameraId { get; init; }
    [Id(3)] public DateTimeOffset OpenedAt { get; set; }
    [Id(4)] public DateTimeOffset LastSeenAt { get; set; }
    [Id(5)] public DateTimeOffset? ClosedAt { get; set; }
    [Id(6)] public string? CloseReason { get; set; }

    /// <summary>
    /// When the exit sighting that closed the visit was captured: a sighting from inside captured up to then
    /// and processed after belongs to this visit. Null while open and for a visit closed otherwise.
    /// </summary>
    [Id(12)] public DateTimeOffset? ExitSeenAt { get; set; }

    /// <summary>
    /// The visitor that opened the visit, when another holds it now (a hand-over): its history record is
    /// kept under that visitor's id. Null for a visit held by the visitor that opened it.
    /// </summary>
    [Id(13)] public string? RecordedAs { get; set; }

    /// <summary>The cameras that saw the visit, in the order they first did.</summary>
    [Id(11)] public string[] CameraIds { get; set; } = [];

    /// <summary>The earlier shape of <see cref="CameraIds"/>: read, moved over, not written.</summary>
    [Id(7)] public HashSet<string>? Cameras { get; set; }
    [Id(8)] public int SightingCount { get; set; }
    [Id(9)] public string? ImageKey { get; set; }
    [Id(10)] public List<OutboxEntry> Outbox { get; set; } = [];

    /// <summary>
    /// The last delivery order handed out for this visit (<see cref="VisitOutbox.Claim"/>), written before
    /// the hand-over; null before the first. Any order after the first reads the history record first.
    /// </summary>
    [Id(14)] public string? ClaimId { get; set; }

    /// <summary>Until when that order may deliver; null once its report came back. No second order before.</summary>
    [Id(15)] public DateTimeOffset? ClaimedUntil { get; set; }

    /// <summary>The last-seen time as last written (not persisted): decides when an extension is worth a write.</summary>
    [NonSerialized] internal DateTimeOffset PersistedLastSeenAt;


    public bool HasPendingEffects => Outbox.Exists(e => e.Status == DeliveryStatus.Pending);

    public void SeenBy(string cameraId)
    {
        if (Array.IndexOf(CameraIds, cameraId) < 0)
        {
            CameraIds = [.. CameraIds, cameraId];
        }
    }

    public void Upgrade()
    {
        if (Cameras is { } earlier)
        {
            CameraIds = [.. CameraIds.Union(earlier.Order(StringComparer.Ordinal), StringComparer.Ordinal)];
            Cameras = null;
        }
        if (CloseReason == ExitReason && ExitSeenAt is null)
        {
            // Closed at an exit by a build that did not write when: the person was inside at least until last seen.
            ExitSeenAt = LastSeenAt;
        }
    }

    /// <summary>The <see cref="CloseReason"/>s.</summary>
    public const string InactiveReason = "inactive", ExitReason = "exit";

    /// <summary>Newtonsoft's convention: the earlier shape is not written.</summary>
    public bool ShouldSerializeCameras() => Cameras is not null;

    public VisitSummary ToSummary() => new(
        VisitId, BranchId, OpenedAt, LastSeenAt, ClosedAt, CloseReason,
        [.. CameraIds.Order(StringComparer.Ordinal)], SightingCount,
        [.. Outbox.Select(e => new EffectStatus(e.Effect, e.Status, e.Attempts, e.LastError, e.DeliveredAt))]);
}

/// <summary>A crop stored of the person, and when it was first seen here (see <see cref="VisitorState.Crops"/>).</summary>
[GenerateSerializer]
public sealed class KeptCrop
{
    [Id(0)] public required string Key { get; init; }
    [Id(1)] public DateTimeOffset At { get; init; }
}

/// <summary>An exit sighting that found no visit open at its branch (see <see cref="VisitorState.ExitsWithoutVisit"/>).</summary>
[GenerateSerializer]
public sealed class ExitWithoutVisit
{
    [Id(0)] public required string BranchId { get; init; }
    [Id(1)] public DateTimeOffset CapturedAt { get; init; }
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
