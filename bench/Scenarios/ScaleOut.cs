using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using NextGenCrm.Bench.Fakes;
using NextGenCrm.Bench.Pipelines;
using NextGenCrm.Bench.Trace;
using Orleans.Runtime;

namespace NextGenCrm.Bench.Scenarios;

/// <summary>Where the sightings enter the cluster (which silo's co-hosted client sends them).</summary>
public enum Ingress
{
    /// <summary>Every sighting through the first silo (what the bench always did).</summary>
    First,

    /// <summary>Sighting i through silo i mod n: a load balancer spreading requests.</summary>
    Spread,

    /// <summary>
    /// Each branch's sightings through one silo, the one its grains are placed on: an edge agent whose
    /// connection lands where its branch lives.
    /// </summary>
    Branch,
}

/// <summary>
/// Scale-out efficiency: the trace replayed on 1 silo and on 3 silos in this process, back to back, a few
/// rounds, with the cross-silo messages per sighting counted from Orleans' own messaging instruments (every
/// message a silo sends over a connection: requests, responses, directory and membership traffic).
/// </summary>
public static class ScaleOut
{
    /// <param name="Batch">
    /// Sightings per request as an edge agent sends them while draining its buffer (<see cref="AgentReplay"/>); 1 = single
    /// sightings, 512 in flight, each its own grain call (the replay as it ran before the batch path).
    /// </param>
    public sealed record Settings(
        int Rounds, int Silos, Ingress Ingress, PlacementMode Placement, TimeSpan MaxTime, bool Warm = true,
        int Batch = 1, BatchCalls Calls = BatchCalls.Camera, bool FullBatches = false, ClockTimers Timers = ClockTimers.TraceTime);

    public sealed record Run(int Silos, double Rate, long Sightings, long CrossSiloMessages, string Activations, TimeSpan Cpu, long Requests, long CameraCalls, long TimersFired)
    {
        public double SightingsPerRequest => Sightings / (double)Requests;

        public double CameraCallsPerRequest => CameraCalls / (double)Requests;

        /// <summary>Sightings per second of this process's CPU time: what the silos cost, whoever else shares the cores.</summary>
        public double PerCpuSecond => Sightings / Cpu.TotalSeconds;

        public double CrossSiloPerSighting => CrossSiloMessages / (double)Sightings;

        /// <summary>Cores this process kept busy on average during the replay (CPU time over wall clock): below the machine's cores, the replay waited.</summary>
        public double CoresBusy => Cpu.TotalSeconds * Rate / Sightings;
    }

    public static async Task<IReadOnlyList<(Run One, Run Many)>> RunAsync(BranchDayTrace trace, Settings settings, Action<string> print)
    {
        using var messages = new NetworkMessageCounter();
        if (settings.Warm)
        {
            // JIT and tiering on both shapes first, so neither measured run pays for it (with 3 s, the first round's
            // single silo still ran at a third of the later rounds' rate per CPU-second).
            await OnceAsync(trace, 1, settings, messages, "warm1");
            await OnceAsync(trace, settings.Silos, settings, messages, "warmN");
        }
        var rounds = new List<(Run, Run)>();
        for (var round = 1; round <= settings.Rounds; round++)
        {
            var one = await OnceAsync(trace, 1, settings, messages, $"r{round}a");
            var many = await OnceAsync(trace, settings.Silos, settings, messages, $"r{round}b");
            rounds.Add((one, many));
            print(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: 1 silo {one.Rate:N0}/s, {settings.Silos} silos {many.Rate:N0}/s, ratio {many.Rate / one.Rate:N2}x; per CPU-second {one.PerCpuSecond:N0} vs {many.PerCpuSecond:N0}, ratio {many.PerCpuSecond / one.PerCpuSecond:N2}x; cross-silo messages per sighting {many.CrossSiloPerSighting:N3} ({many.CrossSiloMessages:N0} for {many.Sightings:N0}); activations per silo {many.Activations}; requests {one.Requests:N0} vs {many.Requests:N0} (sightings per request {one.SightingsPerRequest:N1} vs {many.SightingsPerRequest:N1}), camera calls per request {many.CameraCallsPerRequest:N2}; cores busy {one.CoresBusy:N2} vs {many.CoresBusy:N2}; visit timers fired {one.TimersFired:N0} vs {many.TimersFired:N0}"));
        }
        var ratios = rounds.Select(r => r.Item2.Rate / r.Item1.Rate).Order().ToArray();
        var cpuRatios = rounds.Select(r => r.Item2.PerCpuSecond / r.Item1.PerCpuSecond).Order().ToArray();
        var perSighting = rounds.Select(r => r.Item2.CrossSiloPerSighting).Order().ToArray();
        print(string.Create(CultureInfo.InvariantCulture,
            $"{settings.Silos} silos / 1 silo: median {ratios[ratios.Length / 2]:N2}x, range {ratios[0]:N2}-{ratios[^1]:N2}x over {ratios.Length} rounds; per CPU-second median {cpuRatios[cpuRatios.Length / 2]:N2}x, range {cpuRatios[0]:N2}-{cpuRatios[^1]:N2}x; cross-silo messages per sighting median {perSighting[perSighting.Length / 2]:N3} (range {perSighting[0]:N3}-{perSighting[^1]:N3}); placement {settings.Placement}, ingress {settings.Ingress}, batch {settings.Batch}{(settings.Batch > 1 ? $" ({settings.Calls} calls{(settings.FullBatches ? ", full batches" : "")})" : "")}, visit timers {settings.Timers}"));
        return rounds;
    }

    private static async Task<Run> OnceAsync(BranchDayTrace trace, int silos, Settings settings, NetworkMessageCounter messages, string prefix)
    {
        var world = new FakeWorld();
        await world.EnrolAsync(trace.People);
        await using var cluster = await BenchCluster.StartAsync(silos, world, new TraceClock(trace.DayStart, settings.Timers), placement: settings.Placement);
        await cluster.WaitForMembershipAsync(TimeSpan.FromSeconds(20));
        if (prefix == "warmN")
        {
            Console.WriteLine($"Orleans' default placement here: {cluster.Silos[0].Services.GetRequiredService<PlacementStrategy>().GetType().Name}");
        }
        var before = messages.Count;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        long done, requests, cameraCalls;
        TimeSpan elapsed;
        if (settings.Batch > 1)
        {
            var agents = await AgentReplay.RunAsync(cluster, trace, prefix, settings.Ingress, settings.Batch, settings.Calls, settings.MaxTime, settings.FullBatches);
            (done, elapsed, requests, cameraCalls) = (agents.Done, agents.Elapsed, agents.Requests, agents.CameraCalls);
            if (agents.NotRecorded > 0)
            {
                Console.WriteLine($"{prefix}: {agents.NotRecorded:N0} sightings not recorded ({agents.Reasons}; an agent sends them again; not counted)");
            }
        }
        else
        {
            (done, elapsed) = await ReplayAsync(cluster, trace, prefix, settings.Ingress, settings.MaxTime);
            (requests, cameraCalls) = (done, done);
        }
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var sent = messages.Count - before;
        var activations = "";
        if (silos > 1)
        {
            var stats = await cluster.Grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
            activations = string.Join(" / ", stats
                .Where(s => s.GrainType.Contains("NextGenCrm", StringComparison.Ordinal) && !s.GrainType.Contains("Noop", StringComparison.Ordinal))
                .GroupBy(s => s.SiloAddress)
                .OrderBy(g => g.Key.ToString(), StringComparer.Ordinal)
                .Select(g => g.Sum(s => s.ActivationCount).ToString("N0", CultureInfo.InvariantCulture)));
        }
        return new Run(silos, done / elapsed.TotalSeconds, done, sent, activations, cpu, requests, cameraCalls, cluster.Clock.TimersFired);
    }

    /// <summary>The trace through the camera grains, each sighting sent from the silo the ingress picks.</summary>
    public static Task<(long Done, TimeSpan Elapsed)> ReplayAsync(BenchCluster cluster, BranchDayTrace trace, string prefix, Ingress ingress, TimeSpan maxTime)
    {
        var silos = cluster.Silos.Count;
        var factories = cluster.Silos.Select(s => s.Services.GetRequiredService<IGrainFactory>()).ToArray();
        var cameras = factories
            .Select(f => trace.Cameras.Select(c => f.GetGrain<ICameraGrain>(CameraKeys.Format(c.BranchId, c.CameraId))).ToArray())
            .ToArray();
        var siloOfCamera = trace.Cameras.Select(c => ingress == Ingress.Branch ? cluster.SiloIndexOfBranch(c.BranchId) : 0).ToArray();
        var tracks = Enumerable.Range(0, trace.TrackCount).Select(t => $"{prefix}-t{t}").ToArray();
        return Replay.RunAsync(trace.Frames.Length, maxTime, CoreComparison.Window, i =>
        {
            var frame = trace.Frames[i];
            var camera = trace.Cameras[frame.Camera];
            var at = trace.TimeOf(frame);
            cluster.Clock.AdvanceTo(at);
            var via = ingress switch
            {
                Ingress.Spread => (int)(i % silos),
                Ingress.Branch => siloOfCamera[frame.Camera],
                _ => 0,
            };
            return cameras[via][frame.Camera].RecordSighting(new Sighting(
                $"{prefix}-s{i}", camera.BranchId, camera.CameraId, tracks[frame.Track], at, trace.People[frame.Person].FaceToken, null, null));
        });
    }

    /// <summary>
    /// Counts the messages Orleans sends between silos: each measurement of its <c>orleans-messaging-sent-messages-size</c>
    /// histogram is one message written to a silo-to-silo (or gateway) connection; local calls are not in it.
    /// </summary>
    public sealed class NetworkMessageCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public NetworkMessageCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Microsoft.Orleans" && instrument.Name == "orleans-messaging-sent-messages-size")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<int>((_, _, _, _) => Interlocked.Increment(ref _count));
            _listener.SetMeasurementEventCallback<long>((_, _, _, _) => Interlocked.Increment(ref _count));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
