using NextGenCrm.Ports;

namespace NextGenCrm.Silo.Apis.Contracts;

// What the v1 API answers: camelCase JSON, enums as kebab-case strings, null fields left out. Grain and port records
// are mapped into these at the edge of the API, so that a change inside the cluster does not change the contract.

public sealed record SightingResponse(string SightingId, string? VisitorId, string? VisitId, SightingOutcome Outcome);

public sealed record BatchItemResult(
    int Index, int Status, string? SightingId = null, string? VisitorId = null, string? VisitId = null,
    SightingOutcome? Outcome = null, string? Error = null, IDictionary<string, string[]>? Errors = null);

public sealed record BatchResponse(IReadOnlyList<BatchItemResult> Results);

public sealed record BranchSummary(string BranchId, int Occupancy);

public sealed record OccupantResponse(
    string VisitorId, VisitorKind Kind, string? CustomerName, DateTimeOffset Since, DateTimeOffset LastSeen, string VisitId, DeliveryStatus TaskStatus);

public sealed record OccupancyResponse(string BranchId, DateTimeOffset AsOf, int Count, IReadOnlyList<OccupantResponse> Visitors)
{
    public static OccupancyResponse From(Occupancy occupancy) => new(
        occupancy.BranchId, occupancy.AsOf, occupancy.Visitors.Count,
        [.. occupancy.Visitors.Select(o => new OccupantResponse(o.VisitorId, o.Kind, o.CustomerName, o.Since, o.LastSeen, o.VisitId, o.TaskStatus))]);
}

public sealed record HeartbeatResponse(
    DateTimeOffset SentAt, double FramesPerSecond, long FacesSeen, long SightingsSent, long BufferDepth, long BufferDropped, string Status, string? AgentVersion);

public sealed record CameraStatusResponse(
    string BranchId, string CameraId, bool IsExit, HeartbeatResponse? LastHeartbeat, DateTimeOffset? LastHeartbeatAt,
    long Sightings, long FaceSearches, int ActiveTracks, long TracksTakenOver)
{
    public static CameraStatusResponse From(CameraStatus camera) => new(
        camera.BranchId, camera.CameraId, camera.IsExit,
        camera.LastHeartbeat is { } beat
            ? new HeartbeatResponse(beat.SentAt, beat.FramesPerSecond, beat.FacesSeen, beat.SightingsSent, beat.BufferDepth, beat.BufferDropped, beat.Status, beat.AgentVersion)
            : null,
        camera.LastHeartbeatAt, camera.Sightings, camera.FaceSearches, camera.ActiveTracks, camera.TracksTakenOver);
}

public sealed record EffectStatusResponse(VisitEffect Effect, DeliveryStatus Status, int Attempts, string? LastError, DateTimeOffset? DeliveredAt);

public sealed record VisitResponse(
    string VisitId, string BranchId, DateTimeOffset OpenedAt, DateTimeOffset LastSeenAt, DateTimeOffset? ClosedAt, string? CloseReason,
    IReadOnlyList<string> Cameras, int SightingCount, IReadOnlyList<EffectStatusResponse> Effects)
{
    public static VisitResponse From(VisitSummary visit) => new(
        visit.VisitId, visit.BranchId, visit.OpenedAt, visit.LastSeenAt, visit.ClosedAt, visit.CloseReason, visit.Cameras, visit.SightingCount,
        [.. visit.Effects.Select(e => new EffectStatusResponse(e.Effect, e.Status, e.Attempts, e.LastError, e.DeliveredAt))]);
}

public sealed record RedeliveryResponse(IReadOnlyList<VisitEffect> Effects, VisitResponse Visit)
{
    public static RedeliveryResponse From(Redelivery redelivery) => new(redelivery.Effects, VisitResponse.From(redelivery.Visit));
}

/// <summary>What a visitor's erasure removed, per store.</summary>
public sealed record ErasureResponse(
    int Visits, int FaceCrops, int HistoryRecords, bool FaceRemovedFromCollection, int FacesRemoved, int PeopleRemoved, int VisitorStates)
{
    public static ErasureResponse From(ErasureReceipt receipt) => new(
        receipt.Visits, receipt.FaceCrops, receipt.HistoryRecords, receipt.FaceRemovedFromCollection, receipt.FacesRemoved, receipt.PeopleRemoved, receipt.VisitorStates);
}

/// <summary>What a customer's erasure removed, per store; the counts include the anonymous visitor a face was before enrolment and the visitors merged in.</summary>
public sealed record CustomerErasureResponse(
    string CustomerId, int FacesRemoved, int DirectoryRecordsRemoved, int Visits, int FaceCrops, int HistoryRecords, int PeopleRemoved, int VisitorStates);

public sealed record AuditEntryResponse(
    string EntryId, DateTimeOffset At, string Subject, string Action, string? BranchId, string? VisitorId, string? CustomerId, string? Source, int Status, string? Detail)
{
    public static AuditEntryResponse From(AuditEntry entry) => new(
        entry.EntryId, entry.At, entry.Subject, entry.Action, entry.BranchId, entry.VisitorId, entry.CustomerId, entry.Source, entry.Status, entry.Detail);
}

public sealed record EnrolmentResponse(string VisitorId, string CustomerId, string? FaceId);

public sealed record ImportRowResult(int Line, string? CustomerId, string Status, string? Error)
{
    /// <summary>The consent recorded with the row, for its audit entry; not sent back.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? Consent { get; init; }
}

public sealed record ImportResponse(int Enrolled, int NotEnrolled, IReadOnlyList<ImportRowResult> Rows);
