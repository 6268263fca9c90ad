using System.Diagnostics;
using NextGenCrm.Bench.Pipelines;
using NextGenCrm.Bench.Trace;
using NextGenCrm.Silo.Ingest;

namespace NextGenCrm.Bench.Scenarios;

/// <summary>How the batch endpoint calls the cameras for a batch.</summary>
public enum BatchCalls
{
    /// <summary>One grain call per camera per batch (<see cref="SightingIngest.RecordBatchAsync"/>, as the silo does now).</summary>
    Camera,

    /// <summary>One grain call per sighting, a camera's in capture order, cameras side by side (the endpoint before).</summary>
    Sighting,
}

/// <summary>
/// The trace sent as edge agents send it while they drain a backlog: one agent per branch (its cameras share one
/// buffer, in capture order), one request in flight per agent (<c>SightingDelivery</c> awaits each), each request
/// what the agent's buffer holds up to its batch size (<c>EdgeAgent:Silo:BatchSize</c>, default 100). The cameras
/// fill the buffers as fast as the agents drain them (a compressed replay), but never more than two batches per
/// branch ahead of the slowest, so the branches stay in step in trace time; the visit clock reads the capture time
/// of the latest frame taken into a buffer. Each request enters the cluster at the silo the ingress picks
/// (<see cref="Ingress.Spread"/>: request i at silo i mod n, a load balancer spreading requests).
/// </summary>
public static class AgentReplay
{
    public sealed record Result(long Done, TimeSpan Elapsed, long Requests, long CameraCalls, long NotRecorded, string Reasons = "");

    public static async Task<Result> RunAsync(
        BenchCluster cluster, BranchDayTrace trace, string prefix, Ingress ingress, int batchSize, BatchCalls calls, TimeSpan maxTime, bool fullBatches = false)
    {
        var silos = cluster.Silos.Count;
        var factories = cluster.Silos.Select(s => s.Services.GetRequiredService<IGrainFactory>()).ToArray();
        var ingests = factories.Select(f => new SightingIngest(f, cluster.World.Images)).ToArray();
        var branches = trace.Cameras.Select(c => c.Branch).Distinct().Order().ToArray();
        var branchIds = branches.ToDictionary(b => b, b => trace.Cameras.First(c => c.Branch == b).BranchId);
        var siloOfBranch = branches.ToDictionary(b => b, b => ingress == Ingress.Branch ? cluster.SiloIndexOfBranch(branchIds[b]) : 0);
        var tracks = Enumerable.Range(0, trace.TrackCount).Select(t => $"{prefix}-t{t}").ToArray();

        var gate = new object();
        var reasons = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var buffers = branches.ToDictionary(b => b, _ => new Queue<int>());
        var cap = 2L * batchSize * branches.Length;
        long next = 0, buffered = 0, done = 0, requests = 0, cameraCalls = 0, notRecorded = 0;
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watch = Stopwatch.StartNew();

        // Under the gate: frames into the buffers until this agent has a batch, the buffers are full, or the day (or time) is over.
        int[] Take(int branch, out bool over)
        {
            var mine = buffers[branch];
            var fed = next;
            while (mine.Count < batchSize && buffered < cap && next < trace.Frames.Length && watch.Elapsed < maxTime)
            {
                var frame = trace.Frames[next];
                buffers[trace.Cameras[frame.Camera].Branch].Enqueue((int)next);
                cluster.Clock.AdvanceTo(trace.TimeOf(frame));
                next++;
                buffered++;
            }
            var ending = next >= trace.Frames.Length || watch.Elapsed >= maxTime;
            over = mine.Count == 0 && ending;
            // Full batches: an agent draining a backlog sends only full batches (what is left at the end of the day too).
            var batch = new int[fullBatches && mine.Count < batchSize && !ending ? 0 : Math.Min(batchSize, mine.Count)];
            for (var k = 0; k < batch.Length; k++)
            {
                batch[k] = mine.Dequeue();
            }
            buffered -= batch.Length;
            if (batch.Length > 0 || next > fed || over)
            {
                // Frames taken, fed into other agents' buffers, or the replay over: an agent waiting for any of them goes on.
                var waiting = drained;
                drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                waiting.TrySetResult();
            }
            return batch;
        }

        async Task AgentAsync(int branch)
        {
            while (true)
            {
                int[] batch;
                bool over;
                Task waitFor;
                lock (gate)
                {
                    batch = Take(branch, out over);
                    waitFor = drained.Task;
                }
                if (batch.Length == 0)
                {
                    if (over)
                    {
                        return;
                    }
                    await waitFor; // the buffers are full of other branches' frames: wait until an agent takes some
                    continue;
                }
                var sightings = batch.Select(i =>
                {
                    var frame = trace.Frames[i];
                    var camera = trace.Cameras[frame.Camera];
                    return new Sighting($"{prefix}-s{i}", camera.BranchId, camera.CameraId, tracks[frame.Track], trace.TimeOf(frame),
                        trace.People[frame.Person].FaceToken, null, null);
                }).ToArray();
                var request = Interlocked.Increment(ref requests);
                var via = ingress switch
                {
                    Ingress.Spread => (int)(request % silos),
                    Ingress.Branch => siloOfBranch[branch],
                    _ => 0,
                };
                var cameras = sightings.Select(s => s.CameraKey).Distinct(StringComparer.Ordinal).Count();
                if (calls == BatchCalls.Camera)
                {
                    var outcomes = await ingests[via].RecordBatchAsync(sightings);
                    foreach (var failed in outcomes.Where(o => o.Result is null))
                    {
                        Interlocked.Increment(ref notRecorded); // an agent would send these again
                        reasons.TryAdd(failed.NotRecorded ?? failed.Unusable ?? "", 0);
                    }
                    Interlocked.Add(ref cameraCalls, cameras);
                }
                else
                {
                    await Task.WhenAll(sightings
                        .GroupBy(s => s.CameraKey, StringComparer.Ordinal)
                        .Select(async camera =>
                        {
                            var grain = factories[via].GetGrain<ICameraGrain>(camera.Key);
                            foreach (var sighting in camera.OrderBy(s => s.CapturedAt))
                            {
                                try
                                {
                                    await grain.RecordSighting(sighting);
                                }
                                catch (Exception failure) when (failure is not OutOfMemoryException)
                                {
                                    Interlocked.Increment(ref notRecorded);
                                    reasons.TryAdd(failure.GetType().Name, 0);
                                }
                            }
                        }));
                    Interlocked.Add(ref cameraCalls, sightings.Length);
                }
                Interlocked.Add(ref done, sightings.Length);
            }
        }

        await Task.WhenAll(branches.Select(b => Task.Run(() => AgentAsync(b))));
        return new Result(done - notRecorded, watch.Elapsed, requests, cameraCalls, notRecorded, string.Join(", ", reasons.Keys.Order(StringComparer.Ordinal)));
    }
}
