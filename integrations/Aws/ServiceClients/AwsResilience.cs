using System.Threading.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace NextGenCrm.Aws;

/// <summary>Retry and timeout of the calls to one AWS service (each service's options section carries them).</summary>
public sealed record AwsCallPolicy(int MaxRetryAttempts, TimeSpan RetryDelay, TimeSpan RequestTimeout)
{
    /// <summary>Checks the retry settings every AWS client section has, naming each key.</summary>
    public static void Validate(string section, int maxRetryAttempts, TimeSpan retryDelay, TimeSpan requestTimeout, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (maxRetryAttempts is < 0 or > 20)
        {
            errors.Add($"{section}:MaxRetryAttempts must be between 0 and 20.");
        }
        if (retryDelay <= TimeSpan.Zero)
        {
            errors.Add($"{section}:RetryDelay must be positive.");
        }
        if (requestTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{section}:RequestTimeout must be positive.");
        }
    }
}

/// <summary>
/// The resilience handler (Microsoft.Extensions.Http.Resilience) of the hand-written AWS clients: retries throttling
/// (the AWS error code read from the body), 5xx, dropped connections and timed-out attempts with jittered exponential
/// backoff; optionally a permit of a rate limiter per attempt; a timeout per attempt that starts once the permit is
/// given. The signing handler sits inside it, so every attempt is signed afresh.
/// </summary>
public static partial class AwsResilience
{
    /// <summary>
    /// Set to false on a request that is not idempotent (IndexFaces): only throttling, after which the service surely
    /// did nothing, is retried; after a timeout, a dropped connection or a 5xx the caller finds out what was done.
    /// </summary>
    public static readonly HttpRequestOptionsKey<bool> RetryAmbiguousFailures = new("NextGenCrm.Aws.RetryAmbiguousFailures");

    public static IHttpClientBuilder AddAwsResilienceHandler(
        this IHttpClientBuilder builder, string service, Func<IServiceProvider, AwsCallPolicy> policy, Func<IServiceProvider, RateLimiter>? permits = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddResilienceHandler(service, (pipeline, context) =>
        {
            var settings = policy(context.ServiceProvider);
            var logger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("NextGenCrm.Aws." + service);
            if (settings.MaxRetryAttempts > 0)
            {
                pipeline.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
                {
                    MaxRetryAttempts = settings.MaxRetryAttempts,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = settings.RetryDelay,
                    MaxDelay = TimeSpan.FromSeconds(20),
                    ShouldHandle = ShouldRetryAsync,
                    OnRetry = args =>
                    {
                        var error = args.Outcome.Exception?.GetType().Name ?? $"{(int)args.Outcome.Result!.StatusCode}";
                        Log.Retrying(logger, service, args.AttemptNumber + 1, error, args.RetryDelay);
                        return default;
                    },
                });
            }
            if (permits is not null)
            {
                pipeline.AddRateLimiter(permits(context.ServiceProvider));
            }
            pipeline.AddTimeout(settings.RequestTimeout);
        });
        return builder;
    }

    private static async ValueTask<bool> ShouldRetryAsync(RetryPredicateArguments<HttpResponseMessage> args)
    {
        var retryAmbiguous = args.Context.GetRequestMessage() is not { } request
            || !request.Options.TryGetValue(RetryAmbiguousFailures, out var value) || value;
        if (args.Outcome.Exception is { } failure)
        {
            // A rate-limit refusal (the local queue is full) is not the service's answer: it goes to the caller.
            return retryAmbiguous && failure is HttpRequestException or TimeoutRejectedException;
        }
        if (args.Outcome.Result is not { IsSuccessStatusCode: false } response)
        {
            return false;
        }
        var (code, _) = await AwsErrors.ReadErrorAsync(response, args.Context.CancellationToken);
        return AwsErrors.IsThrottling(code) || (retryAmbiguous && (int)response.StatusCode >= 500);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "{Service} attempt {Attempt} failed with {Error}; retrying in {Delay}")]
        public static partial void Retrying(ILogger logger, string service, int attempt, string error, TimeSpan delay);
    }
}

/// <summary>Calls <paramref name="onThrottled"/> for each attempt the service refused for its rate (a metric).</summary>
public sealed class AwsThrottleObserver(Action onThrottled) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode && AwsErrors.IsThrottling((await AwsErrors.ReadErrorAsync(response, cancellationToken)).Code))
        {
            onThrottled();
        }
        return response;
    }
}
