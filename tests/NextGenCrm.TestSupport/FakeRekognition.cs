using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SkiaSharp;

namespace NextGenCrm.TestSupport;

/// <summary>
/// A loopback stand-in for Amazon Rekognition (AWS JSON 1.1). It checks what the service checks
/// (POST /, <c>X-Amz-Target</c>, the JSON content type, a SigV4 signature recomputed from the test
/// secret), keeps face collections and their users in memory, and can throttle, fail with 5xx, be slow
/// or lose answers after doing the work. It counts calls and measures the peak number of calls that
/// arrived within any one second.
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
    private readonly CancellationTokenSource _stopping = new();
    private int _throttleNext;
    private int _failNext;
    private int _loseNext;
    private volatile string? _loseOnly;
    private int _throttled;
    private int _rejectedSignatures;
    private int _lostAnswers;
    private double _lostAnswerRate;

    private FakeRekognition(WebApplication app, Uri serviceUrl, string region)
    {
        _app = app;
        ServiceUrl = serviceUrl;
        Region = region;
        _verifier = new SigV4Verifier("rekognition", region, new Dictionary<string, string> { [AccessKey] = SecretKey });
    }

    public Uri ServiceUrl { get; }
    public string Region { get; }

    /// <summary>
    /// Shortest time a call takes. Each call takes a random time between this and <see cref="MaxLatency"/>,
    /// half before the fake does the work and half after, so calls in flight overlap as they do on the service.
    /// </summary>
    public TimeSpan MinLatency { get; set; }

    /// <summary>Longest time a call takes (see <see cref="MinLatency"/>).</summary>
    public TimeSpan MaxLatency { get; set; }

    /// <summary>A fixed time every call takes: setting it sets <see cref="MinLatency"/> and <see cref="MaxLatency"/> both.</summary>
    public TimeSpan Delay
    {
        get => MaxLatency;
        set => (MinLatency, MaxLatency) = (value, value);
    }

    /// <summary>
    /// Share (0–1) of calls that do their work and then lose their answer, as a slow success after the
    /// client's timeout does: the client retries, and IndexFaces stores another face.
    /// </summary>
    public double LostAnswerRate
    {
        get => Volatile.Read(ref _lostAnswerRate);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1.0);
            Volatile.Write(ref _lostAnswerRate, value);
        }
    }

    /// <summary>
    /// How long a lost answer is held back. Keep it above the client's RequestTimeout, so the client sees a
    /// timeout (it still gets the answer if it waits that long). Zero drops the connection instead, which
    /// the client sees as an <see cref="HttpRequestException"/>.
    /// </summary>
    public TimeSpan LostAnswerDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Throttles the first attempt of every distinct request, so half of all calls are throttled.</summary>
    public bool ThrottleFirstAttemptOfEachRequest { get; set; }

    /// <summary>The error code of throttled calls: ProvisionedThroughputExceededException (400) or ThrottlingException (500).</summary>
    public string ThrottleCode { get; set; } = "ProvisionedThroughputExceededException";

    public int Calls => _callsByOperation.Values.Sum();
    public int Throttled => Volatile.Read(ref _throttled);
    public int RejectedSignatures => Volatile.Read(ref _rejectedSignatures);

    /// <summary>Calls that did their work and lost their answer (<see cref="LostAnswerRate"/>, <see cref="LoseNextAnswers"/>).</summary>
    public int LostAnswers => Volatile.Read(ref _lostAnswers);

    public int CallsTo(string operation) => _callsByOperation.GetValueOrDefault(operation);

    /// <summary>Faces held in a collection: face id → external image id ("" when none).</summary>
    public IReadOnlyDictionary<string, string> FacesIn(string collectionId) => _collections.Faces(collectionId);

    /// <summary>Users of a collection: user id → the ids of the faces associated with it.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> UsersIn(string collectionId) => _collections.Users(collectionId);

    /// <summary>Faces of a collection that belong to no user: face id → external image id ("" when none).</summary>
    public IReadOnlyDictionary<string, string> OrphanFacesIn(string collectionId) => _collections.OrphanFaces(collectionId);

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
    /// A small JPEG crop that decodes, with a comment segment naming <paramref name="person"/>, that the fake sees
    /// a face in, as <see cref="Face"/> does. <paramref name="variant"/> changes the pixels, so two crops of one
    /// person are distinct requests, as two frames of a camera are.
    /// </summary>
    public static byte[] FaceJpeg(string person, int variant = 0, double similarity = 99.5)
    {
        // A real 64x64 JPEG (it decodes, as the silo checks before anything is stored or searched), its colour
        // and noise from the variant, with a comment segment naming the person right after the start marker.
        var random = new Random(variant);
        using var bitmap = new SKBitmap(64, 64);
        for (var y = 0; y < 64; y++)
        {
            for (var x = 0; x < 64; x++)
            {
                bitmap.SetPixel(x, y, new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
            }
        }
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Jpeg, 80);
        var image = encoded.ToArray();
        var comment = Face(person, similarity);
        var segmentLength = comment.Length + 2;
        using var jpeg = new MemoryStream();
        jpeg.Write([0xFF, 0xD8, 0xFF, 0xFE, (byte)(segmentLength >> 8), (byte)segmentLength]);
        jpeg.Write(comment);
        jpeg.Write(image.AsSpan(2)); // the encoder's segments, after its own start marker
        return jpeg.ToArray();
    }

    /// <summary>Makes an object visible to the fake as <c>Image.S3Object</c>.</summary>
    public void PutS3Image(string bucket, string key, byte[] image) => _collections.PutS3Image(bucket, key, image);

    public void ThrottleNext(int count) => Interlocked.Exchange(ref _throttleNext, count);
    public void FailNextWithServerError(int count) => Interlocked.Exchange(ref _failNext, count);

    /// <summary>
    /// The next <paramref name="count"/> calls that reach the collections (of <paramref name="operation"/> only,
    /// when given) do their work and lose their answer.
    /// </summary>
    public void LoseNextAnswers(int count, string? operation = null)
    {
        _loseOnly = operation;
        Interlocked.Exchange(ref _loseNext, count);
    }

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

        // Held answers end when the client stops waiting or the fake stops, so disposing never waits for them.
        using var call = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        var latency = NextLatency();
        try
        {
            await Task.Delay(latency / 2, call.Token);
            var (status, answer, didWork) = Answer(context.Request, target, operation, body);
            if (didWork && ShouldLoseAnswer(operation))
            {
                Interlocked.Increment(ref _lostAnswers);
                if (LostAnswerDelay <= TimeSpan.Zero)
                {
                    context.Abort();
                    return;
                }
                await Task.Delay(LostAnswerDelay, call.Token);
            }
            else
            {
                await Task.Delay(latency - (latency / 2), call.Token);
            }
            await WriteAsync(context, status, answer);
        }
        catch (OperationCanceledException) when (call.IsCancellationRequested)
        {
            // The client stopped waiting (its timeout), or the fake is stopping: drop the connection rather
            // than let the server complete an empty 200.
            context.Abort();
        }
    }

    /// <summary>The service's answer to one call, and whether the call got as far as doing its work.</summary>
    private (int Status, JsonObject Body, bool DidWork) Answer(HttpRequest request, string target, string operation, byte[] body)
    {
        if (request.ContentType != "application/x-amz-json-1.1")
        {
            return Failure(400, "SerializationException", "Content-Type must be application/x-amz-json-1.1");
        }
        if (_verifier.Verify(request, body) is { } failure)
        {
            Interlocked.Increment(ref _rejectedSignatures);
            return Failure(failure.Code == "InvalidSignatureException" ? 403 : 400, failure.Code, failure.Reason);
        }
        if (operation.Length == 0)
        {
            return Failure(400, "UnknownOperationException", "X-Amz-Target must name a RekognitionService operation");
        }
        if (ShouldThrottle(target, body))
        {
            Interlocked.Increment(ref _throttled);
            return Failure(ThrottleCode == "ThrottlingException" ? 500 : 400, ThrottleCode, "Rate exceeded");
        }
        if (TakeOne(ref _failNext))
        {
            return Failure(500, "InternalServerError", "Internal server error");
        }

        JsonObject parsed;
        try
        {
            parsed = JsonNode.Parse(body) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException)
        {
            return Failure(400, "SerializationException", "body is not a JSON object");
        }
        var (status, answer) = _collections.Handle(operation, parsed);
        return (status, answer, true);
    }

    private static (int, JsonObject, bool) Failure(int status, string code, string message) =>
        (status, new JsonObject { ["__type"] = code, ["Message"] = message }, false);

    private TimeSpan NextLatency()
    {
        var (min, max) = (MinLatency, MaxLatency);
        return max <= min ? min : min + ((max - min) * Random.Shared.NextDouble());
    }

    private bool ShouldLoseAnswer(string operation) =>
        (_loseOnly is null || _loseOnly == operation) && TakeOne(ref _loseNext)
        || (LostAnswerRate > 0 && Random.Shared.NextDouble() < LostAnswerRate);

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

    private static Task WriteAsync(HttpContext context, int status, JsonObject answer)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/x-amz-json-1.1";
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        if (answer["__type"]?.GetValue<string>() is { } code)
        {
            context.Response.Headers["x-amzn-ErrorType"] = code + ":";
        }
        return context.Response.WriteAsync(answer.ToJsonString(), context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }
}
