using System.Diagnostics;
using NextGenCrm.Bench.Fakes;
using NextGenCrm.Bench.Pipelines;
using NextGenCrm.Bench.Trace;
using NextGenCrm.EdgeAgent.ReIdentification;
using NextGenCrm.Integrations.Embedded;

namespace NextGenCrm.Bench.Scenarios;

/// <summary>
/// Face searches per visit with the edge agent's cross-camera re-identification on, next to off, on the same trace and
/// a face search that behaves like Rekognition (100–300 ms a call, calls overlapping, 2 % of answers lost after the work
/// was done and retried, each IndexFaces storing a new face). Each edge track gets a modelled descriptor
/// (<see cref="PassDescriptors"/>); one <see cref="RecentFaces"/> per branch (one agent per branch), the agent's own
/// class with its default settings, decides which tracks are sent as an earlier one.
/// </summary>
public static class ReIdentificationReplay
{
    public const string Section = "Re-identification";
    /// <summary>Sightings in flight: few, so those waiting for a search are not minutes of trace time behind the clock.</summary>
    private const int Window = 96;
    private static readonly TimeSpan FirstSightingAfter = TimeSpan.FromSeconds(1), AbsenceTimeout = TimeSpan.FromSeconds(5);

    public static async Task RunAsync(BranchDayTrace trace, BenchResults results)
    {
        var model = DescriptorModel.Default(trace.Shape.Seed);
        var (descriptors, personOf) = PassDescriptors.Generate(trace, model);
        var options = new ReIdentificationOptions();
        var tracks = Tracks(trace);
        const string prefix = "reid";
        var decision = Decide(trace, tracks, descriptors, options, prefix, out var ambiguous);

        var matched = decision.Count(d => d is not null);
        var wrong = Enumerable.Range(0, trace.TrackCount).Count(t => decision[t] is { } d && personOf[int.Parse(d.TrackId[(prefix.Length + 2)..], System.Globalization.CultureInfo.InvariantCulture)] != personOf[t]);
        var (genuine, impostor, falseNonMatch, falseMatch) = Rates(trace, tracks, descriptors, personOf, options);
        var visits = (double)trace.Visits.Count;

        var latency = new SimulatedFaceSearchOptions { MinLatency = TimeSpan.FromMilliseconds(100), MaxLatency = TimeSpan.FromMilliseconds(300), LostAnswerRate = 0.02 };
        var off = await ReplayAsync(trace, latency, prefix, null);
        var on = await ReplayAsync(trace, latency, prefix, decision);

        results.Add(new Figure(Section, "Face searches per visit, re-identification off (Rekognition-like double)", off.Searches / visits, "", "", null,
            $"{off.Searches:N0} searches, {off.Opened:N0} visits opened for {visits:N0} in the trace, {off.Sightings:N0} sightings (a track's first and one per 30 s), {off.Elapsed.TotalSeconds:N0} s"));
        results.Add(new Figure(Section, "Face searches per visit, re-identification on (Rekognition-like double)", on.Searches / visits, "", "≤ 1.2", on.Searches / visits <= 1.2,
            $"{on.Searches:N0} searches, {on.Opened:N0} visits opened for {visits:N0}, {on.TakenOver:N0} tracks taken over by the silo, {on.Elapsed.TotalSeconds:N0} s"));
        results.Add(new Figure(Section, "Tracks sent as an earlier track (of all tracks)", matched / (double)trace.TrackCount, "", "", null,
            $"{matched:N0} of {trace.TrackCount:N0}; {ambiguous:N0} close to two people, left to the silo's search"));
        results.Add(new Figure(Section, "Tracks given to the wrong person (false re-identifications)", wrong, "", "0", wrong == 0,
            $"{wrong / visits:P2} of visits; each hands one pass of a person to another's visit"));
        results.Add(new Figure(Section, $"False-match rate at similarity {options.MinSimilarity:0.00} (pairs of different people)", falseMatch, "", "", null,
            $"{impostor:N0} pairs of tracks of different people at one branch within the window"));
        results.Add(new Figure(Section, $"False-non-match rate at similarity {options.MinSimilarity:0.00} (pairs of passes of one person)", falseNonMatch, "", "", null,
            $"{genuine:N0} pairs of passes of one person in one visit"));
        var atThresholds = string.Join("; ", new[] { 0.94f, 0.95f, 0.96f, 0.97f }.Select(threshold =>
        {
            var (_, _, fnmr, fmr) = Rates(trace, tracks, descriptors, personOf, new ReIdentificationOptions { MinSimilarity = threshold });
            return $"{threshold:0.00}: false match {fmr:P3}, false non-match {fnmr:P1}";
        }));
        results.Notes.Add($"Re-identification, the descriptor model's error rates by threshold (pairs as above): {atThresholds}.");
        results.Notes.Add($"Re-identification: descriptors modelled ({model}), matched by the edge agent's RecentFaces (window {options.Window}, similarity ≥ {options.MinSimilarity}, margin {options.AmbiguityMargin}, at most {options.MaxTracks} tracks); face search 100-300 ms a call, 2 % of answers lost and retried, {Window} sightings in flight.");
    }

    private sealed record TrackSpan(int Camera, long StartMs, long EndMs);

    private static TrackSpan[] Tracks(BranchDayTrace trace)
    {
        var spans = new TrackSpan?[trace.TrackCount];
        foreach (var frame in trace.Frames)
        {
            spans[frame.Track] = spans[frame.Track] is { } span ? span with { EndMs = frame.AtMs } : new TrackSpan(frame.Camera, frame.AtMs, frame.AtMs);
        }
        return spans.Select(s => s!).ToArray();
    }

    /// <summary>What each branch's agent sends each track as: the first sighting (after FirstSightingAfter) decides.</summary>
    private static TrackRef?[] Decide(BranchDayTrace trace, TrackSpan[] tracks, float[][] descriptors, ReIdentificationOptions options, string prefix, out long ambiguous)
    {
        var agents = trace.Cameras.Select(c => c.Branch).Distinct().ToDictionary(b => b, _ => new RecentFaces(options));
        var events = new List<(long AtMs, bool Ends, int Track)>();
        for (var t = 0; t < tracks.Length; t++)
        {
            events.Add((Math.Min(tracks[t].StartMs + (long)FirstSightingAfter.TotalMilliseconds, tracks[t].EndMs), false, t));
            events.Add((tracks[t].EndMs + (long)AbsenceTimeout.TotalMilliseconds, true, t));
        }
        events.Sort((a, b) => a.AtMs != b.AtMs ? a.AtMs.CompareTo(b.AtMs) : a.Ends.CompareTo(b.Ends));
        var decision = new TrackRef?[tracks.Length];
        foreach (var (atMs, ends, t) in events)
        {
            var camera = trace.Cameras[tracks[t].Camera];
            var agent = agents[camera.Branch];
            var key = new TrackKey(camera.CameraId, $"{prefix}-t{t}");
            var at = trace.DayStart.AddMilliseconds(atMs);
            if (ends)
            {
                agent.Ended(key, at);
            }
            else if (agent.Identify(key, descriptors[t], at) is { } sameAs)
            {
                decision[t] = new TrackRef(sameAs.CameraId, sameAs.TrackId);
            }
        }
        ambiguous = agents.Values.Sum(a => a.Ambiguous);
        foreach (var agent in agents.Values)
        {
            agent.Dispose();
        }
        return decision;
    }

    /// <summary>
    /// Error rates at the threshold over the pairs the store compares: passes of one person in one visit (should
    /// match), and tracks of different people at the same branch within the window of each other (should not).
    /// </summary>
    private static (long Genuine, long Impostor, double FalseNonMatch, double FalseMatch) Rates(
        BranchDayTrace trace, TrackSpan[] tracks, float[][] descriptors, int[] personOf, ReIdentificationOptions options)
    {
        long genuine = 0, impostor = 0, missed = 0, falseMatches = 0;
        var windowMs = (long)options.Window.TotalMilliseconds;
        foreach (var branch in Enumerable.Range(0, trace.Shape.Branches))
        {
            var ofBranch = Enumerable.Range(0, tracks.Length).Where(t => trace.Cameras[tracks[t].Camera].Branch == branch).OrderBy(t => tracks[t].StartMs).ToArray();
            for (var i = 0; i < ofBranch.Length; i++)
            {
                for (var j = i + 1; j < ofBranch.Length && tracks[ofBranch[j]].StartMs - tracks[ofBranch[i]].EndMs <= windowMs; j++)
                {
                    var (a, b) = (ofBranch[i], ofBranch[j]);
                    var match = PassDescriptors.Cosine(descriptors[a], descriptors[b]) >= options.MinSimilarity;
                    if (personOf[a] == personOf[b])
                    {
                        genuine++;
                        missed += match ? 0 : 1;
                    }
                    else
                    {
                        impostor++;
                        falseMatches += match ? 1 : 0;
                    }
                }
            }
        }
        return (genuine, impostor, missed / (double)Math.Max(1, genuine), falseMatches / (double)Math.Max(1, impostor));
    }

    private sealed record Run(long Searches, long Opened, long TakenOver, long Sightings, TimeSpan Elapsed);

    private static async Task<Run> ReplayAsync(BranchDayTrace trace, SimulatedFaceSearchOptions faceSearch, string prefix, TrackRef?[]? sameAs)
    {
        // Enrolment is not measured: the customers are enrolled at once, then the face search takes its time.
        var latency = (faceSearch.MinLatency, faceSearch.MaxLatency);
        (faceSearch.MinLatency, faceSearch.MaxLatency) = (TimeSpan.Zero, TimeSpan.Zero);
        var world = new FakeWorld(faceSearch);
        await world.EnrolAsync(trace.People);
        (faceSearch.MinLatency, faceSearch.MaxLatency) = latency;
        var clock = new TraceClock(trace.DayStart);
        await using var cluster = await BenchCluster.StartAsync(1, world, clock);
        var grains = cluster.Grains;
        var cameras = trace.Cameras.Select(c => grains.GetGrain<ICameraGrain>(CameraKeys.Format(c.BranchId, c.CameraId))).ToArray();
        var trackIds = Enumerable.Range(0, trace.TrackCount).Select(t => $"{prefix}-t{t}").ToArray();
        var frames = AgentSightings(trace);
        var watch = Stopwatch.StartNew();
        var (done, _) = await Replay.RunAsync(frames.Length, TimeSpan.FromMinutes(5), Window, n =>
        {
            var i = frames[n];
            var frame = trace.Frames[i];
            var camera = trace.Cameras[frame.Camera];
            var at = trace.TimeOf(frame);
            cluster.Clock.AdvanceTo(at);
            return cameras[frame.Camera].RecordSighting(new Sighting(
                $"{prefix}-s{i}", camera.BranchId, camera.CameraId, trackIds[frame.Track], at, trace.People[frame.Person].FaceToken, null, null)
            {
                SameTrackAs = sameAs?[frame.Track],
            });
        });
        if (done < frames.Length)
        {
            throw new TimeoutException($"replayed {done:N0} of {frames.Length:N0} sightings in the time allowed");
        }
        var takenOver = 0L;
        foreach (var camera in cameras)
        {
            takenOver += (await camera.GetStatus()).TracksTakenOver;
        }
        return new Run(world.Ledger.FaceSearches, cluster.VisitsOpened, takenOver, frames.Length, watch.Elapsed);
    }

    /// <summary>
    /// The frames an edge agent turns into sightings: each track's first, then one per refresh interval (30 s), not
    /// every frame as the throughput replay sends (repeats never reach the face search either way).
    /// </summary>
    private static int[] AgentSightings(BranchDayTrace trace)
    {
        var lastSent = new long[trace.TrackCount];
        Array.Fill(lastSent, long.MinValue);
        var sent = new List<int>();
        for (var i = 0; i < trace.Frames.Length; i++)
        {
            var frame = trace.Frames[i];
            if (lastSent[frame.Track] == long.MinValue || frame.AtMs - lastSent[frame.Track] >= 30_000)
            {
                lastSent[frame.Track] = frame.AtMs;
                sent.Add(i);
            }
        }
        return [.. sent];
    }
}
