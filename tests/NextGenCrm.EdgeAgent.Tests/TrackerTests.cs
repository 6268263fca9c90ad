using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Detection;
using NextGenCrm.EdgeAgent.Tracking;

namespace NextGenCrm.EdgeAgent.Tests;

public sealed class TrackerTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    private static FaceTracker NewTracker(TimeSpan? refresh = null, TimeSpan? absence = null) =>
        new(new TrackingOptions { RefreshInterval = refresh ?? TimeSpan.FromSeconds(30), AbsenceTimeout = absence ?? TimeSpan.FromSeconds(5), FirstSightingAfter = TimeSpan.Zero }, "t-");

    private static FaceBox Face(float centreX, float centreY, float size = 80) => new(centreX - (size / 2), centreY - (size / 2), size, size, 0.9f);

    /// <summary>A face with BlazeFace's keypoints; turn &gt; 0 is a head turned to the picture's right.</summary>
    private static FaceBox FaceWithKeypoints(float centreX, float centreY, float size, float turn)
    {
        FacePoint P(float dx, float dy) => new(centreX + (dx * size), centreY + (dy * size));
        return Face(centreX, centreY, size) with
        {
            Landmarks = new FaceLandmarks(P(-0.2f, -0.1f), P(0.2f, -0.1f), P(turn * 0.4f, 0.05f), P(turn * 0.2f, 0.25f), P(-0.45f, 0), P(0.45f, 0)),
        };
    }

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

    /// <summary>
    /// 2 fps. Two people walk towards each other, 60 px a frame, stop side by side for 3 s with their faces
    /// overlapping (60 px apart), then walk on past each other; the detector sees both faces all along.
    /// On the first frame they stand, each one's motion predicts the other's place; on the first frame
    /// they walk on, each one's (still) prediction is again where the other now is.
    /// </summary>
    private static (HashSet<string> First, HashSet<string> Second) MeetStopAndPass(
        FaceTracker tracker, (float Size, float Turn) first, (float Size, float Turn) second)
    {
        var random = new Random(12);
        float Jitter() => random.Next(-3, 4);
        var firstIds = new HashSet<string>();
        var secondIds = new HashSet<string>();
        for (var i = 0; i < 24; i++)
        {
            var walked = i < 7 ? i : i < 13 ? 6 : i - 6;
            var a = 230 + (60 * walked);
            var b = 1010 - (60 * walked);
            var faces = tracker.Update(
                [
                    FaceWithKeypoints(a + Jitter(), 300 + Jitter(), first.Size + Jitter(), first.Turn),
                    FaceWithKeypoints(b + Jitter(), 295 + Jitter(), second.Size + Jitter(), second.Turn),
                ],
                Start.AddSeconds(i * 0.5));
            firstIds.Add(faces[0].TrackId);
            secondIds.Add(faces[1].TrackId);
        }
        return (firstIds, secondIds);
    }

    [Fact]
    public void A_near_and_a_far_person_who_meet_stop_side_by_side_and_walk_on_keep_their_track_ids()
    {
        // Both look ahead; one face is 110 px (near), the other 75 px (farther back).
        var (near, far) = MeetStopAndPass(NewTracker(), (110, 0), (75, 0));

        Assert.Single(near);
        Assert.Single(far);
        Assert.NotEqual(near.Single(), far.Single());
    }

    [Fact]
    public void Two_people_of_one_face_size_turned_towards_each_other_keep_their_track_ids_as_they_stop_and_pass()
    {
        // Same size, nearly the same height: only the way each head is turned (keypoints) tells them apart.
        var (left, right) = MeetStopAndPass(NewTracker(), (90, 0.3f), (90, -0.3f));

        Assert.Single(left);
        Assert.Single(right);
        Assert.NotEqual(left.Single(), right.Single());
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
