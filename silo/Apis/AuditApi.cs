using NextGenCrm.Ports;
using NextGenCrm.Silo.Ingest;
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
            .ProducesValidationProblem();
        return app;
    }

    private static async Task<Results<Ok<IReadOnlyList<AuditEntry>>, ValidationProblem, ProblemHttpResult>> ReadAsync(
        string? branchId, string? subject, DateTimeOffset? from, DateTimeOffset? to, IAuditLog log, AuditTrail audit, HttpContext http, CancellationToken cancellationToken)
    {
        var until = to ?? DateTimeOffset.UtcNow.AddMinutes(1);
        var since = from ?? until.AddDays(-1);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (branchId is not null && !SightingValidator.IsValidId(branchId))
        {
            errors["branchId"] = [SightingValidator.IdRule("branchId")];
        }
        if (subject is { Length: 0 or > 256 })
        {
            errors["subject"] = ["subject is 1-256 characters."];
        }
        if (since >= until || until - since > TimeSpan.FromDays(31))
        {
            errors["from"] = ["from must be before to, at most 31 days apart."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The audit query is not valid");
        }
        // Reading the log is itself recorded, before it is answered.
        try
        {
            await audit.WriteAsync(audit.Entry(http, AuditTrail.Actions.ReadAudit, StatusCodes.Status200OK, branchId,
                detail: subject is null ? null : $"subject filter set"), CancellationToken.None);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            return AuditTrail.NotAudited();
        }
        return TypedResults.Ok(await log.ReadAsync(new AuditQuery(since, until, branchId, subject, MaxEntries), cancellationToken));
    }
}
