using System.Text.Json;
using System.Threading.RateLimiting;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using Polly;

namespace NextGenCrm.Integrations.Aws;

/// <summary>
/// Calls Rekognition operations over AWS JSON 1.1: a client-side rate limiter keeps this silo under
/// its share of the account quota (excess calls queue), and throttling, 5xx and timeouts are
/// retried with jittered exponential backoff. Each retry takes a fresh permit from the limiter.
/// </summary>
public sealed partial class RekognitionClient : IAsyncDisposable
{
    private const string ContentType = "application/x-amz-json-1.1";

    // Permits are spaced 25 % wider than 1/TPS: the service counts arrivals, and a stalled sender or
    // network jitter bunches evenly sent calls. With 10 % a loaded test machine saw 9 arrivals within
    // one second against a limit of 8; the quota is a hard line, so the margin is taken from throughput.
    private const double Headroom = 1.25;

    private readonly AwsSignedHttp _http;
    private readonly TokenBucketRateLimiter _limiter;
    private readonly ResiliencePipeline _retry;
    private readonly ResiliencePipeline _retryUnambiguous;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;

    private readonly VisitMetrics? _metrics;

    public RekognitionClient(AwsSignedHttp http, FaceSearchOptions options, ILogger logger, TimeProvider? timeProvider = null, VisitMetrics? metrics = null)
    {
        _metrics = metrics;
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _logger = logger;
        _timeout = options.RequestTimeout;
        _limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = 1,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromSeconds(Headroom / options.MaxRequestsPerSecond),
            QueueLimit = options.MaxQueuedRequests,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
        _retry = AwsRetry.Create(options.MaxRetryAttempts, options.RetryDelay, timeProvider, LogRetry);
        _retryUnambiguous = AwsRetry.CreateUnambiguous(options.MaxRetryAttempts, options.RetryDelay, timeProvider, LogRetry);
    }

    /// <summary>
    /// Calls <paramref name="operation"/> and reads its answer; an error answer throws <see cref="AmazonServiceException"/>.
    /// With <paramref name="idempotent"/> false only throttling is retried here: a timeout, a dropped connection
    /// or a 5xx may have done the work, and the caller finds out before calling again.
    /// </summary>
    public async Task<TResponse> CallAsync<TRequest, TResponse>(string operation, TRequest request, CancellationToken cancellationToken, bool idempotent = true)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(request, RekognitionJson.Options);
        var headers = new Dictionary<string, string> { ["X-Amz-Target"] = "RekognitionService." + operation };
        using var span = VisitTracing.StartCall("rekognition", operation);
        try
        {
            return await (idempotent ? _retry : _retryUnambiguous).ExecuteAsync(
                async ct => await AttemptAsync<TResponse>(operation, body, headers, ct),
                cancellationToken);
        }
        catch (Exception failure)
        {
            span.Failed(failure);
            throw;
        }
    }

    private async Task<TResponse> AttemptAsync<TResponse>(string operation, byte[] body, Dictionary<string, string> headers, CancellationToken cancellationToken)
    {
        using var lease = await _limiter.AcquireAsync(1, cancellationToken);
        if (!lease.IsAcquired)
        {
            throw new InvalidOperationException(
                $"Rekognition {operation} refused locally: more than {FaceSearchOptions.SectionName}:MaxQueuedRequests calls are waiting for the rate limit.");
        }
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(_timeout);
        try
        {
            using var response = await _http.PostAsync(body, ContentType, headers, attempt.Token);
            if (!response.IsSuccessStatusCode)
            {
                var error = await AwsErrors.FromJsonResponseAsync(response, "Rekognition " + operation, attempt.Token);
                if (AwsErrors.IsThrottling(error))
                {
                    _metrics?.RekognitionThrottled();
                }
                throw error;
            }
            await using var stream = await response.Content.ReadAsStreamAsync(attempt.Token);
            return await JsonSerializer.DeserializeAsync<TResponse>(stream, RekognitionJson.Options, attempt.Token)
                ?? throw new InvalidOperationException($"Rekognition {operation} answered with an empty body.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Rekognition {operation} did not answer within {_timeout.TotalSeconds:0.###} s.");
        }
    }

    public ValueTask DisposeAsync() => _limiter.DisposeAsync();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rekognition attempt {Attempt} failed with {ErrorCode}; retrying in {Delay}")]
    private partial void LogRetry(int attempt, string? errorCode, TimeSpan delay);
}
