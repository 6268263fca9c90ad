namespace NextGenCrm.Visits;

/// <summary>
/// What a visitor grain persists: who they are, their open visits, recent ones. Kept small: an active
/// visitor's memory is mostly this (see bench/README.md), so a list, not a dictionary, holds the open
/// visits (almost always one) and a visit's cameras are an array.
/// </summary>
/// <remarks>
/// Stored with Orleans' serializer (<see cref="StoredState.StoredStateSerializer"/>): members are read by <c>[Id]</c>,
/// so retired ids are never reused: 1 (open visits by branch, before 2026-11-28) and, in <see cref="Visit"/>, 7
/// (cameras as a set). State stored as JSON by earlier builds is brought to this shape once, when it is read
/// (<see cref="StoredState.EarlierJsonState"/>).
/// </remarks>
[GenerateSerializer, Alias("NextGenCrm.Visits.VisitorState")]
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
}

/// <summary>One stay of one person at one branch, with the side effects it owes.</summary>
[GenerateSerializer, Alias("NextGenCrm.Visits.Visit")]
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

    /// <summary>The <see cref="CloseReason"/>s.</summary>
    public const string InactiveReason = "inactive", ExitReason = "exit";

    public VisitSummary ToSummary() => new(
        VisitId, BranchId, OpenedAt, LastSeenAt, ClosedAt, CloseReason,
        [.. CameraIds.Order(StringComparer.Ordinal)], SightingCount,
        [.. Outbox.Select(e => new EffectStatus(e.Effect, e.Status, e.Attempts, e.LastError, e.DeliveredAt))]);
}

/// <summary>A crop stored of the person, and when it was first seen here (see <see cref="VisitorState.Crops"/>).</summary>
[GenerateSerializer, Alias("NextGenCrm.Visits.KeptCrop")]
public sealed class KeptCrop
{
    [Id(0)] public required string Key { get; init; }
    [Id(1)] public DateTimeOffset At { get; init; }
}

/// <summary>An exit sighting that found no visit open at its branch (see <see cref="VisitorState.ExitsWithoutVisit"/>).</summary>
[GenerateSerializer, Alias("NextGenCrm.Visits.ExitWithoutVisit")]
public sealed class ExitWithoutVisit
{
    [Id(0)] public required string BranchId { get; init; }
    [Id(1)] public DateTimeOffset CapturedAt { get; init; }
}

/// <summary>One side effect of a visit: written with the visit, then delivered, then marked.</summary>
[GenerateSerializer, Alias("NextGenCrm.Visits.OutboxEntry")]
public sealed class OutboxEntry
{
    [Id(0)] public VisitEffect Effect { get; init; }
    [Id(1)] public DeliveryStatus Status { get; set; }
    [Id(2)] public int Attempts { get; set; }
    [Id(3)] public string? LastError { get; set; }
    [Id(4)] public DateTimeOffset? DeliveredAt { get; set; }
    [Id(5)] public DateTimeOffset NextAttemptAt { get; set; }
}
