using NextGenCrm.Bench.Fakes;
using NextGenCrm.Bench.Pipelines;
using NextGenCrm.Bench.Trace;
using Orleans.Runtime;

namespace NextGenCrm.Bench.Scenarios;

/// <summary>
/// The same trace replay on 1 and on 3 silos in this one process (all on the same 2 cores): the shape
/// of scaling — what the extra hops cost — not more capacity.
/// </summary>
public static class Scaling
{
    public const string Section = "1 vs 3 silos (same process, same cores)";

    public static async Task RunAsync(BranchDayTrace trace, TimeSpan duration, BenchResults results)
    {
        foreach (var silos in new[] { 1, 3 })
        {
            var world = new FakeWorld();
            await world.EnrolAsync(trace.People);
            await using var cluster = await BenchCluster.StartAsync(silos, world, new TraceClock(trace.DayStart));
            await cluster.WaitForMembershipAsync(TimeSpan.FromSeconds(20)); // every silo sees the others: placement and ingress agree
            // Each branch's sightings enter at its own silo (see the scale command in bench/README.md for the others).
            var (done, elapsed) = await ScaleOut.ReplayAsync(cluster, trace, $"scale{silos}", Ingress.Branch, duration);
            var spread = "";
            if (silos > 1)
            {
                var stats = await cluster.Grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
                spread = "activations per silo: " + string.Join(" / ", stats
                    .Where(s => s.GrainType.Contains("NextGenCrm", StringComparison.Ordinal) && !s.GrainType.Contains("Noop", StringComparison.Ordinal))
                    .GroupBy(s => s.SiloAddress)
                    .Select(g => g.Sum(s => s.ActivationCount).ToString("N0", System.Globalization.CultureInfo.InvariantCulture)));
            }
            results.Add(new Figure(Section, $"Trace frames/s on {silos} silo{(silos > 1 ? "s" : "")}", done / elapsed.TotalSeconds, "/s", Note: spread));
        }
        if (results.Value("Trace frames/s on 1 silo") is { } one && results.Value("Trace frames/s on 3 silos") is { } three)
        {
            results.Add(new Figure(Section, "3 silos / 1 silo", three / one, "x"));
        }
    }
}
