using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using NextGenCrm.ServiceDefaults;

namespace NextGenCrm.Silo.Security;

/// <summary>Requests per second per client (the token's subject, or the address of a caller without one).</summary>
public static class RateLimits
{
    /// <summary>The three policies, each a token bucket per client at its <see cref="RateLimitOptions"/> rate.</summary>
    public static IServiceCollection AddRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<RateLimitOptions, RateLimitOptionsValidator>(RateLimitOptions.SectionName);
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
            limiter.AddPolicy(RateLimitOptions.Sightings, http => PerClient(http, Limits(http).SightingsPerSecond));
            limiter.AddPolicy(RateLimitOptions.Enrolment, http => PerClient(http, Limits(http).EnrolmentPerSecond));
            limiter.AddPolicy(RateLimitOptions.Reads, http => PerClient(http, Limits(http).ReadsPerSecond));
        });
        return services;
    }

    private static RateLimitOptions Limits(HttpContext http) => http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;

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
        var client = RateLimits.ClientOf(http);
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
