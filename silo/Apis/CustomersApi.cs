using Microsoft.AspNetCore.Mvc;
using NextGenCrm.Customers;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Apis.Contracts;
using NextGenCrm.Silo.Apis.Http;
using NextGenCrm.Silo.Enrolment;
using NextGenCrm.Silo.Security;

namespace NextGenCrm.Silo.Apis;

/// <summary>Enrolment: putting customers' faces into the collection so their visits are recognised by name.</summary>
public static class CustomersApi
{
    public static IEndpointRouteBuilder MapCustomersApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/customers/{customerId}/faces", EnrolFaceAsync).WithTags("Customers")
            .RequireAuthorization(Policies.Enrolment)
            .Audited(AuditTrail.Actions.EnrolCustomer)
            .RequireRateLimiting(RateLimitOptions.Enrolment)
            .WithSummary("Indexes a customer's photo (image, or faceToken in the simulated mode) under the customer id and records who it is.")
            .WithRequestSizeLimit(FaceEnrolmentRequest.MaxBodyBytes)
            .WithValidationTitle("The enrolment is not valid")
            .Produces<EnrolmentResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        app.MapCustomerImportApi();
        app.MapCustomerErasureApi();
        app.MapPost("/api/v1/visitors/{visitorId}/enrol", EnrolVisitorAsync).WithTags("Visitors")
            .RequireAuthorization(Policies.Enrolment)
            .Audited(AuditTrail.Actions.EnrolVisitor)
            .RequireRateLimiting(RateLimitOptions.Enrolment)
            .WithSummary("Turns an anonymous visitor (v-…) into a customer: their next visit is recognised by name.")
            .WithRequestSizeLimit(VisitorEnrolmentRequest.MaxBodyBytes)
            .WithValidationTitle("The enrolment is not valid")
            .Produces<EnrolmentResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<Results<Created<EnrolmentResponse>, ProblemHttpResult>> EnrolFaceAsync(
        [ValidId] string customerId, [FromBody] FaceEnrolmentRequest body, CustomerEnrolmentService enrolment, HttpContext http, CancellationToken cancellationToken)
    {
        ConsentRules.Note(http, ConsentRules.Describe(body.Consent!.GivenAt!.Value, body.Consent.Method!));
        var outcome = await enrolment.EnrolFaceAsync(customerId, body, cancellationToken);
        if (outcome.Status == EnrolmentStatus.NoFace)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "No face",
                detail: "No usable face was found in the photo; take another with the face clearly in view.");
        }
        return TypedResults.Created($"/api/v1/customers/{customerId}", new EnrolmentResponse(PersonIds.OfCustomer(customerId), customerId, outcome.FaceId));
    }

    private static async Task<Results<Ok<EnrolmentResponse>, ProblemHttpResult>> EnrolVisitorAsync(
        [ValidId(Prefix = PersonIds.AnonymousPrefix, PrefixMessage = "Only an anonymous visitor (an id starting with v-) can be enrolled.")] string visitorId,
        [FromBody] VisitorEnrolmentRequest body, CustomerEnrolmentService enrolment, HttpContext http, CancellationToken cancellationToken)
    {
        ConsentRules.Note(http, ConsentRules.Describe(body.Consent!.GivenAt!.Value, body.Consent.Method!));
        var outcome = await enrolment.EnrolVisitorAsync(visitorId, body, cancellationToken);
        return outcome.Status switch
        {
            VisitorEnrolmentStatus.Enrolled => TypedResults.Ok(new EnrolmentResponse(outcome.VisitorId!, body.CustomerId!, null)),
            VisitorEnrolmentStatus.UnknownVisitor => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown visitor",
                detail: $"No visitor {visitorId} has been seen (or it was erased); only a visitor who was in a branch can be enrolled."),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Already a customer",
                detail: $"Visitor {visitorId} is enrolled as another customer already; a visitor is never re-pointed."),
        };
    }
}
