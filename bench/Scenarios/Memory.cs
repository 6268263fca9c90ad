using NextGenCrm.Bench.Fakes;
using NextGenCrm.Bench.Pipelines;

namespace NextGenCrm.Bench.Scenarios;

/// <summary>
/// Managed heap per active visitor (an open visit: visitor grain and state, its wake-up, its entry in
/// the branch's occupancy) against the bare activation of a no-op grain, both as the GC heap after a
/// forced collection, before and after, divided by the activations made. Timers are real here and
/// the storage keeps nothing in the silo (as DynamoDB), so the figure is what production holds.
/// </summary>
public static class Memory
{
    public const string Section = "Memory";
    private const int Window = 1000;

    public static async Task RunAsync(int visitors, TimeSpan timeLimit, BenchResults results)
    {
        var world = new FakeWorld { Ledger = { TrackVisitorIds = false } };
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        var clock = new TraceClock(start, ClockTimers.WallClock);
        await using var cluster = await BenchCluster.StartAsync(1, world, clock, keepStates: false);
        var grains = cluster.Grains;
        await grains.GetGrain<INoopGrain>("warm").Ping(0);
        await grains.GetGrain<IVisitorGrain>("v-warm").GetVisits();

        var before = Heap();
        var (noops, _) = await Replay.RunAsync(visitors, timeLimit, Window, i => grains.GetGrain<INoopGrain>($"m{i}").Ping(0));
        var afterNoops = Heap();
        var perNoop = (afterNoops - before) / (double)noops;

        var profile = new VisitorProfile(VisitorKind.New, null, null);
        var (opened, _) = await Replay.RunAsync(noops, timeLimit, Window, i =>
            grains.GetGrain<IVisitorGrain>($"v-mem{i}").RecordSighting(new VisitorSighting(
                $"ms{i}", $"mb{i % 12:D2}", "cam0", start, null, 1, false, profile)));
        await Replay.WaitUntilAsync(() => world.Ledger.Tasks >= opened, TimeSpan.FromSeconds(60));
        var afterVisitors = Heap();
        var perVisitor = (afterVisitors - afterNoops) / (double)opened;


        var (probes, _) = await Replay.RunAsync(opened, timeLimit, Window, i => grains.GetGrain<IReminderProbeGrain>($"mp{i}").Register());
        var afterProbes = Heap();
        var perProbe = (afterProbes - afterVisitors) / (double)probes;

        if (opened < visitors)
        {
            results.Notes.Add($"Memory: {opened:N0} active visitors instead of {visitors:N0}, to stay within the time limit.");
        }
        results.Add(new Figure(Section, "Bare activation (no-op grain)", perNoop, "B", Note: $"{noops:N0} activations"));
        results.Add(new Figure(Section, "Per active visitor (open visit)", perVisitor, "B", Note: $"{opened:N0} active visitors, {cluster.VisitsOpened:N0} visits open"));
        results.Add(new Figure(Section, "Diagnostic: activation holding one reminder", perProbe, "B", Note: $"{probes:N0} activations; what a reminder per open visit would add (visits keep none: the branch holds one backstop)"));
        results.Add(new Figure(Section, "Active visitor / bare activation", perVisitor / perNoop, "x", "≤ 1.25×", perVisitor / perNoop <= 1.25, Goal: 1.25, LowerIsBetter: true));
    }

    private static long Heap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
