using NextGenCrm.Bench.Fakes;
using NextGenCrm.Bench.Pipelines;

namespace NextGenCrm.Bench.Scenarios;

/// <summary>
/// One silo, called from its co-hosted client: the no-op baseline, repeat sightings of known tracks
/// (all absorbed by the cameras), and visit openings (a new stranger per sighting).
/// </summary>
public static class GrainThroughput
{
    public const string Section = "Grain layer (1 silo)";
    private const int Cameras = 36;
    private const int TracksPerCamera = 8;
    private const int Window = 512;

    public static async Task<double> RunAsync(TimeSpan duration, BenchResults results)
    {
        var world = new FakeWorld();
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        var clock = new TraceClock(start);
        await using var cluster = await BenchCluster.StartAsync(1, world, clock);
        var grains = cluster.Grains;

        var noops = Enumerable.Range(0, Cameras).Select(i => grains.GetGrain<INoopGrain>($"noop{i}")).ToArray();
        await Replay.RunAsync(20_000, duration, Window, i => noops[i % Cameras].Ping((int)i)); // warm-up
        var (calls, callTime) = await Replay.RunAsync(long.MaxValue, duration, Window, i => noops[i % Cameras].Ping((int)i));
        var noopRate = calls / callTime.TotalSeconds;
        results.Add(new Figure(Section, "No-op grain calls/s (baseline)", noopRate, "/s", Note: $"{Cameras} grains, {Window} in flight"));

        var cameras = Enumerable.Range(0, Cameras).Select(i => (Grain: grains.GetGrain<ICameraGrain>(CameraKeys.Format($"tp{i % 12:D2}", $"cam{i / 12}")), Branch: $"tp{i % 12:D2}", Camera: $"cam{i / 12}")).ToArray();
        // Each track seen once: a visit opens for each of these customers-to-be.
        await Replay.RunAsync(Cameras * TracksPerCamera, TimeSpan.FromMinutes(1), Window, i =>
        {
            var (camera, branch, cameraId) = cameras[i % Cameras];
            return camera.RecordSighting(new Sighting($"w{i}", branch, cameraId, $"k{i}", start, $"known-{i}", null, null));
        });
        await Replay.WaitUntilAsync(() => world.Ledger.Tasks >= cluster.VisitsOpened, TimeSpan.FromSeconds(20));

        // Repeats within the forward interval: answered by the camera's track cache alone.
        var known = Cameras * TracksPerCamera;
        var (repeats, repeatTime) = await Replay.RunAsync(long.MaxValue, duration, Window, i =>
        {
            var track = i % known;
            var (camera, branch, cameraId) = cameras[track % Cameras];
            return camera.RecordSighting(new Sighting($"r{i}", branch, cameraId, $"k{track}", start.AddMilliseconds(1 + (i / known % 1000)), $"known-{track}", null, null));
        });
        var repeatRate = repeats / repeatTime.TotalSeconds;
        results.Add(new Figure(Section, "Repeat sightings/s (known tracks)", repeatRate, "/s", "≥ 100,000", repeatRate >= 100_000, Goal: 100_000));
        results.Add(new Figure(Section, "Repeat sightings as % of no-op call rate", 100 * repeatRate / noopRate, "%", "≥ 40 %", repeatRate / noopRate >= 0.4, Goal: 40));

        // Openings: every sighting a new track of a new stranger: search, index, open, write, reminder, branch, courier.
        var openedBefore = cluster.VisitsOpened;
        var tasksBefore = world.Ledger.Tasks;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var (openings, _) = await Replay.RunAsync(200_000, duration, Window, i =>
        {
            var (camera, branch, cameraId) = cameras[i % Cameras];
            return camera.RecordSighting(new Sighting($"o{i}", branch, cameraId, $"n{i}", start.AddSeconds(5), $"stranger-{i}", null, null));
        });
        await Replay.WaitUntilAsync(() => world.Ledger.Tasks - tasksBefore >= openings, TimeSpan.FromSeconds(60));
        var openRate = (cluster.VisitsOpened - openedBefore) / watch.Elapsed.TotalSeconds;
        results.Add(new Figure(Section, "Visit openings/s (memory storage, tasks delivered)", openRate, "/s", "≥ 10,000", openRate >= 10_000,
            $"{cluster.VisitsOpened - openedBefore} openings over 12 branches, until their tasks were delivered", Goal: 10_000));

        // Diagnostic: one durable reminder registration per call, the step every visit opening awaits.
        var (registered, registerTime) = await Replay.RunAsync(200_000, duration, Window, i => grains.GetGrain<IReminderProbeGrain>($"p{i}").Register());
        results.Add(new Figure(Section, "Diagnostic: reminder registrations/s (new grain, one reminder each)", registered / registerTime.TotalSeconds, "/s",
            Note: "the in-memory reminder table; what a reminder per visit would cost (visits register none: one backstop per occupied branch)"));
        return noopRate;
    }
}
