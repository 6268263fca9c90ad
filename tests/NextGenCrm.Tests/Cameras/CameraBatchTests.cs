using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json.Nodes;
using NextGenCrm.Silo.Ingest;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Cameras;

/// <summary>
/// The batch path: <see cref="SightingIngest.RecordBatchAsync"/> sends each camera's items of a batch in one
/// <see cref="ICameraGrain.RecordSightings"/> call. Each item keeps its own outcome, as if sent alone. What the edge
/// agent sees per item: recorded = 200 (kept as delivered), face unusable = 422 (dropped, never sent again),
/// not recorded = 503 (kept and sent again).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CameraBatchTests(ClusterFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly IGrainFactory _grains = fixture.Grains;

    private SightingIngest Ingest(IGrainFactory? grains = null) => new(grains ?? _grains, World.Images);

    [Fact]
    public async Task A_cameras_batch_answers_each_item_as_its_own_call_would_in_the_batchs_order()
    {
        var branch = World.NewBranch("batch");
        await World.EnrolAsync("c-batch-1", "Rita Sousa", "face-batch-1");
        var start = World.Clock.GetUtcNow();
        Sighting[] items =
        [
            Sightings.Of("face-batch-1", branch, "lobby", "t1", start),
            Sightings.Of("face-batch-1", branch, "lobby", "t1", start.AddSeconds(2)),
            Sightings.Of("face-stranger-batch-1", branch, "lobby", "t2", start.AddSeconds(3)),
        ];

        var attempts = await _grains.GetGrain<ICameraGrain>(CameraKeys.Format(branch, "lobby")).RecordSightings(items);

        Assert.Equal(items.Select(s => s.SightingId), attempts.Select(a => a.Result!.SightingId));
        Assert.Equal([SightingOutcome.NewVisit, SightingOutcome.VisitExtended, SightingOutcome.NewVisit], attempts.Select(a => a.Result!.Outcome));
        Assert.Equal("c-c-batch-1", attempts[0].Result!.VisitorId);
        Assert.Equal(attempts[0].Result!.VisitId, attempts[1].Result!.VisitId);
        Assert.StartsWith("v-", attempts[2].Result!.VisitorId, StringComparison.Ordinal);
        Assert.Equal(2, (await _grains.OccupancyAsync(branch)).Visitors.Count);
        var status = await _grains.GetGrain<ICameraGrain>(CameraKeys.Format(branch, "lobby")).GetStatus();
        Assert.Equal(3, status.Sightings);
        Assert.Equal(2, status.FaceSearches);
    }

    [Fact]
    public async Task An_item_of_another_camera_is_refused_alone_and_the_items_after_it_still_go()
    {
        var branch = World.NewBranch("batch");
        Sighting[] items =
        [
            Sightings.Of("face-stranger-batch-2", branch, "lobby", "t1"),
            Sightings.Of("face-stranger-batch-3", branch, "counter", "t1"),
            Sightings.Of("face-stranger-batch-2", branch, "lobby", "t1", World.Clock.GetUtcNow().AddSeconds(1)),
        ];

        var attempts = await _grains.GetGrain<ICameraGrain>(CameraKeys.Format(branch, "lobby")).RecordSightings(items);

        Assert.True(attempts[0].Recorded);
        Assert.Equal(SightingAttempt.OtherCamera, attempts[1].Failure);
        Assert.Null(attempts[1].Result);
        Assert.Equal(SightingOutcome.VisitExtended, attempts[2].Result!.Outcome);
        Assert.Single((await _grains.OccupancyAsync(branch)).Visitors);
        Assert.Equal(0, (await _grains.GetGrain<ICameraGrain>(CameraKeys.Format(branch, "counter")).GetStatus()).Sightings);
    }

    [Fact]
    public async Task A_sighting_sent_twice_in_one_batch_is_recorded_once_as_a_visit_and_both_items_are_answered()
    {
        var branch = World.NewBranch("batch");
        var sighting = Sightings.Of("face-stranger-batch-4", branch, "lobby", "t1");

        var outcomes = await Ingest().RecordBatchAsync([sighting, sighting], Ct);

        Assert.All(outcomes, o => Assert.NotNull(o.Result));
        Assert.Equal(SightingOutcome.NewVisit, outcomes[0].Result!.Outcome);
        Assert.Equal(SightingOutcome.VisitExtended, outcomes[1].Result!.Outcome); // the repeat, absorbed by the camera's track
        Assert.Equal(outcomes[0].Result!.VisitId, outcomes[1].Result!.VisitId);
        var visitor = outcomes[0].Result!.VisitorId!;
        await Sightings.EventuallyAsync(() => World.TasksAt(branch).Count == 1, "the visit's task is delivered");
        await Task.Delay(200, Ct);
        Assert.Single(World.TasksAt(branch));
        Assert.Single(World.AlertsAt(branch));
        Assert.Single(await _grains.VisitsAsync(visitor), v => v.BranchId == branch);
    }

    [Fact]
    public async Task Over_http_a_duplicate_inside_a_batch_is_200_twice_and_an_unusable_face_beside_them_is_422()
    {
        var branch = World.NewBranch("batch");
        var good = new JsonObject
        {
            ["sightingId"] = Guid.NewGuid().ToString("N"),
            ["branchId"] = branch,
            ["cameraId"] = "lobby",
            ["trackId"] = "t1",
            ["capturedAt"] = World.Clock.GetUtcNow().ToString("O"),
            ["faceToken"] = "face-stranger-batch-5",
        };
        var missingCrop = new JsonObject
        {
            ["branchId"] = branch,
            ["cameraId"] = "lobby",
            ["trackId"] = "t2",
            ["capturedAt"] = World.Clock.GetUtcNow().ToString("O"),
            ["imageRef"] = $"DeepLens Images/{branch}/lobby/never-stored.jpg",
        };

        using var response = await fixture.Http.PostAsJsonAsync("/api/v1/sightings/batch",
            new JsonObject { ["sightings"] = new JsonArray(good.DeepClone(), missingCrop, good.DeepClone()) }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["results"]!.AsArray();
        Assert.Equal([0, 1, 2], results.Select(r => (int)r!["index"]!));
        Assert.Equal([200, 422, 200], results.Select(r => (int)r!["status"]!));
        Assert.Equal("new-visit", (string?)results[0]!["outcome"]);
        Assert.Equal("visit-extended", (string?)results[2]!["outcome"]);
        Assert.Equal((string?)results[0]!["visitId"], (string?)results[2]!["visitId"]);
        Assert.Contains("imageRef", (string)results[1]!["error"]!, StringComparison.Ordinal);
        Assert.Single((await _grains.OccupancyAsync(branch)).Visitors);
    }

    [Fact]
    public async Task A_rejected_item_among_accepted_ones_fails_only_itself()
    {
        var branch = World.NewBranch("batch");
        var start = World.Clock.GetUtcNow();
        var unusable = Sightings.Of("face-stranger-batch-6", branch, "lobby", "t9", start) with { ImageRef = $"DeepLens Images/{branch}/lobby/none.jpg" };
        Sighting[] items =
        [
            Sightings.Of("face-stranger-batch-7", branch, "lobby", "t1", start),
            unusable,
            Sightings.Of("face-stranger-batch-8", branch, "door", "t1", start.AddSeconds(1)),
            Sightings.Of("face-stranger-batch-7", branch, "lobby", "t1", start.AddSeconds(2)),
        ];

        var outcomes = await Ingest().RecordBatchAsync(items, Ct);

        Assert.Equal(SightingOutcome.NewVisit, outcomes[0].Result!.Outcome);
        Assert.Null(outcomes[1].Result);
        Assert.Contains("imageRef names no stored crop", outcomes[1].Unusable, StringComparison.Ordinal);
        Assert.Equal(SightingOutcome.NewVisit, outcomes[2].Result!.Outcome);
        Assert.Equal(SightingOutcome.VisitExtended, outcomes[3].Result!.Outcome);
        Assert.Equal(2, (await _grains.OccupancyAsync(branch)).Visitors.Count);
        Assert.Equal(2, (await _grains.GetGrain<ICameraGrain>(CameraKeys.Format(branch, "lobby")).GetStatus()).Sightings); // the unusable one never reached it
    }

    [Fact]
    public async Task When_one_cameras_call_fails_its_items_are_sent_again_and_the_other_cameras_items_stand()
    {
        var branch = World.NewBranch("batch");
        var start = World.Clock.GetUtcNow();
        Sighting[] items =
        [
            Sightings.Of("face-stranger-batch-9", branch, "door", "t1", start),
            Sightings.Of("face-stranger-batch-10", branch, "lobby", "t1", start),
            Sightings.Of("face-stranger-batch-9", branch, "door", "t1", start.AddSeconds(1)),
            Sightings.Of("face-stranger-batch-10", branch, "lobby", "t1", start.AddSeconds(1)),
        ];
        var lobbyDown = FailingCameraGrains.Create(_grains, CameraKeys.Format(branch, "lobby"));

        var outcomes = await Ingest(lobbyDown).RecordBatchAsync(items, Ct);

        Assert.Equal([true, false, true, false], outcomes.Select(o => o.Result is not null));
        Assert.Equal(SightingOutcome.NewVisit, outcomes[0].Result!.Outcome);
        Assert.Equal(SightingOutcome.VisitExtended, outcomes[2].Result!.Outcome);
        Assert.Equal(nameof(TimeoutException), outcomes[1].NotRecorded); // 503: the agent keeps them and sends them again
        Assert.Equal(nameof(TimeoutException), outcomes[3].NotRecorded);
        Assert.Single((await _grains.OccupancyAsync(branch)).Visitors);

        // The agent sends the batch again from its first unacknowledged item: nothing is lost, nothing doubled.
        var again = await Ingest().RecordBatchAsync(items[1..], Ct);

        Assert.All(again, o => Assert.NotNull(o.Result));
        Assert.Equal(SightingOutcome.NewVisit, again[0].Result!.Outcome);
        Assert.Equal(outcomes[0].Result!.VisitId, again[1].Result!.VisitId); // the door's repeat: the door's visit still
        Assert.Equal(2, (await _grains.OccupancyAsync(branch)).Visitors.Count);
        await Sightings.EventuallyAsync(() => World.TasksAt(branch).Count == 2, "one task for each of the two visitors");
    }

    /// <summary>A grain factory whose one camera's calls fail (its silo gone, a timeout); every other grain is the cluster's.</summary>
    public class FailingCameraGrains : DispatchProxy
    {
        private IGrainFactory _inner = null!;
        private string _camera = "";

        public static IGrainFactory Create(IGrainFactory inner, string camera)
        {
            var proxy = Create<IGrainFactory, FailingCameraGrains>();
            var self = (FailingCameraGrains)(object)proxy;
            self._inner = inner;
            self._camera = camera;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            var result = targetMethod!.Invoke(_inner, args);
            return result is ICameraGrain camera && camera.GetPrimaryKeyString() == _camera ? new DownCamera(camera) : result;
        }

        private sealed class DownCamera(ICameraGrain inner) : ICameraGrain
        {
            public Task<SightingAttempt[]> RecordSightings(Sighting[] sightings) => Task.FromException<SightingAttempt[]>(new TimeoutException("no answer"));
            public Task<SightingResult> RecordSighting(Sighting sighting) => Task.FromException<SightingResult>(new TimeoutException("no answer"));
            public Task RecordHeartbeat(CameraHeartbeat heartbeat) => inner.RecordHeartbeat(heartbeat);
            public Task<CameraStatus> GetStatus() => inner.GetStatus();
            public Task<SiloAddress> GetSilo() => inner.GetSilo();
            public Task ForgetVisitor(string visitorId) => inner.ForgetVisitor(visitorId);
            public Task<RecalledTrack?> RecallTrack(string trackId) => inner.RecallTrack(trackId);
        }
    }
}
