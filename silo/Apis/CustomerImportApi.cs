using NextGenCrm.Silo.Apis.Contracts;
using NextGenCrm.Silo.Apis.Http;
using NextGenCrm.Silo.Enrolment;
using NextGenCrm.Silo.Security;

namespace NextGenCrm.Silo.Apis;

/// <summary>Bulk enrolment from a CSV; the work is <see cref="CustomerImport"/>'s.</summary>
public static class CustomerImportApi
{
    public const int MaxRows = CustomerImport.MaxRows;

    public static IEndpointRouteBuilder MapCustomerImportApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/customers/import", ImportAsync).WithTags("Customers")
            .RequireAuthorization(Policies.Enrolment)
            .RequireRateLimiting(RateLimitOptions.Enrolment)
            .Audited(AuditTrail.Actions.EnrolCustomer, (http, value, audit, status) => value is ImportResponse import
                ? import.Rows.Select(r => audit.Entry(http, AuditTrail.Actions.EnrolCustomer, r.Status == "enrolled" ? 201 : 422, customerId: r.CustomerId,
                    detail: $"import line {r.Line}: {r.Status}{(r.Status == "enrolled" ? $"; {r.Consent}" : "")}"))
                : [audit.Entry(http, AuditTrail.Actions.EnrolCustomer, status, detail: "import refused as a whole")])
            .WithSummary($"Enrols up to {CustomerImport.MaxRows} customers from a CSV ({CustomerImport.Columns}); one result per row.")
            .WithRequestSizeLimit(CustomerImport.MaxBodyBytes)
            .Accepts<string>("text/csv")
            .Produces<ImportResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return app;
    }

    private static async Task<Results<Ok<ImportResponse>, ProblemHttpResult>> ImportAsync(HttpRequest request, CustomerImport import, CancellationToken cancellationToken)
    {
        if (!string.Equals(request.ContentType?.Split(';')[0].Trim(), "text/csv", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type", detail: "Send the customers as text/csv.");
        }
        // The server stops a body past the endpoint's size limit (413); what arrives is whole.
        using var body = new StreamReader(request.Body);
        var outcome = await import.ImportAsync(new StringReader(await body.ReadToEndAsync(cancellationToken)), cancellationToken);
        return outcome.Response is { } response
            ? TypedResults.Ok(response)
            : TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Malformed CSV", detail: outcome.Malformed);
    }
}
