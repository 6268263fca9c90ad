namespace NextGenCrm.Bench.Trace;

/// <summary>What the generator is asked for. Rates are per branch; the day is compressed on replay.</summary>
public sealed record TraceShape(
    int Seed,
    int Branches,
    double DayHours,
    double ArrivalsPerBranchHour,
    double StrangerShare,
    double ReturningShare,
    int CustomerPool)
{
    public static TraceShape Full(int seed) => new(seed, Branches: 12, DayHours: 10, ArrivalsPerBranchHour: 12, StrangerShare: 0.3, ReturningShare: 0.2, CustomerPool: 5_000);
    public static TraceShape Quick(int seed) => new(seed, Branches: 4, DayHours: 6, ArrivalsPerBranchHour: 12, StrangerShare: 0.3, ReturningShare: 0.2, CustomerPool: 2_000);
}

/// <summary>One frame in which an edge agent saw a face: what it would send, as indexes into the trace's tables.</summary>
public readonly record struct Frame(long AtMs, int Camera, int Track, int Person);

public sealed record TraceCamera(int Branch, string BranchId, string CameraId, int FramesPerSecond);

public sealed record TracePerson(string FaceToken, bool Stranger, string? CustomerId);

/// <summary>One person-branch stay: the ground truth a visit should match.</summary>
public sealed record TraceVisit(int Person, int Branch, long ArriveMs, long LeaveMs, int Tracks);

/// <summary>
/// A branch day as events with timestamps: visitors arrive as a Poisson process per branch, dwell
/// 5-40 minutes, pass the branch's cameras every 2-12 minutes while inside (each pass one edge track,
/// 15-90 s in view, one frame per camera frame). A share are strangers, a share come back later the same day.
/// </summary>
public sealed class BranchDayTrace
{
    public required TraceShape Shape { get; init; }
    public required DateTimeOffset DayStart { get; init; }
    public required IReadOnlyList<TraceCamera> Cameras { get; init; }
    public required IReadOnlyList<TracePerson> People { get; init; }
    public required IReadOnlyList<TraceVisit> Visits { get; init; }
    public required Frame[] Frames { get; init; }
    public required int TrackCount { get; init; }

    public int StrangerVisits => Visits.Count(v => People[v.Person].Stranger);
    public int ReturningVisits { get; init; }
    public IEnumerable<TracePerson> Customers => People.Where(p => !p.Stranger);

    public DateTimeOffset TimeOf(in Frame frame) => DayStart.AddMilliseconds(frame.AtMs);

    public static BranchDayTrace Generate(TraceShape shape, DateTimeOffset dayStart)
    {
        var random = new Random(shape.Seed);
        var cameras = new List<TraceCamera>();
        var camerasOfBranch = new List<int[]>();
        for (var b = 0; b < shape.Branches; b++)
        {
            var count = random.Next(2, 5);
            var ids = new int[count];
            for (var c = 0; c < count; c++)
            {
                ids[c] = cameras.Count;
                cameras.Add(new TraceCamera(b, $"br{b:D3}", $"cam{c}", random.Next(1, 6)));
            }
            camerasOfBranch.Add(ids);
        }

        var people = new List<TracePerson>();
        for (var i = 0; i < shape.CustomerPool; i++)
        {
            people.Add(new TracePerson($"face-c{i:D6}", Stranger: false, CustomerId: $"cust{i:D6}"));
        }
        var nextCustomer = 0;
        var lastLeave = new Dictionary<int, long>();
        var visits = new List<TraceVisit>();
        var frames = new List<Frame>();
        var track = 0;
        var returning = 0;
        var dayMs = (long)(shape.DayHours * 3_600_000);

        // Arrivals of all branches merged in time order, so "returning" only picks people who have left.
        var arrivals = new List<(long At, int Branch)>();
        for (var b = 0; b < shape.Branches; b++)
        {
            var meanGapMs = 3_600_000 / shape.ArrivalsPerBranchHour;
            for (var at = Exponential(random, meanGapMs); at < dayMs; at += Exponential(random, meanGapMs))
            {
                arrivals.Add(((long)at, b));
            }
        }
        arrivals.Sort();

        foreach (var (arrive, branch) in arrivals)
        {
            var person = -1;
            if (random.NextDouble() < shape.ReturningShare)
            {
                // Someone who left more than 20 minutes ago: a new visit, not the old one extended.
                var candidates = lastLeave.Where(p => p.Value < arrive - 20 * 60_000).Select(p => p.Key).ToList();
                if (candidates.Count > 0)
                {
                    person = candidates[random.Next(candidates.Count)];
                    returning++;
                }
            }
            if (person < 0)
            {
                if (random.NextDouble() < shape.StrangerShare || nextCustomer >= shape.CustomerPool)
                {
                    person = people.Count;
                    people.Add(new TracePerson($"face-s{person:D6}", Stranger: true, CustomerId: null));
                }
                else
                {
                    person = nextCustomer++;
                }
            }
            var dwell = (long)(random.Next(5, 41) * 60_000);
            var leave = arrive + dwell;
            lastLeave[person] = leave;

            // Passes in front of cameras from arrival to departure, never more than 12 minutes apart, so
            // the person is seen within the 15-minute inactivity timeout for the whole stay. Each pass is
            // one edge track; a person lingering 40 minutes is re-acquired several times.
            var branchCameras = camerasOfBranch[branch];
            var passes = 0;
            for (var start = arrive; start < leave; start += random.Next(2, 13) * 60_000L)
            {
                var camera = branchCameras[random.Next(branchCameras.Length)];
                var fps = cameras[camera].FramesPerSecond;
                var inView = random.Next(15, 91) * 1000L;
                var frameGap = 1000L / fps;
                for (var t = start; t < start + inView; t += frameGap)
                {
                    frames.Add(new Frame(t, camera, track, person));
                }
                start += inView;
                track++;
                passes++;
            }
            visits.Add(new TraceVisit(person, branch, arrive, leave, passes));
        }

        var ordered = frames.ToArray();
        Array.Sort(ordered, (a, b) => a.AtMs.CompareTo(b.AtMs));
        return new BranchDayTrace
        {
            Shape = shape, DayStart = dayStart, Cameras = cameras, People = people, Visits = visits,
            Frames = ordered, TrackCount = track, ReturningVisits = returning,
        };
    }

    private static double Exponential(Random random, double mean) => -mean * Math.Log(1 - random.NextDouble());
}
