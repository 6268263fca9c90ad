using NextGenCrm.Cameras;
using NextGenCrm.Visits;

namespace NextGenCrm.Tests.Cameras;

public sealed class TrackCacheTests
{
    [Fact]
    public void A_camera_seeing_new_people_all_day_holds_about_one_timeouts_worth_of_tracks()
    {
        var timeout = TimeSpan.FromSeconds(20);
        var cache = new TrackCache(capacity: 10_000, idleLimit: timeout);
        var start = new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

        // A new person every second for an hour: 3,600 tracks, each seen once.
        for (var i = 0; i < 3_600; i++)
        {
            var now = start.AddSeconds(i);
            cache.Set($"t{i}", new TrackEntry($"v-{i}", new VisitorProfile(VisitorKind.New, null, null), null, now) { LastSeen = now }, now);
        }

        Assert.InRange(cache.Count, 20, 45);
        Assert.True(cache.TryGet("t3599", out _));
        Assert.False(cache.TryGet("t0", out _));
    }
}
