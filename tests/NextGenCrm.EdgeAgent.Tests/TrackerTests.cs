using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Detection;
using NextGenCrm.EdgeAgent.Tracking;

namespace NextGenCrm.EdgeAgent.Tests;

public sealed class TrackerTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    private static FaceTracker NewTracker(TimeSpan? refresh = null, TimeSpan? absence = null) =>
        new(new TrackingOptions { RefreshInterval = refresh ?? TimeSpan.FromSeconds(30), AbsenceTimeout = absence ?? TimeSpan.FromSeconds(5) }, "t-");

    private static FaceBox Face(float centreX, float centreY, float size = 80) => new(centreX - (size / 2), centreY - (size / 2), size, size, 0.9f);

    [Fact]
    public void One_person_walking_across_the_frame_is_one_track_with_one_sighting()
    {
        var tracker = NewTracker();
        var tracks = new HashSet<string>();
        var sightings = 0;
        // 2 fps, walking 40 px a frame (half a face width) from left to right.
        for (var i = 0; i < 30; i++)
        {
            var faces = tracker.Update([Face(60 + (i * 40), 240)], Start.AddSeconds(i * 0.5));
            tracks.Add(faces[0].TrackId);
            sightings += faces.Count(f => f.SightingDue);
        }

        Assert.Single(tracks);
        Assert.Equal(1, sightings);
    }

    [Fact]
    public void Two_people_crossing_stay_two_tracks_and_keep_their_ids()
    {
        var tracker = NewTracker();
        var leftToRight = new HashSet<string>();
        var rightToLeft = new HashSet<string>();
        // Two people walk towards each other along the same line, 50 px a frame, and pass.
        for (var i = 0; i < 20; i++)
        {
            var a = Face(100 + (i * 50), 240);
            var b = Face(1100 - (i * 50), 250);
            var now = Start.AddSeconds(i * 0.5);
            if (MathF.Abs(a.CentreX - b.CentreX) < 40)
            {
                // At the crossing one face hides the other: the detector sees only one of them.
                tracker.Update([a], now);
                continue;
            }
            var faces = tracker.Update([a, b], now);
            leftToRight.Add(faces[0].TrackId);
            rightToLeft.Add(faces[1].TrackId);
        }

        Assert.Single(leftToRight);
        Assert.Single(rightToLeft);
        Assert.NotEqual(leftToRight.Single(), rightToLeft.Single());
    }

    [Fact]
    public void Leaving_and_coming_back_after_the_absence_timeout_is_a_new_track()
    {
        var tracker = NewTracker(absence: TimeSpan.FromSeconds(5));
        var first = tracker.Update([Face(300, 240)], Start)[0];
        var stillThere = tracker.Update([Face(305, 240)], Start.AddSeconds(4))[0];
        var back = tracker.Update([Face(300, 240)], Start.AddSeconds(4 + 6))[0];

        Assert.Equal(first.TrackId, stillThere.TrackId);
        Assert.NotEqual(first.TrackId, back.TrackId);
        Assert.True(back.IsNewTrack);
        Assert.True(back.SightingDue);
    }

    [Fact]
    public void A_person_standing_ten_minutes_at_one_fps_yields_a_handful_of_sightings_not_600()
    {
        var tracker = NewTracker(refresh: TimeSpan.FromSeconds(30));
        var random = new Random(3);
        var sightings = 0;
        var tracks = new HashSet<string>();
        for (var second = 0; second < 600; second++)
        {
            // Standing, but a detector's box jitters by a few pixels from frame to frame.
            var face = Face(400 + random.Next(-4, 5), 300 + random.Next(-4, 5), 90 + random.Next(-3, 4));
            var result = tracker.Update([face], Start.AddSeconds(second))[0];
            tracks.Add(result.TrackId);
            sightings += result.SightingDue ? 1 : 0;
        }

        Assert.Single(tracks);
        Assert.Equal(20, sightings); // at 0 s, then every 30 s: 2 per person-minute
    }

    [Fact]
    public void Faces_far_apart_in_one_frame_are_separate_tracks()
    {
        var tracker = NewTracker();
        var faces = tracker.Update([Face(100, 200), Face(500, 200), Face(900, 200)], Start);

        Assert.Equal(3, faces.Select(f => f.TrackId).Distinct().Count());
        Assert.All(faces, f => Assert.True(f.SightingDue));
    }

    [Fact]
    public void Track_ids_are_valid_silo_ids()
    {
        var tracker = new FaceTracker(new TrackingOptions(), "t19a2b3c4-");
        var id = tracker.Update([Face(100, 100)], Start)[0].TrackId;

        Assert.True(SightingIds.IsValid(id), id);
    }
}
