using System.CommandLine;
using System.Diagnostics;
using NextGenCrm.Bench.Fakes;
using NextGenCrm.Bench.Pipelines;
using NextGenCrm.Bench.Reporting;
using NextGenCrm.Bench.Scenarios;
using NextGenCrm.Bench.Trace;

// The NextGenCrm benchmark: one command, everything in one run (see bench/README.md).
var seed = new Option<int>("--seed") { Description = "Seed of the branch-day trace.", DefaultValueFactory = _ => 42 };
var duration = new Option<double?>("--duration") { Description = "Seconds per throughput measurement (default 5, quick 2)." };
var output = new Option<DirectoryInfo>("--output")
{
    Description = "Folder for report.md and report.svg.",
    DefaultValueFactory = _ => new DirectoryInfo(Directory.Exists("bench") ? Path.Combine("bench", "results") : "results"),
};
var quick = new Option<bool>("--quick") { Description = "A smaller trace and shorter phases (about a minute)." };
var visitors = new Option<int?>("--visitors") { Description = "Active visitors for the memory figure (default 100000, quick 20000)." };
var only = new Option<string?>("--only") { Description = "Run only the phases whose name contains this text (case-insensitive), e.g. HTTP." };

var root = new RootCommand("NextGenCrm load and cost benchmark: our Orleans pipeline vs the per-frame design on one seeded branch-day trace.")
{
    seed, duration, output, quick, visitors, only,
};
var soakMinutes = new Option<double>("--minutes") { Description = "How long new strangers arrive.", DefaultValueFactory = _ => 10 };
var soakRate = new Option<double>("--rate") { Description = "New strangers a second.", DefaultValueFactory = _ => 5 };
var soakSilo = new Option<string?>("--silo-dll") { Description = "The silo build to soak (default: this repository's Release build)." };
var soakArgs = new Option<string?>("--silo-args") { Description = "More arguments for the silo, space-separated (e.g. \"--ephemeral\")." };
var soakLabel = new Option<string>("--label") { Description = "Names the run in the report.", DefaultValueFactory = _ => "soak" };
var soakReport = new Option<FileInfo?>("--report") { Description = "The report file (default bench/results/soak-<label>.md)." };
var soak = new Command("soak", "Memory of the silo as a newcomer runs it (--demo until Ctrl+C) with new strangers arriving steadily.")
{
    soakMinutes, soakRate, soakSilo, soakArgs, soakLabel, soakReport,
};
soak.SetAction(async (parse, cancellationToken) =>
{
    var label = parse.GetValue(soakLabel)!;
    var settings = new NextGenCrm.Bench.Soak.SoakSettings(
        TimeSpan.FromMinutes(parse.GetValue(soakMinutes)),
        parse.GetValue(soakRate),
        parse.GetValue(soakSilo) ?? NextGenCrm.Bench.Soak.SoakRun.DefaultSiloDll(),
        (parse.GetValue(soakArgs) ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries),
        label,
        parse.GetValue(soakReport) ?? new FileInfo(Path.Combine(Directory.Exists("bench") ? Path.Combine("bench", "results") : "results", $"soak-{label}.md")));
    return await NextGenCrm.Bench.Soak.SoakRun.RunAsync(settings, string.Join(' ', ["dotnet run -c Release --project bench --", .. args]));
});
root.Subcommands.Add(soak);
var embeddingSeconds = new Option<double>("--seconds") { Description = "Seconds of timing.", DefaultValueFactory = _ => 10 };
var embeddingReport = new Option<FileInfo?>("--report") { Description = "The report file (default bench/results/embedding.md)." };
var embeddingChips = new Option<DirectoryInfo?>("--chips") { Description = "Also write each demo face's aligned 150x150 chip as a PNG into this folder." };
var embedding = new Command("embedding", "Face embedder: ms per face (alignment + embedding, one thread) and accuracy on the demo photographs and their augmentations.")
{
    embeddingSeconds, embeddingReport, embeddingChips,
};
embedding.SetAction(parse => NextGenCrm.Bench.Embedding.EmbeddingBench.Run(
    parse.GetValue(embeddingReport) ?? new FileInfo(Path.Combine(Directory.Exists("bench") ? Path.Combine("bench", "results") : "results", "embedding.md")),
    parse.GetValue(embeddingSeconds),
    null,
    parse.GetValue(embeddingChips),
    string.Join(' ', ["taskset -c 0 dotnet run -c Release --project bench --", .. args])));
root.Subcommands.Add(embedding);
var scaleRounds = new Option<int>("--rounds") { Description = "Rounds of 1 silo then N silos, back to back.", DefaultValueFactory = _ => 3 };
var scaleSilos = new Option<int>("--silos") { Description = "Silos in the scaled-out cluster.", DefaultValueFactory = _ => 3 };
var scaleIngress = new Option<Ingress>("--ingress") { Description = "Where sightings enter: Branch (the branch's silo), First (silo 0), Spread (round robin).", DefaultValueFactory = _ => Ingress.Branch };
var scalePlacement = new Option<PlacementMode>("--placement") { Description = "Default (as the silo is configured: branch placement), Unplaced (Orleans' default placement, as before), Repartitioning (Unplaced with Orleans' activation repartitioner).", DefaultValueFactory = _ => PlacementMode.Default };
var scaleBatch = new Option<int>("--batch") { Description = "Sightings per request, as an edge agent per branch sends them draining its buffer (default: the agent's EdgeAgent:Silo:BatchSize); 1 = single sightings, 512 in flight.", DefaultValueFactory = _ => new NextGenCrm.EdgeAgent.Configuration.SiloOptions().BatchSize };
var scaleCalls = new Option<BatchCalls>("--batch-calls") { Description = "Camera (one grain call per camera per batch, as the silo does) or Sighting (one per sighting: the batch endpoint before).", DefaultValueFactory = _ => BatchCalls.Camera };
var scaleFull = new Option<bool>("--full-batches") { Description = "Each agent sends only full batches (a backlog), so 1 and N silos send the same requests; by default a request is what the agent's buffer holds, which follows how long the slowest branch's requests take." };
var scaleBranches = new Option<int?>("--branches") { Description = "Branches in the trace (each with its own edge agent); default 12, quick 4." };
var scaleHours = new Option<double?>("--hours") { Description = "Hours of the branch day in the trace; default 10, quick 6." };
var scaleTimers = new Option<ClockTimers>("--visit-timers") { Description = "TraceTime (the visitors' timers fire in trace time: visits close after the inactivity timeout and the visitor grain lets go, as in a branch's day) or Inert (they never fire: visitors stay active all replay, the replay before 2026-12-01 08:00).", DefaultValueFactory = _ => ClockTimers.TraceTime };
var scaleTime = new Option<double>("--max-seconds") { Description = "Longest a replay may take (it stops at the trace's end).", DefaultValueFactory = _ => 10 };
var scale = new Command("scale", "Scale-out efficiency: the trace replay on 1 and N silos, back to back; prints the ratio and cross-silo messages per sighting.")
{
    seed, quick, scaleRounds, scaleSilos, scaleIngress, scalePlacement, scaleTime, scaleBatch, scaleCalls, scaleBranches, scaleHours, scaleFull, scaleTimers,
};
scale.SetAction(async (parse, cancellationToken) =>
{
    var shape = parse.GetValue(quick) ? TraceShape.Quick(parse.GetValue(seed)) : TraceShape.Full(parse.GetValue(seed));
    shape = shape with { Branches = parse.GetValue(scaleBranches) ?? shape.Branches, DayHours = parse.GetValue(scaleHours) ?? shape.DayHours };
    var trace = BranchDayTrace.Generate(shape, DateTimeOffset.UtcNow.AddHours(-(shape.DayHours + 3)));
    var machine = Machine.Describe();
    Console.WriteLine($"NextGenCrm scale-out: {machine.Cores} cores, {machine.Runtime}, load average {machine.LoadAverage}; {trace.Frames.Length:N0} frames, {trace.Cameras.Count} cameras, {shape.Branches} branches");
    await ScaleOut.RunAsync(trace, new ScaleOut.Settings(
        parse.GetValue(scaleRounds), parse.GetValue(scaleSilos), parse.GetValue(scaleIngress), parse.GetValue(scalePlacement),
        TimeSpan.FromSeconds(parse.GetValue(scaleTime)), Batch: parse.GetValue(scaleBatch), Calls: parse.GetValue(scaleCalls), FullBatches: parse.GetValue(scaleFull), Timers: parse.GetValue(scaleTimers)), Console.WriteLine);
    return 0;
});
root.Subcommands.Add(scale);
var faceCount = new Option<int>("--faces") { Description = "Faces in the collection.", DefaultValueFactory = _ => 100_000 };
var faceQueries = new Option<int>("--queries") { Description = "Searches of each kind.", DefaultValueFactory = _ => 500 };
var faceSearch = new Command("face-search", "The on-premises face search's exact SIMD scan at --faces faces (pin it to one core: bench/face-search-one-core.sh).")
{
    faceCount, faceQueries, seed,
};
faceSearch.SetAction(parse => NextGenCrm.Bench.Faces.FaceSearchBench.Run(parse.GetValue(faceCount), parse.GetValue(faceQueries), parse.GetValue(seed), new NextGenCrm.Integrations.OnPremises.OnPremisesFaceSearchOptions().MaxDistance));
root.Subcommands.Add(faceSearch);
root.SetAction(async (parse, cancellationToken) =>
{
    var isQuick = parse.GetValue(quick);
    var settings = new BenchSettings(
        parse.GetValue(seed),
        TimeSpan.FromSeconds(parse.GetValue(duration) ?? (isQuick ? 2 : 5)),
        parse.GetValue(output)!,
        isQuick,
        parse.GetValue(visitors) ?? (isQuick ? 20_000 : 100_000),
        parse.GetValue(only));
    return await BenchRun.RunAsync(settings, string.Join(' ', ["dotnet run -c Release --project bench --", .. args]));
});
return await root.Parse(args).InvokeAsync();

internal sealed record BenchSettings(int Seed, TimeSpan Duration, DirectoryInfo Output, bool Quick, int Visitors, string? Only = null);

/// <summary>The phases in priority order, each bounded; a phase that fails is reported as missing, not fatal.</summary>
internal static class BenchRun
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(4.5);

    public static async Task<int> RunAsync(BenchSettings settings, string command)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var wall = Stopwatch.StartNew();
        var machine = Machine.Describe();
        var results = new BenchResults();
        Console.WriteLine($"NextGenCrm bench: {machine.Cores} cores, {machine.Cpu}, {machine.Runtime}, seed {settings.Seed}{(settings.Quick ? ", quick" : "")}");

        var shape = settings.Quick ? TraceShape.Quick(settings.Seed) : TraceShape.Full(settings.Seed);
        // The day ends an hour before now, so the API's capture-time checks hold for the HTTP phase too.
        var dayStart = DateTimeOffset.UtcNow.AddHours(-(shape.DayHours + 3));
        var trace = BranchDayTrace.Generate(shape, dayStart);
        results.TraceFacts.Add($"Seed {shape.Seed}: {shape.Branches} branches, {trace.Cameras.Count} cameras at 1-5 fps, a {shape.DayHours:N0}-hour day, arrivals Poisson at {shape.ArrivalsPerBranchHour:N0}/hour per branch, dwell 5-40 min.");
        results.TraceFacts.Add($"{trace.Visits.Count:N0} visits ({trace.StrangerVisits:N0} by strangers, {trace.ReturningVisits:N0} by people returning the same day), {trace.TrackCount:N0} edge tracks ({trace.TrackCount / (double)trace.Visits.Count:N2} per visit: one per person-camera pass), {trace.Frames.Length:N0} frames.");
        results.TraceFacts.Add("Replayed as fast as it goes with capturedAt from the trace; the visit clock follows the trace (see README).");
        Console.WriteLine(string.Join(Environment.NewLine, results.TraceFacts));

        double oursRate = 0;
        async Task Phase(string name, BenchResults results, Stopwatch wall, Func<Task> run)
        {
            if (settings.Only is { Length: > 0 } filter && !name.Contains(filter, StringComparison.OrdinalIgnoreCase))
            {
                results.Missing.Add($"{name}: skipped (--only {filter}).");
                return;
            }
            await RunPhase(name, results, wall, run);
        }

        await Phase("Identity under a realistic face search", results, wall, () => Identity.RunAsync(results));
        await Phase("Trace through both pipelines", results, wall, async () => oursRate = await CoreComparison.RunAsync(trace, results));
        await Phase("Re-identification across cameras", results, wall, () => ReIdentificationReplay.RunAsync(trace, results));
        await Phase("Grain-layer throughput", results, wall, () => GrainThroughput.RunAsync(settings.Duration, results));
        await Phase("HTTP ingest", results, wall, () => HttpIngest.RunAsync(settings.Duration, results));
        await Phase("SSE browsers", results, wall, () => SseClients.RunAsync(settings.Duration, settings.Quick ? [0, 100, 500, 0] : [0, 100, 500, 1000, 2000, 0], results));
        await Phase("Latency", results, wall, () => oursRate > 0
            ? RunLatencyAsync()
            : throw new InvalidOperationException("no replay rate to halve"));
        async Task RunLatencyAsync()
        {
            await Latency.RunAsync(trace, oursRate, settings.Duration * 2, results);
            await Latency.RunAsync(trace, oursRate, settings.Duration * 2, results, share: 0.25);
        }
        await Phase("Memory", results, wall, () => Memory.RunAsync(settings.Visitors, TimeSpan.FromSeconds(settings.Quick ? 15 : 25), results));
        await Phase("1 vs 3 silos", results, wall, () => Scaling.RunAsync(trace, settings.Duration * 2, results));

        settings.Output.Create();
        var markdown = MarkdownReport.Write(results, machine, command, wall.Elapsed, startedAt);
        await File.WriteAllTextAsync(Path.Combine(settings.Output.FullName, "report.md"), markdown);
        if (settings.Only is null || results.VisitCosts.Count > 0)
        {
            // The chart needs the per-visit comparison, which --only may have skipped.
            await File.WriteAllTextAsync(Path.Combine(settings.Output.FullName, "report.svg"), SvgChart.Write(results));
        }
        Console.WriteLine($"Report: {Path.Combine(settings.Output.FullName, "report.md")} ({wall.Elapsed.TotalSeconds:N0} s)");
        return 0;
    }

    private static async Task RunPhase(string name, BenchResults results, Stopwatch wall, Func<Task> run)
    {
        if (wall.Elapsed > Budget)
        {
            results.Missing.Add($"{name}: skipped, the run had used its {Budget.TotalMinutes} minutes.");
            return;
        }
        Console.WriteLine($"[{wall.Elapsed.TotalSeconds,5:N0} s] {name}");
        try
        {
            await run();
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            Console.WriteLine($"  failed: {failure}");
            results.Missing.Add($"{name}: failed ({failure.GetType().Name}: {failure.Message}).");
        }
    }
}
