using System.Diagnostics;
using NextGenCrm.Bench.Fakes;
using NextGenCrm.Bench.Pipelines;
using NextGenCrm.Integrations.Embedded;

namespace NextGenCrm.Bench.Scenarios;

/// <summary>
/// One person, one visitor, under a face search that behaves like Rekognition at its slow end: several
/// branches at once, each with customers and strangers who walk in together and are seen by three cameras
/// at the same moment, in three rounds (new edge tracks each time). Real time, since the overlap of slow
/// calls is the point; the same run on a kind double (instant, nothing lost) stands beside it.
/// </summary>
public static class Identity
{
    public const string Section = "Identity";
    private const int Branches = 4, Customers = 3, Strangers = 6, Rounds = 3;
    private static readonly string[] Cameras = ["door", "lobby", "counter"];

    public static async Task RunAsync(BenchResults results)
    {
        var realistic = new SimulatedFaceSearchOptions { MinLatency = TimeSpan.FromMilliseconds(150), MaxLatency = TimeSpan.FromMilliseconds(250), LostAnswerRate = 0.1 };
        var kind = new SimulatedFaceSearchOptions { MinLatency = TimeSpan.Zero, MaxLatency = TimeSpan.Zero, LostAnswerRate = 0 };
        await RunOnceAsync(results, "realistic double, 1 silo", realistic, silos: 1, targets: true);
        await RunOnceAsync(results, "realistic double, 3 silos", realistic, silos: 3, targets: true);
        await RunOnceAsync(results, "kind double, 1 silo", kind, silos: 1, targets: false);
        results.Notes.Add($"Identity: {Branches} branches at once, each {Customers} customers and {Strangers} strangers walking in together, every person seen by {Cameras.Length} cameras at the same moment, {Rounds} rounds of new edge tracks. " +
            "Realistic double: every IndexFaces stores a new face, 150-250 ms a call, 10 % of answers lost after the work was done and retried. Kind double: instant and nothing lost.");
    }

    private static async Task RunOnceAsync(BenchResults results, string label, SimulatedFaceSearchOptions faceSearch, int silos, bool targets)
    {
        var world = new FakeWorld(faceSearch);
        var people = new List<(string Branch, string Token, bool Stranger)>();
        var run = Guid.NewGuid().ToString("N")[..6];
        for (var b = 0; b < Branches; b++)
        {
            for (var p = 0; p < Customers + Strangers; p++)
            {
                people.Add(($"id-{run}-b{b}", $"id-{run}-b{b}-p{p}", p >= Customers));
            }
        }
        await world.EnrolAsync(people.Where(p => !p.Stranger).Select((p, i) => new Trace.TracePerson(p.Token, Stranger: false, $"cust-{run}-{i}")));
        world.Ledger.StrangerTokens.UnionWith(people.Where(p => p.Stranger).Select(p => p.Token));
        var (createAtStart, peopleAtStart) = (world.Simulated.CreateUserCalls, world.Simulated.PersonCount);

        await using var cluster = await BenchCluster.StartAsync(silos, world, new TraceClock(DateTimeOffset.UtcNow));
        var visitors = new HashSet<string>(StringComparer.Ordinal);
        var firstAnswerMs = new List<double>();
        var failed = 0;
        for (var round = 0; round < Rounds; round++)
        {
            var calls = people.SelectMany(person => Cameras.Select(async camera =>
            {
                var watch = Stopwatch.StartNew();
                try
                {
                    var result = await cluster.Grains.GetGrain<ICameraGrain>(CameraKeys.Format(person.Branch, camera)).RecordSighting(new Sighting(
                        Guid.NewGuid().ToString("N"), person.Branch, camera, $"{person.Token}-{camera}-r{round}", DateTimeOffset.UtcNow, person.Token, null, null));
                    return (result.VisitorId, Ms: watch.Elapsed.TotalMilliseconds, Stranger: person.Stranger, Ok: true);
                }
                catch (Exception failure) when (failure is not OutOfMemoryException)
                {
                    return (VisitorId: (string?)null, Ms: 0.0, Stranger: person.Stranger, Ok: false);
                }
            }));
            foreach (var answer in await Task.WhenAll(calls))
            {
                failed += answer.Ok ? 0 : 1;
                if (answer.VisitorId is { } visitorId)
                {
                    visitors.Add(visitorId);
                }
                if (round == 0 && answer.Stranger && answer.Ok)
                {
                    firstAnswerMs.Add(answer.Ms);
                }
            }
        }
        var opened = cluster.VisitsOpened;
        await Replay.WaitUntilAsync(() => world.Ledger.Tasks >= opened && world.Ledger.Alerts >= Branches * Strangers, TimeSpan.FromSeconds(30));
        await Task.Delay(500); // a second task or SMS would be on its way by now

        var strangers = Branches * Strangers;
        var newPeople = world.Simulated.PersonCount - peopleAtStart;
        firstAnswerMs.Sort();
        void Add(string name, double value, string target, Func<double, bool> met, string note = "") =>
            results.Add(new Figure(Section, $"{name} ({label})", value, "", targets ? target : "", targets ? met(value) : null, note));
        Add("Visitors per person", visitors.Count / (double)people.Count, "1.00", v => Math.Abs(v - 1) < 0.005, $"{visitors.Count} visitors for {people.Count} people, {failed} sightings not answered");
        Add("Visits per person", opened / (double)people.Count, "1.00", v => Math.Abs(v - 1) < 0.005);
        Add("Appian tasks per visit", world.Ledger.Tasks / (double)opened, "1.00", v => Math.Abs(v - 1) < 0.005, $"{world.Ledger.Tasks} task calls");
        Add("SNS alerts per stranger's visit", world.Ledger.Alerts / (double)strangers, "1.00", v => Math.Abs(v - 1) < 0.005, $"{world.Ledger.Alerts} alert calls");
        // Faces stored for strangers: one per IndexFaces call that reached the service. (Customers' first visits
        // add a camera face to their enrolment photo, on purpose, and are not counted here.)
        var strangerFaces = people.Where(p => p.Stranger).Sum(p => world.Simulated.FacesStoredFor(p.Token));
        Add("IndexFaces calls per stranger", strangerFaces / (double)strangers, "≤ 1.05", v => v <= 1.05,
            $"{world.Simulated.LostAnswers} answers lost and retried over the run");
        Add("Users created per new visitor", newPeople / (double)Math.Max(1, visitors.Count - (Branches * Customers)), "1.00", v => Math.Abs(v - 1) < 0.005,
            $"{world.Simulated.CreateUserCalls - createAtStart} CreateUser calls (a retry after a lost answer is a call) for {newPeople} people");
        if (firstAnswerMs.Count > 0)
        {
            results.Add(new Figure(Section, $"Stranger's first sighting answered, p99 ({label})", firstAnswerMs[(int)Math.Ceiling(0.99 * firstAnswerMs.Count) - 1], "ms", "", null,
                $"p50 {firstAnswerMs[firstAnswerMs.Count / 2]:N0} ms: search, then the branch registrar one stranger at a time"));
        }
    }
}
