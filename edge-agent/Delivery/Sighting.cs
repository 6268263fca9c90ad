using System.Text.Json;
using System.Text.Json.Serialization;
using NextGenCrm.Contracts;

namespace NextGenCrm.EdgeAgent.Delivery;

// The sighting itself is the shared wire type, NextGenCrm.Contracts.SightingRequest (contracts/).

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
[JsonSerializable(typeof(SightingRequest))]
[JsonSerializable(typeof(CameraHeartbeat))]
[JsonSerializable(typeof(SightingResult))]
[JsonSerializable(typeof(BatchResponse))]
public sealed partial class EdgeJson : JsonSerializerContext;
