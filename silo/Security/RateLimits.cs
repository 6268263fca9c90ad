using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace NextGenCrm.Silo.Security;

/// <summary>
/// The "RateLimits" section: requests per second per client (the token's subject, or the address of a caller without
/// one) on each kind of endpoint, with a burst of twice that. Beyond it: 429 with Retry-After; the edge agent keeps the
/// sightings and sends them later.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";
    public const string Sightings = "sightings";
    public const string Enrolment = "enrolment";
    public const string Reads = "reads";

    /// <summary>Sighting and heartbeat requests (a batch counts once).</summary>
    public int SightingsPerSecond { get; set; } = 200;

    /// <summary>Enrolments, imports and erasures.</summary>
    public int EnrolmentPerSecond { get; set; } = 10;

    /// <summary>Occupancy, visits, cameras, branches and audit reads.</summary>
    public int ReadsPerSecond { get; set; } = 50;

    public static void Add(IServiceCollection services, IConfiguration configuration)
    {
        var options = new RateLimitOptions();
        configuration.GetSection(Section).Bind(options);
        if (options.SightingsPerSecond < 1 || options.EnrolmentPerSecond < 1 || options.ReadsPerSecond < 1)
        {
            throw new Configuration.InvalidSettingException("RateLimits:SightingsPerSecond, EnrolmentPerSecond and ReadsPerSecond must be at least 1.");
        }
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (context, _) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                }
                return ValueTask.CompletedTask;
            };
            limiter.AddPolicy(Sightings, http => PerClient(http, options.SightingsPerSecond));
            limiter.AddPolicy(Enrolment, http => PerClient(http, options.EnrolmentPerSecond));
            limiter.AddPolicy(Reads, http => PerClient(http, options.ReadsPerSecond));
        });
    }

    private static RateLimitPartition<string> PerClient(HttpContext http, int perSecond)
    {
        var client = http.User.Identity?.IsAuthenticated == true
            ? "sub:" + http.Caller().Subject
            : "ip:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        return RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perSecond * 2,
            TokensPerPeriod = perSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }
}
