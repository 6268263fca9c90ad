using NextGenCrm.Ports;
using NextGenCrm.Silo.Apis.Contracts;
using NextGenCrm.Silo.Apis.Http;
using NextGenCrm.Silo.Security;

namespace NextGenCrm.Silo.Apis;

public static class AuditApi
{
    private const int MaxEntries = 1000;

    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/audit", ReadAsync).WithTags("Audit")
            .RequireAuthorization(Policies.Privacy)
            .RequireRateLimiting(RateLimitOptions.Reads)
            .WithSummary("The audit log (privacy role): identifications, staff reads that named a person, enrolments, erasures, refused requests; filter by branchId, subject and time (from, to; default the last 24 h), oldest first, at most 1000.")
            .WithValidationTitle("The audit query is not valid")
            .ProducesValidationProblem();
        return app;
    }

    private static async Task<Results<Ok<IReadOnlyList<AuditEntryResponse>>, ProblemHttpResult>> ReadAsync(
        [AsParameters] AuditQueryRequest query, IAuditLog log, AuditTrail audit, HttpContext http, CancellationToken cancellationToken)
    {
        // Reading the log is itself recorded, before it is answered.
        try
        {
            await audit.WriteAsync(audit.Entry(http, AuditTrail.Actions.ReadAudit, StatusCodes.Status200OK, query.BranchId,
                detail: query.Subject is null ? null : "subject filter set"), CancellationToken.None);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            return AuditTrail.NotAudited();
        }
        var entries = await log.ReadAsync(new AuditQuery(query.Since, query.Until, query.BranchId, query.Subject, MaxEntries), cancellationToken);
        return TypedResults.Ok<IReadOnlyList<AuditEntryResponse>>([.. entries.Select(AuditEntryResponse.From)]);
    }
}
