using System.Net;
using System.Net.Http.Headers;
using System.Text;
using NextGenCrm.Bench.Fakes;
using NextGenCrm.Bench.Pipelines;

namespace NextGenCrm.Bench.Scenarios;

/// <summary>
/// The HTTP API on Kestrel at 127.0.0.1:0 in this process, driven by one HttpClient over several
/// connections: single small sightings, single sightings with a 20 KB JPEG crop, and batches of 500.
/// All are repeats of tracks seen once before, as an edge agent sends while a person stays in view.
/// </summary>
public static class HttpIngest
{
    public const string Section = "HTTP ingest (1 silo, Kestrel in-process)";
    private const int Connections = 16;
    private const int Tracks = 256;
    private const int BatchSize = 500;

    public static async Task RunAsync(TimeSpan duration, BenchResults results)
    {
        var world = new FakeWorld();
        var start = DateTimeOffset.UtcNow.AddMinutes(-30);
        var clock = new TraceClock(start);
        await using var cluster = await BenchCluster.StartAsync(1, world, clock, http: true);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var http = new HttpClient(handler) { BaseAddress = cluster.HttpAddress };
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

        var (n, failed, seconds) = await DriveAsync(http, "/api/v1/sightings", small, long.MaxValue, duration);
        results.Add(new Figure(Section, "HTTP single sightings/s, small body", n / seconds, "/s", "≥ 15,000", n / seconds >= 15_000, $"{Connections} connections; {failed} non-200", Goal: 15_000));
        (n, failed, seconds) = await DriveAsync(http, "/api/v1/sightings", cropped, long.MaxValue, duration);
        results.Add(new Figure(Section, "HTTP single sightings/s, 20 KB JPEG crop", n / seconds, "/s", "≥ 5,000", n / seconds >= 5_000, $"{failed} non-200", Goal: 5_000));
        (n, failed, seconds) = await DriveAsync(http, "/api/v1/sightings/batch", batches, long.MaxValue, duration, concurrency: 4);
        results.Add(new Figure(Section, "HTTP batch endpoint sightings/s (500 per body)", n * BatchSize / seconds, "/s", "≥ 50,000", n * BatchSize / seconds >= 50_000, $"4 bodies in flight; {failed} non-200 bodies", Goal: 50_000));
    }

    private static byte[] Body(string json) => Encoding.UTF8.GetBytes(json);

    /// <summary>Posts the bodies round-robin from <paramref name="concurrency"/> workers until the count or time is reached.</summary>
    private static async Task<(long Ok, long Failed, double Seconds)> DriveAsync(
        HttpClient http, string path, byte[][] payloads, long maxCount, TimeSpan maxTime, int concurrency = Connections * 2)
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
                using var response = await http.PostAsync(path, content);
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

    /// <summary>A JPEG-shaped crop: SOI and a JFIF APP0 header, seeded noise, EOI.</summary>
    public static byte[] FakeJpeg(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        byte[] header = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x48, 0x00, 0x48, 0x00, 0x00];
        header.CopyTo(bytes, 0);
        bytes[^2] = 0xFF;
        bytes[^1] = 0xD9;
        return bytes;
    }
}
