using Microsoft.Extensions.Options;

namespace NextGenCrm.Silo.Security;

/// <summary>
/// The "RateLimits" section: requests per second per client (the token's subject, or the address of a caller without
/// one) on each kind of endpoint, with a burst of twice that. Beyond it: 429 with Retry-After; the edge agent keeps the
/// sightings and sends them later.
/// </summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";
    public const string Sightings = "sightings";
    public const string Enrolment = "enrolment";
    public const string Reads = "reads";

    /// <summary>Sighting and heartbeat requests (a batch counts once).</summary>
    public int SightingsPerSecond { get; set; } = 200;

    /// <summary>Enrolments, imports and erasures.</summary>
    public int EnrolmentPerSecond { get; set; } = 10;

    /// <summary>Occupancy, visits, cameras, branches and audit reads.</summary>
    public int ReadsPerSecond { get; set; } = 50;
}

public sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options) =>
        options.SightingsPerSecond < 1 || options.EnrolmentPerSecond < 1 || options.ReadsPerSecond < 1
            ? ValidateOptionsResult.Fail("RateLimits:SightingsPerSecond, RateLimits:EnrolmentPerSecond and RateLimits:ReadsPerSecond must be at least 1.")
            : ValidateOptionsResult.Success;
}
