namespace NextGenCrm.Silo.Apis;

// The wire shapes of the v1 API: camelCase JSON, enums as kebab-case strings.

public sealed record SightingResponse(string SightingId, string? VisitorId, string? VisitId, SightingOutcome Outcome);

public sealed record BatchItemResult(
    int Index, int Status, string? SightingId = null, string? VisitorId = null, string? VisitId = null,
    SightingOutcome? Outcome = null, string? Error = null, IDictionary<string, string[]>? Errors = null);

public sealed record BatchResponse(IReadOnlyList<BatchItemResult> Results);

public sealed record BranchSummary(string BranchId, int Occupancy);

public sealed record OccupantResponse(
    string VisitorId, VisitorKind Kind, string? CustomerName, DateTimeOffset Since, DateTimeOffset LastSeen, string VisitId, DeliveryStatus TaskStatus);

public sealed record OccupancyResponse(string BranchId, DateTimeOffset AsOf, int Count, IReadOnlyList<OccupantResponse> Visitors);

public sealed record HeartbeatRequest(
    DateTimeOffset? SentAt, double? FramesPerSecond, long? FacesSeen, long? SightingsSent,
    long? BufferDepth, long? BufferDropped, string? Status, string? AgentVersion);
