using Microsoft.Extensions.Options;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Ingest;
using NextGenCrm.Silo.Security;

namespace NextGenCrm.Silo.Apis;

public static class BranchesApi
{
    private static readonly string[] HeartbeatStatuses = ["ok", "degraded", "offline"];

    public static IEndpointRouteBuilder MapBranchesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/branches").WithTags("Branches");
        api.MapGet("/", ListAsync).WithSummary("Every branch the caller reaches with how many people are inside now.")
            .RequireAuthorization(Policies.Staff)
            .RequireRateLimiting(RateLimitOptions.Reads);
        api.MapGet("/{branchId}/occupancy", OccupancyAsync).WithSummary("Who is inside a branch now.")
            .RequireAuthorization(Policies.StaffOfBranch)
            .RequireRateLimiting(RateLimitOptions.Reads)
            .ProducesValidationProblem();
        api.MapGet("/{branchId}/cameras", CamerasAsync).WithSummary("The branch's cameras as their edge agents last reported them.")
            .RequireAuthorization(Policies.StaffOfBranch)
            .RequireRateLimiting(RateLimitOptions.Reads);
        api.MapPost("/{branchId}/cameras/{cameraId}/heartbeat", HeartbeatAsync)
            .WithSummary("An edge agent's report on one camera.")
            .RequireAuthorization(Policies.EdgeOfBranch)
            .RequireRateLimiting(RateLimitOptions.Sightings)
            .Accepts<HeartbeatRequest>("application/json")
            .ProducesValidationProblem();
        return app;
    }

    private static async Task<Ok<BranchSummary[]>> ListAsync(IGrainFactory grains, HttpContext http)
    {
        var caller = http.Caller();
        var counts = await grains.GetGrain<IBranchIndexGrain>(IBranchIndexGrain.Key).GetBranches();
        return TypedResults.Ok(counts.Where(c => caller.Reaches(c.BranchId)).Select(c => new BranchSummary(c.BranchId, c.Occupancy)).ToArray());
    }

    private static async Task<Results<Ok<OccupancyResponse>, ValidationProblem, ProblemHttpResult>> OccupancyAsync(
        string branchId, IGrainFactory grains, AuditTrail audit, HttpContext http)
    {
        if (!SightingValidator.IsValidId(branchId))
        {
            return InvalidId("branchId");
        }
        var occupancy = await grains.GetGrain<IBranchGrain>(branchId).GetOccupancy();
        // A read that shows a customer by name is audited first; unrecorded, it is not answered.
        var named = occupancy.Visitors.Where(o => o.CustomerName is not null)
            .Select(o => audit.Entry(http, AuditTrail.Actions.ReadOccupancy, StatusCodes.Status200OK, branchId, o.VisitorId)).ToList();
        if (named.Count > 0)
        {
            try
            {
                await audit.WriteAsync(named, CancellationToken.None);
            }
            catch (Exception failure) when (failure is not OutOfMemoryException)
            {
                return AuditTrail.NotAudited();
            }
        }
        return TypedResults.Ok(new OccupancyResponse(
            occupancy.BranchId, occupancy.AsOf, occupancy.Visitors.Count,
            [.. occupancy.Visitors.Select(o => new OccupantResponse(o.VisitorId, o.Kind, o.CustomerName, o.Since, o.LastSeen, o.VisitId, o.TaskStatus))]));
    }

    private static async Task<Results<Ok<IReadOnlyList<CameraStatus>>, ValidationProblem>> CamerasAsync(string branchId, IGrainFactory grains)
    {
        if (!SightingValidator.IsValidId(branchId))
        {
            return InvalidId("branchId");
        }
        return TypedResults.Ok(await grains.GetGrain<IBranchGrain>(branchId).GetCameras());
    }

    private static async Task<IResult> HeartbeatAsync(
        string branchId, string cameraId, HttpRequest request, IGrainFactory grains, BranchRegistry branches, AuditTrail audit, CancellationToken cancellationToken)
    {
        if (!SightingValidator.IsValidId(branchId) || !SightingValidator.IsValidId(cameraId))
        {
            return InvalidId(SightingValidator.IsValidId(branchId) ? "cameraId" : "branchId");
        }
        if (branches.Refusal(request.HttpContext.Caller(), branchId, cameraId) is { } refusal)
        {
            await audit.TryWriteAsync(audit.Entry(request.HttpContext, AuditTrail.Actions.Refused, StatusCodes.Status403Forbidden, branchId, detail: refusal));
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: refusal);
        }
        var (body, problem) = await JsonBody.ReadAsync<HeartbeatRequest>(request, 16 * 1024, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (body!.SentAt is null) errors["sentAt"] = ["sentAt is required."];
        if (body.FramesPerSecond is < 0 or > 1000) errors["framesPerSecond"] = ["framesPerSecond must be between 0 and 1000."];
        if (body.FacesSeen < 0 || body.SightingsSent < 0 || body.BufferDepth < 0 || body.BufferDropped < 0)
        {
            errors["counters"] = ["Counters must not be negative."];
        }
        if (body.Status is not null && !HeartbeatStatuses.Contains(body.Status, StringComparer.Ordinal))
        {
            errors["status"] = ["status must be one of ok, degraded, offline."];
        }
        if (body.AgentVersion is { Length: > 64 }) errors["agentVersion"] = ["agentVersion is at most 64 characters."];
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The heartbeat is not valid");
        }
        await grains.GetGrain<ICameraGrain>(CameraKeys.Format(branchId, cameraId)).RecordHeartbeat(new CameraHeartbeat(
            body.SentAt!.Value, body.FramesPerSecond ?? 0, body.FacesSeen ?? 0, body.SightingsSent ?? 0,
            body.BufferDepth ?? 0, body.BufferDropped ?? 0, body.Status ?? "ok", body.AgentVersion));
        return TypedResults.NoContent();
    }

    internal static ValidationProblem InvalidId(string field) => TypedResults.ValidationProblem(
        new Dictionary<string, string[]> { [field] = [SightingValidator.IdRule(field)] },
        title: "Invalid identifier");
}
