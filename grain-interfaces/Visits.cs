namespace NextGenCrm;

[GenerateSerializer]
public enum VisitorKind
{
    Customer,
    New,
}

/// <summary>Who the visitor is, as far as the bank knows. The name is personal data: never log it.</summary>
[GenerateSerializer, Immutable]
public sealed record VisitorProfile(
    [property: Id(0)] VisitorKind Kind,
    [property: Id(1)] string? CustomerId,
    [property: Id(2)] string? CustomerName);

/// <summary>A sighting forwarded by a camera to the visitor it recognised.</summary>
[GenerateSerializer, Immutable]
public sealed record VisitorSighting(
    [property: Id(0)] string SightingId,
    [property: Id(1)] string BranchId,
    [property: Id(2)] string CameraId,
    [property: Id(3)] DateTimeOffset CapturedAt,
    [property: Id(4)] string? ImageKey,
    [property: Id(5)] int SightingCount,
    [property: Id(6)] bool AtExit,
    [property: Id(7)] VisitorProfile Profile,
    [property: Id(8)] string? FaceToken = null,
    [property: Id(9)] string? PersonId = null,
    [property: Id(10)] float[]? FaceDescriptor = null);

[GenerateSerializer, Immutable]
public sealed record VisitSightingResult(
    [property: Id(0)] string? VisitId,
    [property: Id(1)] SightingOutcome Outcome,
    [property: Id(2)] string? MergedInto = null,
    [property: Id(3)] VisitorProfile? MergedProfile = null);

/// <summary>
/// An open visit handed from a visitor to the one it turned out to be (enrolled as a customer, or a
/// duplicate of an older person): the same visit id, its cameras and sightings, and what it owes.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record VisitHandOver(
    [property: Id(0)] string FromVisitorId,
    [property: Id(1)] string VisitId,
    [property: Id(2)] string BranchId,
    [property: Id(3)] string FirstCameraId,
    [property: Id(4)] DateTimeOffset OpenedAt,
    [property: Id(5)] DateTimeOffset LastSeenAt,
    [property: Id(6)] string[] CameraIds,
    [property: Id(7)] int SightingCount,
    [property: Id(8)] string? ImageKey,
    [property: Id(9)] IReadOnlyList<EffectStatus> Effects,
    [property: Id(10)] string? RecordedAs = null,
    [property: Id(11)] DateTimeOffset? ClaimedUntil = null,
    [property: Id(12)] string? ClaimId = null);

/// <summary>The side effects a visit owes the outside world, each delivered once.</summary>
[GenerateSerializer]
public enum VisitEffect
{
    HistoryRecord,
    StaffTask,
    NewVisitorAlert,
}

[GenerateSerializer]
public enum DeliveryStatus
{
    Pending,
    Delivered,
    Failed,
}

[GenerateSerializer, Immutable]
public sealed record EffectStatus(
    [property: Id(0)] VisitEffect Effect,
    [property: Id(1)] DeliveryStatus Status,
    [property: Id(2)] int Attempts,
    [property: Id(3)] string? LastError,
    [property: Id(4)] DateTimeOffset? DeliveredAt);

/// <summary>A visit as staff and the API see it.</summary>
[GenerateSerializer, Immutable]
public sealed record VisitSummary(
    [property: Id(0)] string VisitId,
    [property: Id(1)] string BranchId,
    [property: Id(2)] DateTimeOffset OpenedAt,
    [property: Id(3)] DateTimeOffset LastSeenAt,
    [property: Id(4)] DateTimeOffset? ClosedAt,
    [property: Id(5)] string? CloseReason,
    [property: Id(6)] IReadOnlyList<string> Cameras,
    [property: Id(7)] int SightingCount,
    [property: Id(8)] IReadOnlyList<EffectStatus> Effects);

/// <summary>
/// The outcome of one delivery attempt, reported back to the visit's outbox. <see cref="OnRecord"/>: the
/// delivery is also on record outside the visitor (an alert receipted by the history record), so its
/// mark need not be written at once.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DeliveryReport(
    [property: Id(0)] VisitEffect Effect,
    [property: Id(1)] DeliveryStatus Status,
    [property: Id(2)] string? Error,
    [property: Id(3)] bool OnRecord = false);

/// <summary>
/// What the courier needs to deliver a visit's pending effects. <see cref="MayBeRepeat"/>: some of them
/// may have gone out before without their marks being written (a retry, or a visitor that restarted),
/// so the courier checks the history record first. <see cref="ClaimId"/> and <see cref="ClaimedUntil"/>: the
/// visit's claim the order runs under; no effect is started after it runs out, and the report names it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DeliveryOrder(
    [property: Id(0)] string VisitorId,
    [property: Id(1)] string VisitId,
    [property: Id(2)] string BranchId,
    [property: Id(3)] string CameraId,
    [property: Id(4)] DateTimeOffset OpenedAt,
    [property: Id(5)] string? ImageKey,
    [property: Id(6)] VisitorProfile Profile,
    [property: Id(7)] IReadOnlyList<VisitEffect> Effects,
    [property: Id(8)] bool MayBeRepeat = true,
    [property: Id(9)] string? RecordedAs = null,
    [property: Id(10)] string? ClaimId = null,
    [property: Id(11)] DateTimeOffset? ClaimedUntil = null)
{
    /// <summary>The visitor whose history holds the visit's record: the one that opened it, even after a hand-over.</summary>
    public string HistoryVisitorId => RecordedAs ?? VisitorId;
}

/// <summary>
/// What an erasure actually removed, per store: visits and visitor states (grain storage), face crops that were
/// in the image store, history records, faces and people (Rekognition users) in the collection. The merged
/// visitors erased with the person are counted in.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ErasureReceipt(
    [property: Id(0)] int Visits,
    [property: Id(1)] int FaceCrops,
    [property: Id(2)] int HistoryRecords,
    [property: Id(3)] bool FaceRemovedFromCollection,
    [property: Id(4)] int FacesRemoved = 0,
    [property: Id(5)] int PeopleRemoved = 0,
    [property: Id(6)] int VisitorStates = 0)
{
    public static readonly ErasureReceipt Nothing = new(0, 0, 0, false);

    [System.Text.Json.Serialization.JsonIgnore]
    public bool RemovedAnything => Visits + FaceCrops + HistoryRecords + FacesRemoved + PeopleRemoved + VisitorStates > 0;

    public ErasureReceipt Add(ErasureReceipt other) => new(
        Visits + other.Visits, FaceCrops + other.FaceCrops, HistoryRecords + other.HistoryRecords,
        FaceRemovedFromCollection || other.FaceRemovedFromCollection, FacesRemoved + other.FacesRemoved,
        PeopleRemoved + other.PeopleRemoved, VisitorStates + other.VisitorStates);
}

/// <summary>
/// A visitor refused to record anything because their erasure has begun (or ended within
/// <c>Visits:ErasureFenceFor</c>): nothing was kept. The camera forgets the track, and the sighting sent again is
/// searched again; once the erasure has removed the person, the face is a stranger's.
/// </summary>
[GenerateSerializer]
public sealed class VisitorErasedException : Exception
{
    public VisitorErasedException() { }

    public VisitorErasedException(string message) : base(message) { }

    public VisitorErasedException(string message, Exception innerException) : base(message, innerException) { }

    public static VisitorErasedException Of(string visitorId) =>
        new($"Visitor {visitorId} is erased (or being erased): nothing was recorded.") { VisitorId = visitorId };

    [Id(0)] public string? VisitorId { get; init; }
}

/// <summary>What an operator's re-drive of a visit set going: the effects now due, and the visit as it stands.</summary>
[GenerateSerializer, Immutable]
public sealed record Redelivery(
    [property: Id(0)] IReadOnlyList<VisitEffect> Effects,
    [property: Id(1)] VisitSummary Visit);
