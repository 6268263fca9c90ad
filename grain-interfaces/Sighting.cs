namespace NextGenCrm;

/// <summary>
/// One sighting of a face by a branch camera, as the edge agent reports it: one per edge track
/// at its start plus occasional refreshes, not one per frame.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record Sighting(
    [property: Id(0)] string SightingId,
    [property: Id(1)] string BranchId,
    [property: Id(2)] string CameraId,
    [property: Id(3)] string TrackId,
    [property: Id(4)] DateTimeOffset CapturedAt,
    [property: Id(5)] string? FaceToken,
    [property: Id(6)] string? ImageRef,
    [property: Id(7)] byte[]? Image,
    [property: Id(8)] float[]? FaceDescriptor = null)
{
    /// <summary>
    /// The earlier track of the branch the edge agent re-identified this one as (same face, within its window):
    /// the camera takes that track's answer instead of a new face search, when the earlier camera still knows it.
    /// </summary>
    [Id(16)]
    public TrackRef? SameTrackAs { get; init; }

    public string CameraKey => CameraKeys.Format(BranchId, CameraId);
}

/// <summary>What a sighting did, as the API reports it.</summary>
[GenerateSerializer]
public enum SightingOutcome
{
    NewVisit,
    VisitExtended,
    VisitClosed,
    NoFace,
    ExitWithoutVisit,
}

[GenerateSerializer, Immutable]
public sealed record SightingResult(
    [property: Id(0)] string SightingId,
    [property: Id(1)] string? VisitorId,
    [property: Id(2)] string? VisitId,
    [property: Id(3)] SightingOutcome Outcome);

public static class CameraKeys
{
    /// <summary>The CameraGrain key "{branchId}:{cameraId}"; ids are validated not to hold ':'.</summary>
    public static string Format(string branchId, string cameraId) => $"{branchId}:{cameraId}";

    public static (string BranchId, string CameraId) Parse(string key)
    {
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == key.Length - 1)
        {
            throw new ArgumentException($"Camera key '{key}' is not of the form branchId:cameraId.", nameof(key));
        }
        return (key[..colon], key[(colon + 1)..]);
    }
}
