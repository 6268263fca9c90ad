using NextGenCrm.Ports;
using NextGenCrm.Silo.Apis.Contracts;
using NextGenCrm.Silo.Apis.Http;
using NextGenCrm.Silo.Erasure;
using NextGenCrm.Silo.Security;

namespace NextGenCrm.Silo.Apis;

public static class VisitorsApi
{
    public static IEndpointRouteBuilder MapVisitorsApi(this IEndpointRouteBuilder app)
    {
        // Visitor ids are "c-{customerId}" or "v-{faceId}"; both pass the id rule.
        var api = app.MapGroup("/api/v1/visitors").WithTags("Visitors").WithValidationTitle(ApiProblems.InvalidIdentifier);
        api.MapGet("/{visitorId}/visits", VisitsAsync)
            .WithSummary("A visitor's open and recent visits in the caller's branches, with the delivery status of each visit's history record, task and alert.")
            .RequireAuthorization(Policies.Staff)
            .RequireRateLimiting(RateLimitOptions.Reads)
            .ProducesValidationProblem();
        api.MapPost("/{visitorId}/visits/{visitId}/redeliver", RedeliverAsync)
            .WithSummary("An operator re-drives the visit's effects not yet delivered (failed, or waiting for their next attempt) once what refused them is mended.")
            .RequireAuthorization(Policies.Admin)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/{visitorId}", EraseAsync)
            .WithSummary("Erases everything held on a visitor: visits, occupancy, face crops, history and an anonymous face in the collection.")
            .RequireAuthorization(Policies.Privacy)
            .RequireRateLimiting(RateLimitOptions.Enrolment)
            .Audited(AuditTrail.Actions.EraseVisitor)
            .ProducesValidationProblem();
        return app;
    }

    private static async Task<Results<Ok<IReadOnlyList<VisitResponse>>, ProblemHttpResult>> VisitsAsync(
        [ValidId] string visitorId, IGrainFactory grains, AuditTrail audit, HttpContext http)
    {
        var caller = http.Caller();
        var visits = await grains.GetGrain<IVisitorGrain>(visitorId).GetVisits();
        // Staff see the visits of their own branches only.
        IReadOnlyList<VisitResponse> shown = [.. visits.Where(v => caller.Reaches(v.BranchId)).Select(VisitResponse.From)];
        if (shown.Count > 0 && visitorId.StartsWith(PersonIds.CustomerPrefix, StringComparison.Ordinal))
        {
            // A customer's visits name a person: audited first, or not answered.
            try
            {
                await audit.WriteAsync(audit.Entry(http, AuditTrail.Actions.ReadVisits, StatusCodes.Status200OK, visitorId: visitorId,
                    customerId: visitorId[PersonIds.CustomerPrefix.Length..], detail: $"{shown.Count} visits"), CancellationToken.None);
            }
            catch (Exception failure) when (failure is not OutOfMemoryException)
            {
                return AuditTrail.NotAudited();
            }
        }
        return TypedResults.Ok(shown);
    }

    /// <summary>
    /// By visitor and visit: a visit lives in its visitor's grain, and a visit id names no visitor (the one index by
    /// visit id, the history record, is itself an effect that may be the one that failed).
    /// </summary>
    private static async Task<Results<Accepted<RedeliveryResponse>, Ok<RedeliveryResponse>, ProblemHttpResult>> RedeliverAsync(
        [ValidId] string visitorId, [ValidId] string visitId, IGrainFactory grains)
    {
        if (await grains.GetGrain<IVisitorGrain>(visitorId).Redeliver(visitId) is not { } redelivery)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown visit",
                detail: $"Visitor {visitorId} holds no visit {visitId} (never seen, erased, or closed long enough ago to be dropped).");
        }
        // 202: the effects are with the courier now; GET /api/v1/visitors/{visitorId}/visits shows how they went.
        var response = RedeliveryResponse.From(redelivery);
        return redelivery.Effects.Count > 0
            ? TypedResults.Accepted($"/api/v1/visitors/{visitorId}/visits", response)
            : TypedResults.Ok(response);
    }

    private static async Task<Ok<ErasureResponse>> EraseAsync([ValidId] string visitorId, PersonErasure erasure) =>
        // Not cancelled with the request: once begun, an erasure is carried through.
        TypedResults.Ok(ErasureResponse.From(await erasure.EraseVisitorAsync(visitorId, CancellationToken.None)));
}
