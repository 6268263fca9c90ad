using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading.RateLimiting;
using NextGenCrm.Aws.Rekognition.Model;
using Polly.RateLimiting;
using Polly.Timeout;

namespace NextGenCrm.Aws.Rekognition;

/// <summary>
/// Rekognition over AWS JSON 1.1 through an <see cref="HttpClient"/> whose handlers sign each attempt and retry
/// (<see cref="AwsSigningHandler"/>, <see cref="AwsResilience"/>); its base address is the service endpoint.
/// </summary>
public sealed class AmazonRekognitionClient(HttpClient http) : IAmazonRekognition
{
    private static readonly MediaTypeHeaderValue ContentType = new("application/x-amz-json-1.1");

    public Task<CreateCollectionResponse> CreateCollectionAsync(CreateCollectionRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync<CreateCollectionRequest, CreateCollectionResponse>("CreateCollection", request, cancellationToken);

    public Task<DescribeCollectionResponse> DescribeCollectionAsync(DescribeCollectionRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync<DescribeCollectionRequest, DescribeCollectionResponse>("DescribeCollection", request, cancellationToken);

    public Task<SearchUsersByImageResponse> SearchUsersByImageAsync(SearchUsersByImageRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync<SearchUsersByImageRequest, SearchUsersByImageResponse>("SearchUsersByImage", request, cancellationToken);

    public Task<SearchFacesByImageResponse> SearchFacesByImageAsync(SearchFacesByImageRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync<SearchFacesByImageRequest, SearchFacesByImageResponse>("SearchFacesByImage", request, cancellationToken);

    /// <summary>
    /// IndexFaces stores a face on every call, so only throttling is retried here: after a timeout, a dropped
    /// connection or a 5xx the caller looks for the face before indexing again. (The SDK's client retries it as any
    /// other call; a caller moving to it keeps that look-up.)
    /// </summary>
    public Task<IndexFacesResponse> IndexFacesAsync(IndexFacesRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync<IndexFacesRequest, IndexFacesResponse>("IndexFaces", request, cancellationToken, retryAmbiguousFailures: false);

    public Task<DeleteFacesResponse> DeleteFacesAsync(DeleteFacesRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync<DeleteFacesRequest, DeleteFacesResponse>("DeleteFaces", request, cancellationToken);

    public Task<CreateUserResponse> CreateUserAsync(CreateUserRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync<CreateUserRequest, CreateUserResponse>("CreateUser", request, cancellationToken);

    public Task<DeleteUserResponse> DeleteUserAsync(DeleteUserRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync<DeleteUserRequest, DeleteUserResponse>("DeleteUser", request, cancellationToken);

    public Task<AssociateFacesResponse> AssociateFacesAsync(AssociateFacesRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync<AssociateFacesRequest, AssociateFacesResponse>("AssociateFaces", request, cancellationToken);

    public Task<ListFacesResponse> ListFacesAsync(ListFacesRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync<ListFacesRequest, ListFacesResponse>("ListFaces", request, cancellationToken);

    private async Task<TResponse> InvokeAsync<TRequest, TResponse>(
        string operation, TRequest request, CancellationToken cancellationToken, bool retryAmbiguousFailures = true)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var span = VisitTracing.StartCall("rekognition", operation);
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, "")
            {
                Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(request, RekognitionJson.Options)),
            };
            message.Content.Headers.ContentType = ContentType;
            message.Headers.TryAddWithoutValidation("X-Amz-Target", "RekognitionService." + operation);
            message.Options.Set(AwsResilience.RetryAmbiguousFailures, retryAmbiguousFailures);
            using var response = await http.SendAsync(message, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw await AwsErrors.ToExceptionAsync(response, "Rekognition " + operation,
                    (text, type, code, id, status) => new AmazonRekognitionException(text, type, code, id, status), cancellationToken);
            }
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            return await JsonSerializer.DeserializeAsync<TResponse>(stream, RekognitionJson.Options, cancellationToken)
                ?? throw new InvalidOperationException($"Rekognition {operation} answered with an empty body.");
        }
        catch (TimeoutRejectedException e)
        {
            span.Failed(e);
            throw new TimeoutException($"Rekognition {operation} did not answer within {e.Timeout.TotalSeconds:0.###} s.", e);
        }
        catch (RateLimiterRejectedException e)
        {
            span.Failed(e);
            throw new InvalidOperationException(
                $"Rekognition {operation} refused locally: more than FaceSearch:MaxQueuedRequests calls are waiting for the rate limit.", e);
        }
        catch (Exception e)
        {
            span.Failed(e);
            throw;
        }
    }
}

/// <summary>
/// The permits of this silo's share of the account's Rekognition quota: each attempt, retries included, takes one;
/// calls beyond it wait in a queue.
/// </summary>
public sealed class RekognitionRateLimit(double maxRequestsPerSecond, int maxQueuedRequests) : IAsyncDisposable, IDisposable
{
    // Permits are spaced 25 % wider than 1/TPS: the service counts arrivals, and a stalled sender or
    // network jitter bunches evenly sent calls. With 10 % a loaded test machine saw 9 arrivals within
    // one second against a limit of 8; the quota is a hard line, so the margin is taken from throughput.
    private const double Headroom = 1.25;

    public RateLimiter Limiter { get; } = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
    {
        TokenLimit = 1,
        TokensPerPeriod = 1,
        ReplenishmentPeriod = TimeSpan.FromSeconds(Headroom / maxRequestsPerSecond),
        QueueLimit = maxQueuedRequests,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        AutoReplenishment = true,
    });

    public ValueTask DisposeAsync() => Limiter.DisposeAsync();

    public void Dispose() => Limiter.Dispose();
}
