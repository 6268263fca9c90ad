using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Delivery;
using Polly;

namespace NextGenCrm.EdgeAgent.Hosting;

/// <summary>
/// The agent's outgoing HttpClients, each with a resilience handler (Microsoft.Extensions.Http.Resilience) fitted to
/// what its answer is worth.
/// </summary>
public static class EdgeHttpClients
{
    /// <summary>
    /// The client of the silo's API: the bearer token, the ingress's affinity cookie kept while the silo holds the
    /// branch (<see cref="BranchAffinity"/>; no other cookie), and a timeout per request with no retry here: a sighting
    /// that fails stays in the disk buffer, which sends it again with its own backoff (and survives a restart).
    /// </summary>
    public static HttpClient Silo(SiloOptions silo, ISiloToken? token, ILoggerFactory loggers)
    {
        HttpMessageHandler handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(5), UseCookies = false };
        if (!string.IsNullOrEmpty(silo.AffinityCookie))
        {
            handler = new BranchAffinity(silo.AffinityCookie, loggers.CreateLogger<BranchAffinity>()) { InnerHandler = handler };
        }
        if (token is not null)
        {
            handler = new BearerTokenHandler(token) { InnerHandler = handler };
        }
        handler = new ResilienceHandler(new ResiliencePipelineBuilder<HttpResponseMessage>().AddTimeout(silo.RequestTimeout).Build()) { InnerHandler = handler };
        return new HttpClient(handler)
        {
            BaseAddress = new Uri(silo.BaseUrl.EndsWith('/') ? silo.BaseUrl : silo.BaseUrl + "/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>The OAuth token endpoint (client-credentials grant).</summary>
    public const string TokenEndpoint = "NextGenCrm.Edge.TokenEndpoint";

    /// <summary>The IP cameras' snapshot URLs.</summary>
    public const string CameraSnapshots = "NextGenCrm.Edge.CameraSnapshots";

    /// <summary>A snapshot not in by then is late: the next poll takes a newer one.</summary>
    public static readonly TimeSpan SnapshotAttemptTimeout = TimeSpan.FromSeconds(2);

    public static IServiceCollection AddEdgeHttpClients(this IServiceCollection services)
    {
        // Without a token no sighting goes out, and asking for one again does no harm (each grant is a new token):
        // 5xx, 408, 429 (Retry-After honoured), dropped connections and slow attempts are retried with backoff.
        services.AddHttpClient(TokenEndpoint, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(5) })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .AddResilienceHandler("token", pipeline => pipeline
                .AddTimeout(TimeSpan.FromSeconds(45))
                .AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = 3,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = TimeSpan.FromMilliseconds(500),
                })
                .AddTimeout(TimeSpan.FromSeconds(10)));

        // A late frame is worthless: a short attempt timeout that is never retried (the next poll comes soon), and
        // one quick retry only when the camera refused or failed at once (a dropped connection, a 5xx).
        services.AddHttpClient(CameraSnapshots, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(1) })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .AddResilienceHandler("snapshot", pipeline => pipeline
                .AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = 1,
                    BackoffType = DelayBackoffType.Constant,
                    Delay = TimeSpan.FromMilliseconds(50),
                    ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
                    {
                        { Exception: HttpRequestException } => true,
                        { Result: { } response } => (int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.RequestTimeout,
                        _ => false,
                    }),
                })
                .AddTimeout(SnapshotAttemptTimeout));
        return services;
    }
}
