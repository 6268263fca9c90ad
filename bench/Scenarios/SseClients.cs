using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using NextGenCrm.Bench.Fakes;
using NextGenCrm.Bench.Pipelines;
using NextGenCrm.Silo.Security;

namespace NextGenCrm.Bench.Scenarios;

/// <summary>
/// The staff dashboard's live feed under load: one silo with its HTTP API on Kestrel (127.0.0.1:0), ingesting repeat
/// sightings of known tracks as fast as it goes (the bulk of a real feed) while a probe opens a visit at the watched
/// branch 50 times a second, and N browsers (HttpClient streams in this process, one staff token each) follow that
/// branch's Server-Sent Events. Figures per N: ingest rate next to the rate with no browsers, the delay from a
/// probe's sighting to its visit-opened event at each browser (p50, p99), and browsers dropped for falling behind.
/// </summary>
public static class SseClients
{
    public const string Section = "Live dashboard: SSE browsers while ingesting (1 silo)";
    private const string Watched = "sse00";
    private const int Cameras = 36;
    private const int TracksPerCamera = 8;
    private const int Window = 512;
    private static readonly TimeSpan ProbeEvery = TimeSpan.FromMilliseconds(20);

    public static async Task RunAsync(TimeSpan duration, int[] browserCounts, BenchResults results)
    {
        var world = new FakeWorld();
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        var clock = new TraceClock(start);
        await using var cluster = await BenchCluster.StartAsync(1, world, clock, http: true);
        var grains = cluster.Grains;
        var tokens = cluster.Silos[0].Services.GetRequiredService<DevelopmentTokens>();

        var cameras = Enumerable.Range(0, Cameras).Select(i => (Grain: grains.GetGrain<ICameraGrain>(CameraKeys.Format($"sb{i % 12:D2}", $"cam{i / 12}")), Branch: $"sb{i % 12:D2}", Camera: $"cam{i / 12}")).ToArray();
        await Replay.RunAsync(Cameras * TracksPerCamera, TimeSpan.FromMinutes(1), Window, i =>
        {
            var (camera, branch, cameraId) = cameras[i % Cameras];
            return camera.RecordSighting(new Sighting($"w{i}", branch, cameraId, $"k{i}", start, $"known-{i}", null, null));
        });
        var known = Cameras * TracksPerCamera;
        long repeatSeq = 0;
        Task Repeat(long _)
        {
            var i = Interlocked.Increment(ref repeatSeq);
            var track = i % known;
            var (camera, branch, cameraId) = cameras[track % Cameras];
            return camera.RecordSighting(new Sighting($"r{i}", branch, cameraId, $"k{track}", start.AddMilliseconds(1 + (i / known % 1000)), $"known-{track}", null, null));
        }
        await Replay.RunAsync(long.MaxValue, TimeSpan.FromSeconds(6), Window, Repeat); // warm-up: tiered JIT

        var probeCamera = grains.GetGrain<ICameraGrain>(CameraKeys.Format(Watched, "door"));
        var probeSentAt = new List<long>();
        var probeSeq = 0;

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var http = new HttpClient(handler) { BaseAddress = cluster.HttpAddress, Timeout = Timeout.InfiniteTimeSpan };

        foreach (var count in browserCounts)
        {
            using var stop = new CancellationTokenSource();
            var browsers = new List<Browser>();
            var openedBefore = probeSeq;
            for (var b = 0; b < count; b++)
            {
                browsers.Add(new Browser(http, tokens.Issue($"bench-staff-{b}", [Roles.Staff], [Watched], TimeSpan.FromHours(1)), openedBefore, probeSentAt));
            }
            await Task.WhenAll(browsers.Select(b => b.Connected));

            var probing = Task.Run(async () =>
            {
                using var timer = new PeriodicTimer(ProbeEvery);
                while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
                {
                    var k = probeSeq++;
                    lock (probeSentAt)
                    {
                        probeSentAt.Add(Stopwatch.GetTimestamp());
                    }
                    await probeCamera.RecordSighting(new Sighting($"p{k}", Watched, "door", $"probe-{k}", start.AddSeconds(5), $"probe-stranger-{k}", null, null));
                }
            });
            var (sent, elapsed) = await Replay.RunAsync(long.MaxValue, duration, Window, Repeat);
            var probesDuring = probeSeq - openedBefore;
            await StopAsync(stop, probing);
            var probesSent = probeSeq - openedBefore;
            await Task.Delay(TimeSpan.FromSeconds(2)); // the last probes' events
            foreach (var b in browsers)
            {
                b.Close();
            }
            await Task.WhenAll(browsers.Select(b => b.Done));

            var rate = sent / elapsed.TotalSeconds;
            var delays = browsers.SelectMany(b => b.DelaysMs).Order().ToArray();
            var dropped = browsers.Count(b => b.Dropped);
            var label = count == 0 ? "no browsers" : $"{count:N0} browsers";
            results.Add(new Figure(Section, $"Repeat sightings/s ingested, {label}", rate, "/s",
                Note: $"{probesDuring:N0} visit openings at {Watched} meanwhile (one every 20 ms at most, each awaited)"));
            if (count > 0)
            {
                var expected = (long)probesSent * count;
                results.Add(new Figure(Section, $"Event delay p99, {label}", Percentile(delays, 0.99), "ms",
                    Note: $"p50 {Percentile(delays, 0.5):N1} ms, max {(delays.Length > 0 ? delays[^1] : double.NaN):N1} ms; {delays.Length:N0} of {expected:N0} visit-opened events received; {dropped} browsers dropped for falling behind",
                    LowerIsBetter: true));
            }
        }
    }

    private static async Task StopAsync(CancellationTokenSource stop, Task probing)
    {
        await stop.CancelAsync();
        try
        {
            await probing;
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    /// <summary>One staff page's EventSource: counts visit-opened events in order; the k-th is the k-th probe's.</summary>
    private sealed class Browser
    {
        private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _close = new();

        public Browser(HttpClient http, string token, int firstProbe, List<long> probeSentAt)
        {
            Done = Task.Run(() => ReadAsync(http, token, firstProbe, probeSentAt, _close.Token));
        }

        public void Close() => _close.Cancel();

        public Task Connected => _connected.Task;
        public Task Done { get; }
        public List<double> DelaysMs { get; } = [];
        public bool Dropped { get; private set; }

        private async Task ReadAsync(HttpClient http, string token, int firstProbe, List<long> probeSentAt, CancellationToken stop)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/branches/{Watched}/events");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop);
                response.EnsureSuccessStatusCode();
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop));
                var next = firstProbe;
                while (await reader.ReadLineAsync(stop) is { } line)
                {
                    if (line == "event: snapshot")
                    {
                        _connected.TrySetResult();
                    }
                    else if (line == "event: visit-opened")
                    {
                        var now = Stopwatch.GetTimestamp();
                        long sentAt;
                        lock (probeSentAt)
                        {
                            if (next >= probeSentAt.Count)
                            {
                                continue;
                            }
                            sentAt = probeSentAt[next++];
                        }
                        DelaysMs.Add(Stopwatch.GetElapsedTime(sentAt, now).TotalMilliseconds);
                    }
                }
                Dropped = !stop.IsCancellationRequested;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Dropped = true;
                _connected.TrySetException(e);
            }
            _connected.TrySetResult();
        }

    }
}
