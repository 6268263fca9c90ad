namespace NextGenCrm.Tests.Infrastructure;

/// <summary>Builds sightings and waits for what the cluster does asynchronously (branch updates, deliveries).</summary>
public static class Sightings
{
    public static Sighting Of(string faceToken, string branchId, string cameraId, string trackId, DateTimeOffset? at = null) =>
        new(Guid.NewGuid().ToString("N"), branchId, cameraId, trackId, at ?? World.Clock.GetUtcNow(), faceToken, null, null);

    public static Task<SightingResult> RecordAsync(this IGrainFactory grains, Sighting sighting) =>
        grains.GetGrain<ICameraGrain>(sighting.CameraKey).RecordSighting(sighting);

    public static Task<Occupancy> OccupancyAsync(this IGrainFactory grains, string branchId) =>
        grains.GetGrain<IBranchGrain>(branchId).GetOccupancy();

    public static Task<IReadOnlyList<VisitSummary>> VisitsAsync(this IGrainFactory grains, string visitorId) =>
        grains.GetGrain<IVisitorGrain>(visitorId).GetVisits();

    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> after 10 s.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }
            await Task.Delay(25);
        }
    }

    public static Task EventuallyAsync(Func<bool> condition, string what) => EventuallyAsync(() => Task.FromResult(condition()), what);
}
