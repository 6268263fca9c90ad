using System.Text.Json;
using System.Text.Json.Serialization;

namespace NextGenCrm.EdgeAgent.Delivery;

/// <summary>One person seen by one camera, as the silo's POST /api/v1/sightings expects it.</summary>
public sealed record Sighting
{
    public required string SightingId { get; init; }

    public required string BranchId { get; init; }

    public required string CameraId { get; init; }

    public required string TrackId { get; init; }

    public required DateTimeOffset CapturedAt { get; init; }

    /// <summary>Base64 JPEG face crop. Exactly one of Image, ImageRef, FaceToken, FaceDescriptor is set.</summary>
    public string? Image { get; init; }

    public string? ImageRef { get; init; }

    public string? FaceToken { get; init; }

    /// <summary>The face's descriptor (128 float32, L2-normalised) instead of a picture: the silo's on-premises face search only. Biometric data.</summary>
    public float[]? FaceDescriptor { get; init; }

    /// <summary>The earlier track of this agent the track was re-identified as (same face within the window).</summary>
    public SightingTrackRef? SameTrackAs { get; init; }
}

/// <summary>A track as the silo knows it: its camera and its id.</summary>
public sealed record SightingTrackRef(string CameraId, string TrackId);

/// <summary>Body of POST /api/v1/branches/{branchId}/cameras/{cameraId}/heartbeat.</summary>
public sealed record CameraHeartbeat(
    DateTimeOffset SentAt,
    double FramesPerSecond,
    long FacesSeen,
    long SightingsSent,
    long BufferDepth,
    long BufferDropped,
    string Status,
    string AgentVersion);

public sealed record SightingResult(string? SightingId, string? VisitorId, string? VisitId, string? Outcome);

public sealed record BatchItemResult(int Index, int Status, string? SightingId, string? Error);

public sealed record BatchResponse(IReadOnlyList<BatchItemResult> Results);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Sighting))]
[JsonSerializable(typeof(CameraHeartbeat))]
[JsonSerializable(typeof(SightingResult))]
[JsonSerializable(typeof(BatchResponse))]
public sealed partial class EdgeJson : JsonSerializerContext;
