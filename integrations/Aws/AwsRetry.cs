using Amazon.Runtime;
using Polly;
using Polly.Retry;

namespace NextGenCrm.Integrations.Aws;

/// <summary>The retry policy of the hand-written AWS clients: throttling, 5xx, dropped connections and timeouts.</summary>
internal static class AwsRetry
{
    /// <summary>Checks the retry settings every AWS adapter section has, naming each key.</summary>
    public static void Validate(string section, int maxRetryAttempts, TimeSpan retryDelay, TimeSpan requestTimeout, List<string> errors)
    {
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

    public static ResiliencePipeline Create(int maxRetryAttempts, TimeSpan delay, TimeProvider? timeProvider, Action<int, string?, TimeSpan> onRetry) =>
        Create(maxRetryAttempts, delay, timeProvider, onRetry, AwsErrors.IsTransient);

    /// <summary>
    /// Retries only failures after which the call surely did nothing (throttling): for a call that is not
    /// idempotent, whose caller must find out what a timeout, a dropped connection or a 5xx left behind.
    /// </summary>
    public static ResiliencePipeline CreateUnambiguous(int maxRetryAttempts, TimeSpan delay, TimeProvider? timeProvider, Action<int, string?, TimeSpan> onRetry) =>
        Create(maxRetryAttempts, delay, timeProvider, onRetry, AwsErrors.IsThrottling);

    private static ResiliencePipeline Create(
        int maxRetryAttempts, TimeSpan delay, TimeProvider? timeProvider, Action<int, string?, TimeSpan> onRetry, Func<Exception, bool> retryable)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider ?? TimeProvider.System };
        if (maxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = maxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = delay,
                MaxDelay = TimeSpan.FromSeconds(20),
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && retryable(e)),
                OnRetry = args =>
                {
                    var error = args.Outcome.Exception;
                    onRetry(args.AttemptNumber + 1, (error as AmazonServiceException)?.ErrorCode ?? error?.GetType().Name, args.RetryDelay);
                    return default;
                },
            });
        }
        return builder.Build();
    }
}
