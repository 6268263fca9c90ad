using System.Collections.Concurrent;
using Amazon.Runtime;

namespace NextGenCrm.Integrations.Tests;

/// <summary>Lets a test see the headers an SDK client sent, where the emulator ignores them (fauxqs and S3 encryption).</summary>
public sealed class RecordingHttpClientFactory : HttpClientFactory
{
    public ConcurrentQueue<(HttpMethod Method, Uri Uri, Dictionary<string, string> Headers)> Requests { get; } = new();

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new RecordingHandler(this));

    private sealed class RecordingHandler(RecordingHttpClientFactory owner) : DelegatingHandler(new HttpClientHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
                .ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(',', h.Value));
            owner.Requests.Enqueue((request.Method, request.RequestUri!, headers));
            return base.SendAsync(request, cancellationToken);
        }
    }
}
