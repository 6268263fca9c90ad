using System.Diagnostics;

namespace NextGenCrm.Cameras;

/// <summary>
/// A batch of this camera's sightings in one call (what an edge agent's batch holds of it): behind a load balancer
/// that spreads requests over the silos, the ingress hop to the camera's silo is then one round trip per camera per
/// batch instead of one per sighting (bench/README.md, scale-out).
/// </summary>
public sealed partial class CameraGrain
{
    /// <summary>
    /// A batch starts no item after this long, so that it answers well within Orleans' 30 s response timeout (a
    /// timed-out call would turn the items it did record into "send again" as well). The items not started are
    /// reported as not recorded; the edge agent sends them again.
    /// </summary>
    public static readonly TimeSpan BatchBudget = TimeSpan.FromSeconds(10);

    public async Task<SightingAttempt[]> RecordSightings(Sighting[] sightings)
    {
        var attempts = new SightingAttempt[sightings.Length];
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < sightings.Length; i++)
        {
            var sighting = sightings[i];
            if (sighting.BranchId != _branchId || sighting.CameraId != _cameraId)
            {
                attempts[i] = new SightingAttempt(null, SightingAttempt.OtherCamera);
            }
            else if (i > 0 && Stopwatch.GetElapsedTime(started) >= BatchBudget)
            {
                attempts[i] = new SightingAttempt(null, SightingAttempt.NotStarted);
            }
            else
            {
                // In order, each as its own call would be: a failure is this item's alone, the next one still goes.
                try
                {
                    attempts[i] = new SightingAttempt(await RecordSighting(sighting));
                }
                catch (Exception failure) when (failure is not OutOfMemoryException)
                {
                    attempts[i] = new SightingAttempt(null, failure.GetType().Name);
                }
            }
        }
        return attempts;
    }
}
