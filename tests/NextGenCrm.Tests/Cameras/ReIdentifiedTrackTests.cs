using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Cameras;

/// <summary>
/// A new track the edge agent re-identified as an earlier track of the branch (<see cref="Sighting.SameTrackAs"/>):
/// the camera takes the earlier track's answer from the camera that resolved it, without a face search.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ReIdentifiedTrackTests(ClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    [Fact]
    public async Task A_stranger_seen_at_the_door_then_at_the_counter_costs_one_face_search_and_is_one_visit()
    {
        var branch = World.NewBranch("reid");
        var door = await _grains.RecordAsync(Sightings.Of("face-reid-1", branch, "door", "t1"));
        World.Clock.Advance(TimeSpan.FromMinutes(3));

        var counter = await _grains.RecordAsync(Sightings.Of("face-reid-1", branch, "counter", "t7") with { SameTrackAs = new TrackRef("door", "t1") });

        Assert.Equal(SightingOutcome.NewVisit, door.Outcome);
        Assert.Equal(SightingOutcome.VisitExtended, counter.Outcome);
        Assert.Equal(door.VisitorId, counter.VisitorId);
        Assert.Equal(door.VisitId, counter.VisitId);
        var doorStatus = await _grains.GetGrain<ICameraGrain>(CameraKeys.Format(branch, "door")).GetStatus();
        var counterStatus = await _grains.GetGrain<ICameraGrain>(CameraKeys.Format(branch, "counter")).GetStatus();
        Assert.Equal(1, doorStatus.FaceSearches);
        Assert.Equal(0, counterStatus.FaceSearches);
        Assert.Equal(1, counterStatus.TracksTakenOver);
        await Sightings.EventuallyAsync(() => World.TasksAt(branch).Count == 1 && World.AlertsAt(branch).Count == 1, "the task and the alert are delivered");
        var visit = Assert.Single(await _grains.VisitsAsync(door.VisitorId!), v => v.BranchId == branch);
        Assert.Equal(["counter", "door"], visit.Cameras.Order());
        Assert.Single((await _grains.OccupancyAsync(branch)).Visitors);
    }

    [Fact]
    public async Task A_track_named_after_one_its_camera_does_not_know_is_searched_as_usual()
    {
        var branch = World.NewBranch("reid");
        await World.EnrolAsync("c-reid-2", "Clara Dias", "face-reid-2");

        // The earlier track never reached the silo (or the silo restarted since): nothing to take over.
        var counter = await _grains.RecordAsync(Sightings.Of("face-reid-2", branch, "counter", "t3") with { SameTrackAs = new TrackRef("door", "t-never-seen") });

        Assert.Equal("c-c-reid-2", counter.VisitorId);
        Assert.Equal(SightingOutcome.NewVisit, counter.Outcome);
        var counterStatus = await _grains.GetGrain<ICameraGrain>(CameraKeys.Format(branch, "counter")).GetStatus();
        Assert.Equal(1, counterStatus.FaceSearches);
        Assert.Equal(0, counterStatus.TracksTakenOver);
    }

    [Fact]
    public async Task A_wrong_re_identification_is_undone_by_the_tracks_re_check()
    {
        var branch = World.NewBranch("reid");
        await World.EnrolAsync("c-reid-3", "Duarte Reis", "face-reid-3");
        await World.EnrolAsync("c-reid-4", "Eva Lima", "face-reid-4");
        await _grains.RecordAsync(Sightings.Of("face-reid-3", branch, "door", "t1"));

        // The edge agent took Eva for Duarte (a false match): the silo trusts it, as it trusts the edge's tracks.
        var wrong = await _grains.RecordAsync(Sightings.Of("face-reid-4", branch, "counter", "t2") with { SameTrackAs = new TrackRef("door", "t1") });
        Assert.Equal("c-c-reid-3", wrong.VisitorId);

        // Visits:TrackRecheckInterval (10 min) later the track's face is searched again, and it is Eva's.
        World.Clock.Advance(TimeSpan.FromMinutes(11));
        await _grains.RecordAsync(Sightings.Of("face-reid-3", branch, "door", "t1"));
        var rechecked = await _grains.RecordAsync(Sightings.Of("face-reid-4", branch, "counter", "t2") with { SameTrackAs = new TrackRef("door", "t1") });

        Assert.Equal("c-c-reid-4", rechecked.VisitorId);
        Assert.Equal(SightingOutcome.NewVisit, rechecked.Outcome);
    }

    [Fact]
    public async Task A_track_taken_over_answers_for_the_next_camera_too()
    {
        var branch = World.NewBranch("reid");
        var door = await _grains.RecordAsync(Sightings.Of("face-reid-5", branch, "door", "t1"));
        World.Clock.Advance(TimeSpan.FromMinutes(4));
        await _grains.RecordAsync(Sightings.Of("face-reid-5", branch, "counter", "t2") with { SameTrackAs = new TrackRef("door", "t1") });
        World.Clock.Advance(TimeSpan.FromMinutes(4));

        var lobby = await _grains.RecordAsync(Sightings.Of("face-reid-5", branch, "lobby", "t3") with { SameTrackAs = new TrackRef("counter", "t2") });

        Assert.Equal(door.VisitorId, lobby.VisitorId);
        Assert.Equal(door.VisitId, lobby.VisitId);
        var searches = 0L;
        foreach (var camera in new[] { "door", "counter", "lobby" })
        {
            searches += (await _grains.GetGrain<ICameraGrain>(CameraKeys.Format(branch, camera)).GetStatus()).FaceSearches;
        }
        Assert.Equal(1, searches);
    }
}
