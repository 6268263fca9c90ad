using Microsoft.AspNetCore.Mvc;
using NextGenCrm.Silo.Apis.Contracts;
using NextGenCrm.Silo.Apis.Http;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Ingest;
using NextGenCrm.Silo.Security;

namespace NextGenCrm.Silo.Apis;

public static class BranchesApi
{
    public static IEndpointRouteBuilder MapBranchesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/branches").WithTags("Branches").WithValidationTitle(ApiProblems.InvalidIdentifier);
        api.MapGet("/", ListAsync).WithSummary("Every branch the caller reaches with how many people are inside now.")
            .RequireAuthorization(Policies.Staff)
            .RequireRateLimiting(RateLimitOptions.Reads);
        api.MapGet("/{branchId}/occupancy", OccupancyAsync).WithSummary("Who is inside a branch now.")
            .RequireAuthorization(Policies.StaffOfBranch)
            .RequireRateLimiting(RateLimitOptions.Reads)
            .ProducesValidationProblem();
        api.MapGet("/{branchId}/cameras", CamerasAsync).WithSummary("The branch's cameras as their edge agents last reported them.")
            .RequireAuthorization(Policies.StaffOfBranch)
            .RequireRateLimiting(RateLimitOptions.Reads)
            .ProducesValidationProblem();
        api.MapPost("/{branchId}/cameras/{cameraId}/heartbeat", HeartbeatAsync)
            .WithSummary("An edge agent's report on one camera.")
            .RequireAuthorization(Policies.EdgeOfBranch)
            .RequireRateLimiting(RateLimitOptions.Sightings)
            .WithRequestSizeLimit(HeartbeatRequest.MaxBodyBytes)
            .WithValidationTitle("The heartbeat is not valid")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        return app;
    }

    private static async Task<Ok<BranchSummary[]>> ListAsync(IGrainFactory grains, HttpContext http)
    {
        var caller = http.Caller();
        var counts = await grains.GetGrain<IBranchIndexGrain>(IBranchIndexGrain.Key).GetBranches();
        return TypedResults.Ok(counts.Where(c => caller.Reaches(c.BranchId)).Select(c => new BranchSummary(c.BranchId, c.Occupancy)).ToArray());
    }

    private static async Task<Results<Ok<OccupancyResponse>, ProblemHttpResult>> OccupancyAsync(
        [ValidId] string branchId, IGrainFactory grains, AuditTrail audit, HttpContext http)
    {
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
        return TypedResults.Ok(OccupancyResponse.From(occupancy));
    }

    private static async Task<Ok<CameraStatusResponse[]>> CamerasAsync([ValidId] string branchId, IGrainFactory grains) =>
        TypedResults.Ok((await grains.GetGrain<IBranchGrain>(branchId).GetCameras()).Select(CameraStatusResponse.From).ToArray());

    private static async Task<Results<NoContent, ProblemHttpResult>> HeartbeatAsync(
        [ValidId] string branchId, [ValidId] string cameraId, [FromBody] HeartbeatRequest body, [AsParameters] EdgeCallServices edge)
    {
        if (edge.Branches.Refusal(edge.Http.Caller(), branchId, cameraId) is { } refusal)
        {
            await edge.Audit.TryWriteAsync(edge.Audit.Entry(edge.Http, AuditTrail.Actions.Refused, StatusCodes.Status403Forbidden, branchId, detail: refusal));
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: refusal);
        }
        await edge.Grains.GetGrain<ICameraGrain>(CameraKeys.Format(branchId, cameraId)).RecordHeartbeat(new CameraHeartbeat(
            body.SentAt!.Value, body.FramesPerSecond ?? 0, body.FacesSeen ?? 0, body.SightingsSent ?? 0,
            body.BufferDepth ?? 0, body.BufferDropped ?? 0, body.Status ?? "ok", body.AgentVersion));
        await edge.Home.TellAsync(edge.Http.Response, CameraKeys.Format(branchId, cameraId));
        return TypedResults.NoContent();
    }
}

/// <summary>What an edge agent's calls (sightings, heartbeats) need besides their body: bound with [AsParameters].</summary>
public sealed record EdgeCallServices(IGrainFactory Grains, BranchRegistry Branches, AuditTrail Audit, ILoggerFactory Loggers, HttpContext Http, CancellationToken Aborted, BranchHome Home);
