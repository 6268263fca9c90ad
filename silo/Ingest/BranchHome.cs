using System.Collections.Concurrent;
using NextGenCrm.Contracts;

namespace NextGenCrm.Silo.Ingest;

/// <summary>
/// Tells an edge agent whether the silo it reached is the one its branch's grains run on (response header
/// <see cref="EdgeHeaders.BranchHere"/>, <c>true</c> or <c>false</c>, on sightings, batches and heartbeats). Behind an ingress that
/// keeps a client on one pod by a cookie (ingress-nginx's cookie affinity, deploy/kubernetes/ingress.yaml), the agent
/// keeps that cookie only while the answer is <c>true</c>: after a few requests its branch's sightings all enter at
/// the silo that holds the branch, and none crosses to another silo to reach its camera (bench/README.md, scale-out).
/// Where a camera runs is asked of the camera itself (its activation, not the placement's hash: a branch keeps its
/// silo when another joins) and remembered for <see cref="Fresh"/>, or until the silo remembered is no longer active
/// (then the branch comes back on another at once, and that one says so at once).
/// </summary>
public sealed class BranchHome(IGrainFactory grains, ILocalSiloDetails silo, IClusterMembershipService membership, TimeProvider clock)
{
    /// <summary>How long where a camera runs is taken as known; a failed call forgets it at once.</summary>
    public static readonly TimeSpan Fresh = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Longest wait for a camera to say where it runs: the answer is only advice, and the sighting it rides on is
    /// already recorded, so a camera on a silo that has just died does not hold the response up.
    /// </summary>
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Cameras remembered at most (one entry each, about 100 bytes); past it the memory starts over.</summary>
    private const int MaxCameras = 20_000;

    private readonly ConcurrentDictionary<string, (SiloAddress Silo, long At)> _cameras = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="cameraKey"/> runs on this silo; null when that could not be learnt now.</summary>
    public async ValueTask<bool?> IsHereAsync(string cameraKey)
    {
        var now = clock.GetTimestamp();
        if (_cameras.TryGetValue(cameraKey, out var known) && clock.GetElapsedTime(known.At, now) < Fresh
            && membership.CurrentSnapshot.GetSiloStatus(known.Silo) == SiloStatus.Active)
        {
            return known.Silo.Equals(silo.SiloAddress);
        }
        try
        {
            var where = await grains.GetGrain<ICameraGrain>(cameraKey).GetSilo().WaitAsync(AskTimeout, clock);
            if (_cameras.Count >= MaxCameras)
            {
                _cameras.Clear();
            }
            _cameras[cameraKey] = (where, now);
            return where.Equals(silo.SiloAddress);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            _cameras.TryRemove(cameraKey, out _);
            return null;
        }
    }

    /// <summary>Adds <see cref="EdgeHeaders.BranchHere"/> to <paramref name="response"/> when it is known.</summary>
    public async ValueTask TellAsync(HttpResponse response, string cameraKey)
    {
        if (await IsHereAsync(cameraKey) is { } here)
        {
            response.Headers[EdgeHeaders.BranchHere] = here ? "true" : "false";
        }
    }
}
