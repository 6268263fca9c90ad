using Microsoft.Extensions.Options;
using NextGenCrm.Ports;

namespace NextGenCrm.Silo.Security;

/// <summary>What the API writes into the audit log, with who asked and from where taken from the request.</summary>
public sealed partial class AuditTrail(IAuditLog log, IOptions<AuthOptions> options, TimeProvider clock, ILogger<AuditTrail> logger)
{
    public static class Actions
    {
        public const string Identification = "identification";
        public const string ReadOccupancy = "read-occupancy";
        public const string ReadVisits = "read-visits";
        public const string ReadAudit = "read-audit";
        public const string EnrolCustomer = "enrol-customer";
        public const string EnrolVisitor = "enrol-visitor";
        public const string EraseCustomer = "erase-customer";
        public const string EraseVisitor = "erase-visitor";
        public const string Refused = "refused";
        public const string Throttled = "throttled";
    }

    public AuditEntry Entry(HttpContext http, string action, int status, string? branchId = null, string? visitorId = null, string? customerId = null, string? detail = null) =>
        Entry(http.Caller(options.Value).Subject, http.Connection.RemoteIpAddress?.ToString(), action, status, branchId, visitorId, customerId, detail);

    public AuditEntry Entry(string subject, string? source, string action, int status, string? branchId = null, string? visitorId = null, string? customerId = null, string? detail = null) =>
        new(AuditEntry.NewId(), clock.GetUtcNow(), subject, action, branchId, visitorId, customerId, source, status, detail);

    /// <summary>Writes the entries; throws when they could not be written, so what they record is not answered.</summary>
    public Task WriteAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken) =>
        log.AppendAsync(entries, cancellationToken);

    public Task WriteAsync(AuditEntry entry, CancellationToken cancellationToken) => log.AppendAsync([entry], cancellationToken);

    /// <summary>For refusals: the request is refused whatever becomes of its entry, so a failed write is only logged.</summary>
    public async Task TryWriteAsync(AuditEntry entry)
    {
        try
        {
            await log.AppendAsync([entry], CancellationToken.None);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            LogNotWritten(entry.Action, failure.GetType().Name);
        }
    }

    /// <summary>503 for a personal read (or an identification) whose audit entry could not be written: no unaudited reads.</summary>
    public static ProblemHttpResult NotAudited() => TypedResults.Problem(
        statusCode: StatusCodes.Status503ServiceUnavailable,
        title: "Not answered",
        detail: "The audit log could not record this request, so it is not answered. Try again.");

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit entry {Action} not written: {Error}")]
    private partial void LogNotWritten(string action, string error);
}
