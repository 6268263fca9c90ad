namespace NextGenCrm;

/// <summary>
/// An earlier edge track of the same branch, named by its camera and track id: the edge agent matched the new
/// track's face to it (cross-camera re-identification), so the silo may take that track's answer instead of
/// searching the face again.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record TrackRef(
    [property: Id(0)] string CameraId,
    [property: Id(1)] string TrackId);

/// <summary>Who a camera's track turned out to be, as another camera of the branch takes it over.</summary>
[GenerateSerializer, Immutable]
public sealed record RecalledTrack(
    [property: Id(0)] string VisitorId,
    [property: Id(1)] VisitorProfile Profile,
    [property: Id(2)] string? ImageKey,
    [property: Id(3)] string? PersonId,
    [property: Id(4)] DateTimeOffset ResolvedAt);
