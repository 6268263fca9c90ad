namespace NextGenCrm;

/// <summary>Someone inside a branch now.</summary>
[GenerateSerializer, Immutable]
public sealed record Occupant(
    [property: Id(0)] string VisitorId,
    [property: Id(1)] VisitorKind Kind,
    [property: Id(2)] string? CustomerName,
    [property: Id(3)] DateTimeOffset Since,
    [property: Id(4)] DateTimeOffset LastSeen,
    [property: Id(5)] string VisitId,
    [property: Id(6)] DeliveryStatus TaskStatus,
    [property: Id(7)] string? LastCameraId = null,
    [property: Id(8)] bool EffectsSettled = false);

[GenerateSerializer, Immutable]
public sealed record Occupancy(
    [property: Id(0)] string BranchId,
    [property: Id(1)] DateTimeOffset AsOf,
    [property: Id(2)] IReadOnlyList<Occupant> Visitors);

/// <summary>A branch's count as of its <see cref="Version"/>, which only grows: the index keeps the highest.</summary>
[GenerateSerializer, Immutable]
public sealed record BranchCount(
    [property: Id(0)] string BranchId,
    [property: Id(1)] int Occupancy,
    [property: Id(2)] DateTimeOffset AsOf,
    [property: Id(3)] long Version);

/// <summary>What an edge agent reports about one camera.</summary>
[GenerateSerializer, Immutable]
public sealed record CameraHeartbeat(
    [property: Id(0)] DateTimeOffset SentAt,
    [property: Id(1)] double FramesPerSecond,
    [property: Id(2)] long FacesSeen,
    [property: Id(3)] long SightingsSent,
    [property: Id(4)] long BufferDepth,
    [property: Id(5)] long BufferDropped,
    [property: Id(6)] string Status,
    [property: Id(7)] string? AgentVersion);

[GenerateSerializer, Immutable]
public sealed record CameraStatus(
    [property: Id(0)] string BranchId,
    [property: Id(1)] string CameraId,
    [property: Id(2)] bool IsExit,
    [property: Id(3)] CameraHeartbeat? LastHeartbeat,
    [property: Id(4)] DateTimeOffset? LastHeartbeatAt,
    [property: Id(5)] long Sightings,
    [property: Id(6)] long FaceSearches,
    [property: Id(7)] int ActiveTracks)
{
    /// <summary>New tracks that took an earlier track's answer (re-identified at the edge) instead of a face search.</summary>
    [Id(8)]
    public long TracksTakenOver { get; init; }
}
