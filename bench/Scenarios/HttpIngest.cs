using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using NextGenCrm.Bench.Fakes;
using NextGenCrm.Bench.Pipelines;

namespace NextGenCrm.Bench.Scenarios;

/// <summary>
/// The HTTP API on Kestrel at 127.0.0.1:0 in this process, driven by autocannon (tools/autocannon, a
/// separate Node process on the same cores): single small sightings and single sightings with a 20 KB
/// JPEG crop over 16 connections, and batches of 500 over 4. All are repeats of tracks seen once before
/// (the warm-up, sent by an in-process HttpClient), as an edge agent sends while a person stays in view.
/// Without node or the installed tool (or with NEXTGENCRM_BENCH_HTTP_CLIENT=httpclient) the figures come
/// from the in-process HttpClient instead, which competes with the silo for the cores; the section and
/// the notes say so.
/// </summary>
public static class HttpIngest
{
    public const string Section = "HTTP ingest (1 silo, Kestrel in-process, autocannon client)";
    public const string FallbackSection = "HTTP ingest (1 silo, Kestrel in-process, in-process HttpClient)";

    /// <summary>Set to <c>httpclient</c> to measure with the in-process HttpClient even when autocannon is installed.</summary>
    public const string ClientVariable = "NEXTGENCRM_BENCH_HTTP_CLIENT";

    private const int Connections = 16;
    private const int BatchConnections = 4;
    private const int Tracks = 256;
    private const int BatchSize = 500;
    // Unmeasured autocannon load before each figure: with 1 s, a second small-body run straight after
    // the first read about twice the first (the silo's tiered JIT and the client's still warming up).
    private static readonly TimeSpan LoadWarmup = TimeSpan.FromSeconds(3);

    public static async Task RunAsync(TimeSpan duration, BenchResults results)
    {
        var world = new FakeWorld();
        var start = DateTimeOffset.UtcNow.AddMinutes(-30);
        var clock = new TraceClock(start);
        await using var cluster = await BenchCluster.StartAsync(1, world, clock, http: true);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var http = new HttpClient(handler) { BaseAddress = cluster.HttpAddress };
        var token = BenchAuth.EdgeToken();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var capturedAt = start.AddSeconds(1).ToString("O");

        var small = Enumerable.Range(0, Tracks).Select(t =>
            Body($$"""{"branchId":"hb{{t % 12:D2}}","cameraId":"cam{{t % 3}}","trackId":"s{{t}}","capturedAt":"{{capturedAt}}","faceToken":"http-{{t}}"}""")).ToArray();
        var crop = Convert.ToBase64String(FakeJpeg(20 * 1024, seed: 7));
        var cropped = Enumerable.Range(0, Tracks).Select(t =>
            Body($$"""{"branchId":"hc{{t % 12:D2}}","cameraId":"cam{{t % 3}}","trackId":"i{{t}}","capturedAt":"{{capturedAt}}","image":"{{crop}}"}""")).ToArray();
        var batches = Enumerable.Range(0, 8).Select(b =>
        {
            var items = Enumerable.Range(0, BatchSize).Select(k =>
            {
                var t = (b * BatchSize + k) % Tracks;
                return $$"""{"branchId":"hb{{t % 12:D2}}","cameraId":"cam{{t % 3}}","trackId":"s{{t}}","capturedAt":"{{capturedAt}}","faceToken":"http-{{t}}"}""";
            });
            return Body($$"""{"sightings":[{{string.Join(',', items)}}]}""");
        }).ToArray();

        // First sighting of every track (opens the visits; crops are new faces to the simulated search).
        await DriveAsync(http, "/api/v1/sightings", small, Tracks, TimeSpan.FromMinutes(1));
        await DriveAsync(http, "/api/v1/sightings", cropped, Tracks, TimeSpan.FromMinutes(1));
        await Replay.WaitUntilAsync(() => world.Ledger.Tasks >= cluster.VisitsOpened, TimeSpan.FromSeconds(20));

        string reason;
        var forced = string.Equals(Environment.GetEnvironmentVariable(ClientVariable), "httpclient", StringComparison.OrdinalIgnoreCase);
        var autocannon = forced ? Unavailable($"forced by {ClientVariable}=httpclient", out reason) : Autocannon.TryLocate(out reason);
        if (autocannon is null)
        {
            results.Notes.Add($"HTTP ingest: autocannon not used ({reason}); the HTTP figures come from the in-process HttpClient, "
                + "which competes with the silo for the cores and has read about half of what a separate client measures."
                + (forced ? "" : " Run bash scripts/setup.sh."));
        }

        async Task<(string Section, long Ok, double Seconds, string Note)> Measure(string path, byte[][] bodies, int connections, int workers, bool checkToken = true)
        {
            var header = checkToken ? $"authorization: Bearer {token}" : $"{BenchAuth.NoTokenCheckHeader}: 1";
            var fallback = autocannon is null ? $"autocannon not used: {reason}{(forced ? "" : "; run bash scripts/setup.sh")}" : "";
            if (autocannon is not null)
            {
                try
                {
                    var r = await autocannon.RunAsync(new Uri(cluster.HttpAddress!, path), bodies, connections, duration, LoadWarmup, header: header);
                    var failures = r.Errors > 0 ? $", {r.Errors:N0} connection errors ({r.Timeouts:N0} of them timeouts)" : "";
                    return (Section, r.Ok, r.DurationSeconds,
                        $"autocannon {autocannon.Version}, {connections} connections, {LoadWarmup.TotalSeconds:N0} s warm-up; "
                        + $"p50 {Ms(r.LatencyMs.P50)}, p99 {Ms(r.LatencyMs.P99)}; {r.Non2xx:N0} non-2xx{failures}");
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    results.Notes.Add($"HTTP ingest: autocannon failed on {path} ({e.GetType().Name}: {e.Message}); that figure is from the in-process HttpClient.");
                    fallback = "autocannon failed (see notes)";
                }
            }
            var (ok, failed, seconds) = await DriveAsync(http, path, bodies, long.MaxValue, duration, workers, checkToken);
            return (FallbackSection, ok, seconds, $"in-process HttpClient, {workers} workers on {connections} connections ({fallback}); {failed:N0} non-200");
        }

        // The same silo, warm, with and without the token check (a bench-only door), alternated twice so neither
        // side gets the warmer turn: the check's cost is the ratio of the sums.
        // One unmeasured run first: the first measured run read a third of the later ones (tiered JIT still warming).
        await Measure("/api/v1/sightings", small, Connections, Connections * 2);
        var (section, n, s, note) = await Measure("/api/v1/sightings", small, Connections, Connections * 2, checkToken: false);
        var (without1, withoutSeconds1) = (n, s);
        (section, n, s, note) = await Measure("/api/v1/sightings", small, Connections, Connections * 2);
        var (with1, withSeconds1) = (n, s);
        (_, n, s, _) = await Measure("/api/v1/sightings", small, Connections, Connections * 2, checkToken: false);
        var withoutToken = (without1 + n) / (withoutSeconds1 + s);
        var withoutNote = $"runs of {without1 / withoutSeconds1:N0} and {n / s:N0} /s";
        (section, n, s, note) = await Measure("/api/v1/sightings", small, Connections, Connections * 2);
        var withToken = (with1 + n) / (withSeconds1 + s);
        results.Add(new Figure(section, "HTTP single sightings/s, small body", withToken, "/s", "≥ 15,000", withToken >= 15_000,
            $"{note}; bearer token checked; runs of {with1 / withSeconds1:N0} and {n / s:N0} /s", Goal: 15_000));
        results.Add(new Figure(section, "HTTP single sightings/s, small body, no token check", withoutToken, "/s", "reference", true, withoutNote));
        results.Add(new Figure(section, "HTTP single sightings with / without the token check", withToken / withoutToken, "x", "≥ 0.5 (must not halve ingest)",
            withToken / withoutToken >= 0.5, "a validated token is remembered by its text for up to a minute; audit entries written in both"));
        (section, n, s, note) = await Measure("/api/v1/sightings", cropped, Connections, Connections * 2);
        results.Add(new Figure(section, "HTTP single sightings/s, 20 KB JPEG crop", n / s, "/s", "≥ 5,000", n / s >= 5_000, note, Goal: 5_000));
        (section, n, s, note) = await Measure("/api/v1/sightings/batch", batches, BatchConnections, BatchConnections);
        results.Add(new Figure(section, "HTTP batch endpoint sightings/s (500 per body)", n * BatchSize / s, "/s", "≥ 50,000", n * BatchSize / s >= 50_000,
            $"{note} (counted and timed per body of 500)", Goal: 50_000));
    }

    private static Autocannon? Unavailable(string why, out string reason)
    {
        reason = why;
        return null;
    }

    private static string Ms(double ms) => ms.ToString("0.00", CultureInfo.InvariantCulture) + " ms";

    private static byte[] Body(string json) => Encoding.UTF8.GetBytes(json);

    /// <summary>Posts the bodies round-robin from <paramref name="concurrency"/> workers until the count or time is reached.</summary>
    private static async Task<(long Ok, long Failed, double Seconds)> DriveAsync(
        HttpClient http, string path, byte[][] payloads, long maxCount, TimeSpan maxTime, int concurrency = Connections * 2, bool checkToken = true)
    {
        long next = -1, ok = 0, failed = 0;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        async Task Worker()
        {
            while (watch.Elapsed < maxTime)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= maxCount)
                {
                    return;
                }
                using var content = new ByteArrayContent(payloads[i % payloads.Length]);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
                if (!checkToken)
                {
                    request.Headers.Authorization = null;
                    request.Headers.Add(BenchAuth.NoTokenCheckHeader, "1");
                }
                using var response = await http.SendAsync(request);
                await response.Content.CopyToAsync(Stream.Null);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref ok);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Worker)));
        return (ok, failed, watch.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// A real JPEG crop of about <paramref name="size"/> bytes (seeded noise, which compresses little): the silo
    /// decodes every inline image before it takes the sighting, so a JPEG-shaped stand-in would be refused.
    /// </summary>
    public static byte[] FakeJpeg(int size, int seed)
    {
        for (var side = 48; ; side += 8)
        {
            var random = new Random(seed);
            using var bitmap = new SkiaSharp.SKBitmap(side, side);
            for (var y = 0; y < side; y++)
            {
                for (var x = 0; x < side; x++)
                {
                    bitmap.SetPixel(x, y, new SkiaSharp.SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
                }
            }
            using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Jpeg, 80);
            if (data.Size >= size)
            {
                return data.ToArray();
            }
        }
    }
}
