using NextGenCrm.Silo.Apis.Contracts;
using NextGenCrm.Silo.Apis.Http;
using NextGenCrm.Silo.Erasure;
using NextGenCrm.Silo.Security;

namespace NextGenCrm.Silo.Apis;

/// <summary>Erasure of an enrolled customer; the work is <see cref="PersonErasure"/>'s.</summary>
public static class CustomerErasureApi
{
    public static IEndpointRouteBuilder MapCustomerErasureApi(this IEndpointRouteBuilder app)
    {
        app.MapDelete("/api/v1/customers/{customerId}", EraseAsync).WithTags("Customers")
            .RequireAuthorization(Policies.Privacy)
            .Audited(AuditTrail.Actions.EraseCustomer)
            .RequireRateLimiting(RateLimitOptions.Enrolment)
            .WithSummary("Erases an enrolled customer: their faces and person in the collection, their directory records, and their visits, face crops and history.")
            .WithValidationTitle(ApiProblems.InvalidIdentifier)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<Ok<CustomerErasureResponse>, ProblemHttpResult>> EraseAsync([ValidId] string customerId, PersonErasure erasure)
    {
        // Not cancelled with the request: once begun, an erasure is carried through.
        if (await erasure.EraseCustomerAsync(customerId, CancellationToken.None) is not { } receipt)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown customer",
                detail: $"No customer {customerId} is enrolled and nothing of theirs is held (or it was erased already).");
        }
        return TypedResults.Ok(new CustomerErasureResponse(receipt.CustomerId, receipt.FacesRemoved, receipt.DirectoryRecordsRemoved, receipt.Visits,
            receipt.FaceCrops, receipt.HistoryRecords, receipt.PeopleRemoved, receipt.VisitorStates));
    }
}
