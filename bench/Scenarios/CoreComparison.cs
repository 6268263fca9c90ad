using NextGenCrm.Bench.Fakes;
using NextGenCrm.Bench.Pipelines;
using NextGenCrm.Bench.Trace;

namespace NextGenCrm.Bench.Scenarios;

/// <summary>
/// The same branch-day trace through both pipelines: ours (one silo) and the per-frame design, each
/// with a fresh set of the same fakes. Ours is closed at the end of the day by moving the visit
/// clock past the inactivity timeout and waking every visitor, so its writes include the close.
/// </summary>
public static class CoreComparison
{
    public const string Section = "Trace replay";
    public const int Window = 512;

    public static async Task<double> RunAsync(BranchDayTrace trace, BenchResults results)
    {
        await WarmUpAsync(trace);

        var ours = new FakeWorld();
        await ours.EnrolAsync(trace.People);
        var clock = new TraceClock(trace.DayStart);
        double oursRate;
        long forwarded;
        await using (var cluster = await BenchCluster.StartAsync(1, ours, clock))
        {
            var (done, elapsed) = await ReplayOursAsync(cluster, trace, "core");
            oursRate = done / elapsed.TotalSeconds;
            await Replay.WaitUntilAsync(() => ours.Ledger.Tasks >= cluster.VisitsOpened, TimeSpan.FromSeconds(30));
            var activeAtDayEnd = await VisitorActivationsAsync(cluster);
            await CloseDayAsync(cluster, trace);
            results.Add(new Figure(Section, "Ours: trace frames/s (1 silo, mixed repeats, openings, closes)", oursRate, "/s"));
            var (lingering, after) = await VisitorActivationsAfterCloseAsync(cluster);
            results.Add(new Figure(Section, "Ours: visitor activations left once every visit closed", lingering, "", "0", lingering == 0,
                $"{activeAtDayEnd:N0} of {cluster.World.Ledger.VisitorIds.Count:N0} visitors active at the end of the replay (its timers are inert: visits close at the day's end), {lingering:N0} left {after.TotalMilliseconds:N0} ms after those closes settled"));
            var metrics = cluster.Silos[0].Services.GetRequiredService<VisitMetrics>();
            forwarded = metrics.Sightings - metrics.Absorbed;
            results.Add(new Figure(Section, "Ours: visits opened / visits in trace", (double)cluster.VisitsOpened / trace.Visits.Count, "",
                "1.00", Math.Abs(cluster.VisitsOpened - trace.Visits.Count) <= trace.Visits.Count / 100.0,
                $"{cluster.VisitsOpened} opened, {cluster.VisitsClosed} closed, {trace.Visits.Count} in trace"));
        }

        var perFrame = new FakeWorld();
        await perFrame.EnrolAsync(trace.People);
        var lambda = new PerFramePipeline(perFrame);
        var (frames, lambdaElapsed) = await Replay.RunAsync(trace.Frames.Length, TimeSpan.FromMinutes(2), Window, i =>
        {
            var frame = trace.Frames[i];
            var camera = trace.Cameras[frame.Camera];
            return lambda.HandleFrameAsync($"f{i}", camera.BranchId, camera.CameraId, trace.TimeOf(frame), trace.People[frame.Person].FaceToken);
        });
        results.Add(new Figure(Section, "Per-frame design: frames/s (in-process fakes, no network)", frames / lambdaElapsed.TotalSeconds, "/s"));

        AddVisitCosts(trace, ours.Ledger, perFrame.Ledger, results);
        var trackSeconds = trace.Frames.GroupBy(f => f.Track).Sum(g => (g.Max(f => f.AtMs) - g.Min(f => f.AtMs)) / 1000.0);
        results.VisitCosts.Add(new VisitCost("Sightings not absorbed by the camera (searched or forwarded to the visitor)", forwarded / (double)trace.Visits.Count, trace.Frames.Length / (double)trace.Visits.Count,
            $"~{(trace.TrackCount + (trackSeconds / 10)) / trace.Visits.Count:N1} if every track forwarded once per 10 s of trace time", null));
        var writes = string.Join(", ", ours.Ledger.StateWritesByName.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value / (double)trace.Visits.Count:N2}"));
        results.Notes.Add($"Ours, DynamoDB writes per visit by kind: state writes ({writes}), reminder rows {ours.Ledger.ReminderWrites / (double)trace.Visits.Count:N2}, history {ours.Ledger.HistoryAppends / (double)trace.Visits.Count:N2}.");
        return oursRate;
    }

    /// <summary>A throw-away silo replays the start of the trace, so the measured runs do not pay for JIT compilation.</summary>
    private static async Task WarmUpAsync(BranchDayTrace trace)
    {
        var world = new FakeWorld();
        await world.EnrolAsync(trace.People);
        await using var cluster = await BenchCluster.StartAsync(1, world, new TraceClock(trace.DayStart));
        await ReplayOursAsync(cluster, trace, "warm", TimeSpan.FromSeconds(4));
        var lambda = new PerFramePipeline(world);
        await Replay.RunAsync(50_000, TimeSpan.FromSeconds(1), Window, i =>
        {
            var frame = trace.Frames[i % trace.Frames.Length];
            return lambda.HandleFrameAsync($"w{i}", "b", "c", trace.TimeOf(frame), trace.People[frame.Person].FaceToken);
        });
    }

    /// <summary>Replays the trace through the camera grains, the visit clock following the frames.</summary>
    public static Task<(long Done, TimeSpan Elapsed)> ReplayOursAsync(BenchCluster cluster, BranchDayTrace trace, string prefix, TimeSpan? maxTime = null)
    {
        var grains = cluster.Grains;
        var cameras = trace.Cameras.Select(c => grains.GetGrain<ICameraGrain>(CameraKeys.Format(c.BranchId, c.CameraId))).ToArray();
        var tracks = Enumerable.Range(0, trace.TrackCount).Select(t => $"{prefix}-t{t}").ToArray();
        return Replay.RunAsync(trace.Frames.Length, maxTime ?? TimeSpan.FromMinutes(2), Window, i =>
        {
            var frame = trace.Frames[i];
            var camera = trace.Cameras[frame.Camera];
            var at = trace.TimeOf(frame);
            cluster.Clock.AdvanceTo(at);
            return cameras[frame.Camera].RecordSighting(new Sighting(
                $"{prefix}-s{i}", camera.BranchId, camera.CameraId, tracks[frame.Track], at, trace.People[frame.Person].FaceToken, null, null));
        });
    }

    /// <summary>
    /// Visitor grains still active after every visit closed and delivered: a visitor without an open
    /// visit deactivates as soon as it owes nothing. Polled for up to a second.
    /// </summary>
    private static async Task<(int Lingering, TimeSpan After)> VisitorActivationsAfterCloseAsync(BenchCluster cluster)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var lingering = await VisitorActivationsAsync(cluster);
            if (lingering == 0 || watch.Elapsed > TimeSpan.FromSeconds(1))
            {
                return (lingering, watch.Elapsed);
            }
            await Task.Delay(20);
        }
    }

    private static async Task<int> VisitorActivationsAsync(BenchCluster cluster)
    {
        var stats = await cluster.Grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return stats.Where(s => s.GrainType.Contains(nameof(Visits.VisitorGrain), StringComparison.Ordinal)).Sum(s => s.ActivationCount);
    }

    /// <summary>The end of the day: the clock past the timeout, every visitor woken to close its visit.</summary>
    public static async Task CloseDayAsync(BenchCluster cluster, BranchDayTrace trace)
    {
        cluster.Clock.AdvanceTo(trace.DayStart.AddHours(trace.Shape.DayHours + 2));
        foreach (var visitorId in cluster.World.Ledger.VisitorIds.Keys)
        {
            await cluster.Grains.GetGrain<IVisitorGrain>(visitorId).Wake();
        }
        await Replay.WaitUntilAsync(() => cluster.VisitsClosed >= cluster.VisitsOpened, TimeSpan.FromSeconds(30));
        // Reminder deletes follow the close write: let them land before counting.
        long last = -1;
        await Replay.WaitUntilAsync(() =>
        {
            var now = cluster.World.Ledger.DynamoDbWrites;
            var settled = now == last;
            last = now;
            return settled;
        }, TimeSpan.FromSeconds(5));
    }

    private static void AddVisitCosts(BranchDayTrace trace, Ledger ours, Ledger perFrame, BenchResults results)
    {
        double visits = trace.Visits.Count, strangers = trace.StrangerVisits;
        double customers = visits - strangers;
        void Row(string name, double o, double p, string target, Func<double, bool>? met = null) =>
            results.VisitCosts.Add(new VisitCost(name, o, p, target, met?.Invoke(o)));

        Row("Face searches per visit", ours.FaceSearches / visits, perFrame.FaceSearches / visits, "≤ 1.2", v => v <= 1.2);
        Row("Face searches per edge track", ours.FaceSearches / (double)trace.TrackCount, perFrame.FaceSearches / (double)trace.TrackCount, "");
        Row("Face searches per stranger's visit", ours.StrangerFaceSearches / strangers, perFrame.StrangerFaceSearches / strangers, "≤ 1.2", v => v <= 1.2);
        Row("Appian tasks per visit", ours.Tasks / visits, perFrame.Tasks / visits, "1.00", v => Math.Abs(v - 1) < 0.005);
        Row("Appian tasks per stranger's visit (sales)", ours.SalesTasks / strangers, perFrame.SalesTasks / strangers, "1.00", v => Math.Abs(v - 1) < 0.005);
        Row("Appian tasks per customer's visit (service)", (ours.Tasks - ours.SalesTasks) / customers, (perFrame.Tasks - perFrame.SalesTasks) / customers, "1.00", v => Math.Abs(v - 1) < 0.005);
        Row("SNS alerts per stranger's visit", ours.Alerts / strangers, perFrame.Alerts / strangers, "1.00", v => Math.Abs(v - 1) < 0.005);
        Row("DynamoDB writes per visit", ours.DynamoDbWrites / visits, perFrame.DynamoDbWrites / visits, "≤ 4", v => v <= 4);
        Row("DynamoDB reads per visit (customer lookups, history checks)", (ours.DirectoryReads + ours.HistoryReads) / visits, (perFrame.DirectoryReads + perFrame.HistoryReads) / visits, "");
        Row("S3 puts per visit", ours.ImagePuts / visits, perFrame.ImagePuts / visits, "");
    }
}
