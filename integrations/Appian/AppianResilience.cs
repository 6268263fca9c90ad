using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace NextGenCrm.Integrations.Appian;

/// <summary>
/// The Appian client's resilience, in its HttpClient's handler (Microsoft.Extensions.Http.Resilience): 5xx, 408, 429,
/// timeouts and dropped connections are retried with jittered exponential backoff (429 and 503 honour Retry-After),
/// each attempt within <see cref="AppianOptions.Timeout"/>. Retrying the task's POST is safe only because every
/// attempt carries the visit id as its <c>Idempotency-Key</c> (Appian answers a repeat with the first task or 409);
/// 4xx answers are never retried here: the assigner tells blocked from refused.
/// </summary>
public static partial class AppianResilience
{
    public const string PipelineName = "appian";

    /// <summary>Adds the retry (outer) and the per-attempt timeout (inner) to <paramref name="builder"/>.</summary>
    public static ResiliencePipelineBuilder<HttpResponseMessage> AddAppianStrategies(
        this ResiliencePipelineBuilder<HttpResponseMessage> builder, AppianOptions options, ILogger logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var time = timeProvider ?? TimeProvider.System;
        builder.TimeProvider = time;
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                MaxDelay = TimeSpan.FromSeconds(30),
                // Our own Retry-After handling below (bounded by MaxRetryAfter), not the handler's.
                ShouldRetryAfterHeader = false,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.Context.CancellationToken)),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, options, time)),
                OnRetry = args =>
                {
                    LogRetry(logger, args.AttemptNumber + 1, args.Outcome.Result is { } r ? (int)r.StatusCode : 0,
                        args.Outcome.Exception?.GetType().Name, args.RetryDelay);
                    return default;
                },
            });
        }
        return builder.AddTimeout(options.Timeout);
    }

    /// <summary>An HttpClient with the Appian strategies in its handler, for a host without IHttpClientFactory (tests, tools).</summary>
    public static HttpClient CreateClient(AppianOptions options, ILogger logger, TimeProvider? timeProvider = null, HttpMessageHandler? inner = null)
    {
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>().AddAppianStrategies(options, logger, timeProvider).Build();
        return new HttpClient(new ResilienceHandler(pipeline) { InnerHandler = inner ?? new SocketsHttpHandler() })
        {
            // Per-attempt timeouts are the pipeline's job.
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    internal static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;

    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, CancellationToken callerToken) => outcome switch
    {
        { Result: { } response } => IsTransient(response.StatusCode),
        { Exception: TimeoutRejectedException or HttpRequestException } => true,
        // A connection timeout surfaces as a cancellation the caller did not ask for.
        { Exception: OperationCanceledException } => !callerToken.IsCancellationRequested,
        _ => false,
    };

    private static TimeSpan? RetryAfter(HttpResponseMessage? response, AppianOptions options, TimeProvider time)
    {
        var retryAfter = response?.Headers.RetryAfter;
        if (retryAfter is null)
        {
            return null;
        }
        var wait = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - time.GetUtcNow() : null);
        if (wait is null)
        {
            return null;
        }
        return wait.Value < TimeSpan.Zero ? TimeSpan.Zero : wait.Value > options.MaxRetryAfter ? options.MaxRetryAfter : wait;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Appian attempt {Attempt} failed (status {StatusCode}, {Exception}); retrying in {Delay}")]
    private static partial void LogRetry(ILogger logger, int attempt, int statusCode, string? exception, TimeSpan delay);
}
