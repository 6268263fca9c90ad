using System.Collections.Concurrent;
using System.Diagnostics;
using NextGenCrm.Bench.Fakes;
using NextGenCrm.Bench.Pipelines;
using NextGenCrm.Bench.Trace;

namespace NextGenCrm.Bench.Scenarios;

/// <summary>
/// The trace replayed open-loop at half the rate the closed-loop replay reached: for every sighting
/// that opened a visit, the time from sending it to the task adapter being called for that visit.
/// </summary>
public static class Latency
{
    public const string Section = "Latency (open loop, grain layer)";

    public static async Task RunAsync(BranchDayTrace trace, double maxRate, TimeSpan duration, BenchResults results, double share = 0.5)
    {
        var world = new FakeWorld { Ledger = { TaskCalledAt = new ConcurrentDictionary<string, long>(StringComparer.Ordinal) } };
        await world.EnrolAsync(trace.People);
        var clock = new TraceClock(trace.DayStart);
        await using var cluster = await BenchCluster.StartAsync(1, world, clock);
        var grains = cluster.Grains;
        var cameras = trace.Cameras.Select(c => grains.GetGrain<ICameraGrain>(CameraKeys.Format(c.BranchId, c.CameraId))).ToArray();

        var rate = maxRate * share;
        var label = share == 0.5 ? "" : $" (at {share:P0} of max)";
        var sentAtByVisit = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var inFlight = new List<Task>();
        var count = (int)Math.Min(trace.Frames.Length, rate * duration.TotalSeconds);
        var ticksPerSighting = Stopwatch.Frequency / rate;
        var begin = Stopwatch.GetTimestamp();
        var errors = 0;
        for (var i = 0; i < count;)
        {
            var due = begin + (long)(i * ticksPerSighting);
            var now = Stopwatch.GetTimestamp();
            if (now < due)
            {
                await Task.Delay(1);
                continue;
            }
            for (; i < count && begin + (long)(i * ticksPerSighting) <= now; i++)
            {
                var frame = trace.Frames[i];
                var camera = trace.Cameras[frame.Camera];
                var at = trace.TimeOf(frame);
                clock.AdvanceTo(at);
                var sentAt = Stopwatch.GetTimestamp();
                var call = cameras[frame.Camera].RecordSighting(new Sighting(
                    $"lat-s{i}", camera.BranchId, camera.CameraId, $"lat-t{frame.Track}", at, trace.People[frame.Person].FaceToken, null, null));
                inFlight.Add(call.ContinueWith(done =>
                {
                    if (done.IsCompletedSuccessfully && done.Result is { Outcome: SightingOutcome.NewVisit, VisitId: { } visitId })
                    {
                        sentAtByVisit[visitId] = sentAt;
                    }
                    else if (!done.IsCompletedSuccessfully)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }, TaskScheduler.Default));
            }
        }
        var sendSeconds = Stopwatch.GetElapsedTime(begin).TotalSeconds;
        await Task.WhenAll(inFlight);
        await Replay.WaitUntilAsync(() => world.Ledger.Tasks >= cluster.VisitsOpened, TimeSpan.FromSeconds(20));

        var latencies = sentAtByVisit
            .Where(p => world.Ledger.TaskCalledAt!.ContainsKey(p.Key))
            .Select(p => Stopwatch.GetElapsedTime(p.Value, world.Ledger.TaskCalledAt![p.Key]).TotalMilliseconds)
            .Order()
            .ToArray();
        var note = $"{count / sendSeconds:N0} sightings/s offered, {latencies.Length} visits opened, {errors} failed calls";
        if (latencies.Length == 0)
        {
            results.Missing.Add("Latency: no visit opened during the paced replay.");
            return;
        }
        results.Add(new Figure(Section, $"Sighting → task dispatched p50{label}", Percentile(latencies, 0.50), "ms", Note: note));
        results.Add(new Figure(Section, $"Sighting → task dispatched p95{label}", Percentile(latencies, 0.95), "ms"));
        var p99 = Percentile(latencies, 0.99);
        results.Add(share == 0.5
            ? new Figure(Section, "Sighting → task dispatched p99", p99, "ms", "≤ 25 ms", p99 <= 25, Goal: 25, LowerIsBetter: true)
            : new Figure(Section, $"Sighting → task dispatched p99{label}", p99, "ms"));
    }

    private static double Percentile(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}
