using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Ingest;

namespace NextGenCrm.Silo.Apis.Contracts;

// What the v1 API accepts: camelCase JSON, unknown fields refused. Each request checks its own shape
// (IValidatableObject, run by minimal-API validation before the handler); what needs the cluster is the handler's.
// The sighting (NextGenCrm.Contracts.SightingRequest) is shared with the edge agent and checked by SightingValidator.

/// <summary>Body of POST /api/v1/branches/{branchId}/cameras/{cameraId}/heartbeat: an edge agent's report on one camera.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record HeartbeatRequest(
    DateTimeOffset? SentAt, double? FramesPerSecond, long? FacesSeen, long? SightingsSent,
    long? BufferDepth, long? BufferDropped, string? Status, string? AgentVersion) : IValidatableObject
{
    public const int MaxBodyBytes = 16 * 1024;
    private static readonly string[] Statuses = ["ok", "degraded", "offline"];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (SentAt is null) yield return Problem("sentAt", "sentAt is required.");
        if (FramesPerSecond is < 0 or > 1000) yield return Problem("framesPerSecond", "framesPerSecond must be between 0 and 1000.");
        if (FacesSeen < 0 || SightingsSent < 0 || BufferDepth < 0 || BufferDropped < 0) yield return Problem("counters", "Counters must not be negative.");
        if (Status is not null && !Statuses.Contains(Status, StringComparer.Ordinal)) yield return Problem("status", "status must be one of ok, degraded, offline.");
        if (AgentVersion is { Length: > 64 }) yield return Problem("agentVersion", "agentVersion is at most 64 characters.");
    }

    internal static ValidationResult Problem(string field, string message) => new(message, [field]);
}

/// <summary>
/// The customer's consent to have their face recognised, as the staff member enrolling them records it: when it was
/// given and how. Who recorded it is the token's subject. Kept in the audit log with the enrolment; withdrawn by
/// erasing the customer (DELETE /api/v1/customers/{id}), which the audit log shows too.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ConsentRequest(DateTimeOffset? GivenAt, string? Method);

/// <summary>Body of POST /api/v1/customers/{customerId}/faces: exactly one of image, faceToken (simulated search) or faceDescriptor (on-premises search).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record FaceEnrolmentRequest(string? Name, string? Phone, string? Image, string? FaceToken, ConsentRequest? Consent, float[]? FaceDescriptor = null)
    : IValidatableObject
{
    public const int MaxBodyBytes = 1024 * 1024;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var errors = CustomerRules.Check(customerId: null, Name, Phone);
        ConsentRules.Check(this.Consent?.GivenAt, this.Consent?.Method, DateTimeOffset.UtcNow, errors);
        FaceInputs.CheckEnrolment(this, validationContext.GetRequiredService<FaceSearchSelection>(), errors);
        return CustomerRules.AsResults(errors);
    }
}

/// <summary>Body of POST /api/v1/visitors/{visitorId}/enrol: who the anonymous visitor is, and their consent.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record VisitorEnrolmentRequest(string? CustomerId, string? Name, string? Phone, ConsentRequest? Consent) : IValidatableObject
{
    public const int MaxBodyBytes = 16 * 1024;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var errors = CustomerRules.Check(CustomerId, Name, Phone, idRequired: true);
        ConsentRules.Check(this.Consent?.GivenAt, this.Consent?.Method, DateTimeOffset.UtcNow, errors);
        return CustomerRules.AsResults(errors);
    }
}

/// <summary>The query of GET /api/v1/audit: branch, subject and time range (default the last 24 h).</summary>
public sealed record AuditQueryRequest(
    string? BranchId, string? Subject, DateTimeOffset? From, DateTimeOffset? To) : IValidatableObject
{
    /// <summary>The end of the range: <see cref="To"/>, or a minute from now.</summary>
    public DateTimeOffset Until { get; } = To ?? DateTimeOffset.UtcNow.AddMinutes(1);

    /// <summary>The start of the range: <see cref="From"/>, or a day before <see cref="Until"/>.</summary>
    public DateTimeOffset Since => From ?? Until.AddDays(-1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BranchId is not null && !SightingValidator.IsValidId(BranchId)) yield return HeartbeatRequest.Problem("branchId", SightingValidator.IdRule("branchId"));
        if (Subject is { Length: 0 or > 256 }) yield return HeartbeatRequest.Problem("subject", "subject is 1-256 characters.");
        var (since, until) = (Since, Until);
        if (since >= until || until - since > TimeSpan.FromDays(31)) yield return HeartbeatRequest.Problem("from", "from must be before to, at most 31 days apart.");
    }
}
