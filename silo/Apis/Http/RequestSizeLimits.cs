using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace NextGenCrm.Silo.Apis.Http;

/// <summary>
/// A body-size limit as endpoint metadata. Routing hands it to the server's per-request limit
/// (<see cref="IHttpMaxRequestBodySizeFeature"/>; Kestrel's MaxRequestBodySize), which refuses a larger declared
/// Content-Length before the body is read and stops a chunked one as soon as it passes the limit; either is answered
/// 413 by <see cref="ApiProblems"/>.
/// </summary>
public sealed class RequestSizeLimit(Func<long> limit) : IRequestSizeLimitMetadata
{
    public long? MaxRequestBodySize => limit();
}

public static class RequestSizeLimits
{
    public static TBuilder WithRequestSizeLimit<TBuilder>(this TBuilder endpoint, long bytes) where TBuilder : IEndpointConventionBuilder =>
        endpoint.WithMetadata(new RequestSizeLimit(() => bytes));

    /// <summary>A limit read from configuration (options), resolved when the first request asks for it.</summary>
    public static TBuilder WithRequestSizeLimit<TBuilder>(this TBuilder endpoint, IServiceProvider services, Func<IServiceProvider, long> bytes)
        where TBuilder : IEndpointConventionBuilder
    {
        var limit = new Lazy<long>(() => bytes(services));
        return endpoint.WithMetadata(new RequestSizeLimit(() => limit.Value));
    }
}

/// <summary>
/// For a server without a per-request body limit (the in-memory test server): the same limit, applied the way Kestrel
/// does, so that the endpoints' metadata means the same on every server. First in the pipeline, before routing.
/// </summary>
internal sealed class RequestSizeLimitFallback : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((http, following) =>
        {
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is null)
            {
                var limited = new LimitedBody(http.Request.Body, http.Request.ContentLength);
                http.Features.Set<IHttpMaxRequestBodySizeFeature>(limited);
                http.Request.Body = limited;
            }
            return following(http);
        });
        next(app);
    };

    private sealed class LimitedBody(Stream inner, long? declared) : Stream, IHttpMaxRequestBodySizeFeature
    {
        private long _read;
        private bool _started;

        public bool IsReadOnly => _started;

        public long? MaxRequestBodySize { get; set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, Allowed(count)));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Counted(await inner.ReadAsync(buffer[..Allowed(buffer.Length)], cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Allowed(int count)
        {
            _started = true;
            if (MaxRequestBodySize is { } max && (declared > max || _read > max))
            {
                throw TooLarge();
            }
            return count;
        }

        private int Counted(int read)
        {
            _read += read;
            return MaxRequestBodySize is { } max && _read > max ? throw TooLarge() : read;
        }

        private static BadHttpRequestException TooLarge() => new("Request body too large.", StatusCodes.Status413PayloadTooLarge);

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
