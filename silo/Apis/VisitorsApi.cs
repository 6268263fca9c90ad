namespace NextGenCrm.Silo.Apis;

public static class VisitorsApi
{
    public static IEndpointRouteBuilder MapVisitorsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/visitors").WithTags("Visitors");
        api.MapGet("/{visitorId}/visits", VisitsAsync)
            .WithSummary("A visitor's open and recent visits, with the delivery status of each visit's history record, task and alert.")
            .ProducesValidationProblem();
        api.MapDelete("/{visitorId}", EraseAsync)
            .WithSummary("Erases everything held on a visitor: visits, occupancy, face crops, history and an anonymous face in the collection.")
            .ProducesValidationProblem();
        return app;
    }

    private static async Task<Results<Ok<IReadOnlyList<VisitSummary>>, ValidationProblem>> VisitsAsync(string visitorId, IGrainFactory grains)
    {
        // Visitor ids are "c-{customerId}" or "v-{faceId}"; both parts pass the id rule.
        if (!Ingest.SightingValidator.IsValidId(visitorId))
        {
            return BranchesApi.InvalidId("visitorId");
        }
        return TypedResults.Ok(await grains.GetGrain<IVisitorGrain>(visitorId).GetVisits());
    }

    private static async Task<Results<Ok<ErasureReceipt>, ValidationProblem>> EraseAsync(string visitorId, IGrainFactory grains)
    {
        if (!Ingest.SightingValidator.IsValidId(visitorId))
        {
            return BranchesApi.InvalidId("visitorId");
        }
        return TypedResults.Ok(await grains.GetGrain<IVisitorGrain>(visitorId).Erase());
    }
}
