using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace NextGenCrm.TestSupport;

/// <summary>
/// A loopback stand-in for Amazon Rekognition (AWS JSON 1.1). It checks what the service checks
/// (POST /, <c>X-Amz-Target</c>, the JSON content type, a SigV4 signature recomputed from the test
/// secret), keeps face collections in memory, and can throttle, fail with 5xx or be slow. It counts
/// calls and measures the peak number of calls that arrived within any one second.
/// Test images are <see cref="Face"/> bytes naming a person; any other bytes hold no face.
/// </summary>
public sealed class FakeRekognition : IAsyncDisposable
{
    public const string AccessKey = "AKIDFAKEREKOGNITION";
    public const string SecretKey = "fake-rekognition-secret";
    private const string TargetPrefix = "RekognitionService.";

    private readonly WebApplication _app;
    private readonly SigV4Verifier _verifier;
    private readonly FakeRekognitionCollections _collections = new();
    private readonly ConcurrentDictionary<string, int> _callsByOperation = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _throttledOnce = new(StringComparer.Ordinal);
    private readonly List<long> _arrivals = [];
    private int _throttleNext;
    private int _failNext;
    private int _throttled;
    private int _rejectedSignatures;

    private FakeRekognition(WebApplication app, Uri serviceUrl, string region)
    {
        _app = app;
        ServiceUrl = serviceUrl;
        Region = region;
        _verifier = new SigV4Verifier("rekognition", region, new Dictionary<string, string> { [AccessKey] = SecretKey });
    }

    public Uri ServiceUrl { get; }
    public string Region { get; }

    /// <summary>Time taken before answering each call.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Throttles the first attempt of every distinct request, so half of all calls are throttled.</summary>
    public bool ThrottleFirstAttemptOfEachRequest { get; set; }

    /// <summary>The error code of throttled calls: ProvisionedThroughputExceededException (400) or ThrottlingException (500).</summary>
    public string ThrottleCode { get; set; } = "ProvisionedThroughputExceededException";

    public int Calls => _callsByOperation.Values.Sum();
    public int Throttled => Volatile.Read(ref _throttled);
    public int RejectedSignatures => Volatile.Read(ref _rejectedSignatures);
    public int CallsTo(string operation) => _callsByOperation.GetValueOrDefault(operation);

    /// <summary>Faces held in a collection, by face id.</summary>
    public IReadOnlyDictionary<string, string> FacesIn(string collectionId) => _collections.Faces(collectionId);

    /// <summary>The most calls (any outcome) that arrived within one second, over the fake's life.</summary>
    public int PeakCallsPerSecond
    {
        get
        {
            long[] arrivals;
            lock (_arrivals)
            {
                arrivals = [.. _arrivals];
            }
            Array.Sort(arrivals);
            int peak = 0, start = 0;
            for (var end = 0; end < arrivals.Length; end++)
            {
                while (arrivals[end] - arrivals[start] >= Stopwatch.Frequency)
                {
                    start++;
                }
                peak = Math.Max(peak, end - start + 1);
            }
            return peak;
        }
    }

    /// <summary>An image the fake sees a face in: <paramref name="person"/> at <paramref name="similarity"/> to their indexed face.</summary>
    public static byte[] Face(string person, double similarity = 99.5) =>
        Encoding.UTF8.GetBytes(FormattableString.Invariant($"FAKEFACE:{person}:{similarity}"));

    /// <summary>
    /// A small JPEG-shaped crop (SOI, a comment segment naming <paramref name="person"/>, filler, EOI) that the
    /// fake sees a face in, as <see cref="Face"/> does. <paramref name="variant"/> changes the filler bytes, so two
    /// crops of one person are distinct requests, as two frames of a camera are.
    /// </summary>
    public static byte[] FaceJpeg(string person, int variant = 0, double similarity = 99.5)
    {
        var comment = Face(person, similarity);
        var segmentLength = comment.Length + 2;
        var filler = new byte[96];
        new Random(variant).NextBytes(filler);
        for (var i = 0; i < filler.Length; i++)
        {
            filler[i] &= 0x7F; // no 0xFF: the filler must not read as a marker
        }
        using var jpeg = new MemoryStream();
        jpeg.Write([0xFF, 0xD8, 0xFF, 0xFE, (byte)(segmentLength >> 8), (byte)segmentLength]);
        jpeg.Write(comment);
        jpeg.Write([0xFF, 0xDA, 0x00, 0x02]);
        jpeg.Write(filler);
        jpeg.Write([0xFF, 0xD9]);
        return jpeg.ToArray();
    }

    /// <summary>Makes an object visible to the fake as <c>Image.S3Object</c>.</summary>
    public void PutS3Image(string bucket, string key, byte[] image) => _collections.PutS3Image(bucket, key, image);

    public void ThrottleNext(int count) => Interlocked.Exchange(ref _throttleNext, count);
    public void FailNextWithServerError(int count) => Interlocked.Exchange(ref _failNext, count);

    public static async Task<FakeRekognition> StartAsync(string region = "eu-west-1", CancellationToken cancellationToken = default)
    {
        FakeRekognition? fake = null;
        var (app, url) = await LoopbackServer.StartAsync(
            web => web.MapPost("/", (Func<HttpContext, Task>)(context => fake!.HandleAsync(context))),
            cancellationToken);
        fake = new FakeRekognition(app, url, region);
        return fake;
    }

    private async Task HandleAsync(HttpContext context)
    {
        lock (_arrivals)
        {
            _arrivals.Add(Stopwatch.GetTimestamp());
        }
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        var target = context.Request.Headers["X-Amz-Target"].ToString();
        var operation = target.StartsWith(TargetPrefix, StringComparison.Ordinal) ? target[TargetPrefix.Length..] : "";
        _callsByOperation.AddOrUpdate(operation, 1, (_, n) => n + 1);

        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, context.RequestAborted);
        }
        if (context.Request.ContentType != "application/x-amz-json-1.1")
        {
            await ErrorAsync(context, 400, "SerializationException", "Content-Type must be application/x-amz-json-1.1");
            return;
        }
        if (_verifier.Verify(context.Request, body) is { } failure)
        {
            Interlocked.Increment(ref _rejectedSignatures);
            await ErrorAsync(context, failure.Code == "InvalidSignatureException" ? 403 : 400, failure.Code, failure.Reason);
            return;
        }
        if (operation.Length == 0)
        {
            await ErrorAsync(context, 400, "UnknownOperationException", "X-Amz-Target must name a RekognitionService operation");
            return;
        }
        if (ShouldThrottle(target, body))
        {
            Interlocked.Increment(ref _throttled);
            await ErrorAsync(context, ThrottleCode == "ThrottlingException" ? 500 : 400, ThrottleCode, "Rate exceeded");
            return;
        }
        if (TakeOne(ref _failNext))
        {
            await ErrorAsync(context, 500, "InternalServerError", "Internal server error");
            return;
        }

        JsonObject request;
        try
        {
            request = JsonNode.Parse(body) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException)
        {
            await ErrorAsync(context, 400, "SerializationException", "body is not a JSON object");
            return;
        }
        var (status, answer) = _collections.Handle(operation, request);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/x-amz-json-1.1";
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        await context.Response.WriteAsync(answer.ToJsonString(), context.RequestAborted);
    }

    private bool ShouldThrottle(string target, byte[] body)
    {
        if (TakeOne(ref _throttleNext))
        {
            return true;
        }
        return ThrottleFirstAttemptOfEachRequest
            && _throttledOnce.TryAdd(target + Convert.ToHexString(SHA256.HashData(body)), 0);
    }

    private static bool TakeOne(ref int counter)
    {
        while (true)
        {
            var left = Volatile.Read(ref counter);
            if (left <= 0)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref counter, left - 1, left) == left)
            {
                return true;
            }
        }
    }

    private static Task ErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/x-amz-json-1.1";
        context.Response.Headers["x-amzn-ErrorType"] = code + ":";
        return context.Response.WriteAsync(new JsonObject { ["__type"] = code, ["Message"] = message }.ToJsonString(), context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
