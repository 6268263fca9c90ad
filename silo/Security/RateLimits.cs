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
            var throttled = new ThrottleAudit();
            limiter.OnRejected = async (context, _) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                }
                await throttled.RecordAsync(context.HttpContext);
            };
            limiter.AddPolicy(Sightings, http => PerClient(http, options.SightingsPerSecond));
            limiter.AddPolicy(Enrolment, http => PerClient(http, options.EnrolmentPerSecond));
            limiter.AddPolicy(Reads, http => PerClient(http, options.ReadsPerSecond));
        });
    }

    internal static string ClientOf(HttpContext http) => http.User.Identity?.IsAuthenticated == true
        ? "sub:" + http.Caller().Subject
        : "ip:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    private static RateLimitPartition<string> PerClient(HttpContext http, int perSecond)
    {
        var client = ClientOf(http);
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

/// <summary>
/// A client held back by the rate limit leaves an audit entry ("throttled", 429): the first refusal, then at most one a
/// minute while it keeps trying, so a client hammering the API cannot turn each refused request into an audit write.
/// The clients remembered are bounded; when full, the entries older than the minute are dropped first.
/// </summary>
internal sealed class ThrottleAudit
{
    internal static readonly TimeSpan Every = TimeSpan.FromMinutes(1);
    private const int MaxClients = 10_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _lastAudited = new(StringComparer.Ordinal);

    public async Task RecordAsync(HttpContext http)
    {
        var now = Environment.TickCount64;
        var client = RateLimitOptions.ClientOf(http);
        if (_lastAudited.TryGetValue(client, out var last) && now - last < Every.TotalMilliseconds)
        {
            return;
        }
        if (_lastAudited.Count >= MaxClients)
        {
            foreach (var (key, at) in _lastAudited)
            {
                if (now - at >= Every.TotalMilliseconds)
                {
                    _lastAudited.TryRemove(new KeyValuePair<string, long>(key, at));
                }
            }
            if (_lastAudited.Count >= MaxClients)
            {
                return; // ten thousand clients throttled within a minute: the ones already recorded say enough
            }
        }
        _lastAudited[client] = now;
        var audit = http.RequestServices.GetRequiredService<AuditTrail>();
        var path = $"{http.Request.Method} {http.Request.Path}";
        await audit.TryWriteAsync(audit.Entry(http, AuditTrail.Actions.Throttled, StatusCodes.Status429TooManyRequests,
            branchId: http.GetRouteValue("branchId") as string,
            detail: (path.Length > 160 ? path[..160] : path) + " (rate limit; further refusals of this client within a minute are not recorded)"));
    }
}
