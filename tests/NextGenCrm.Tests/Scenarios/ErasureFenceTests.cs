using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NextGenCrm.Ports;
using NextGenCrm.TestSupport;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Scenarios;

/// <summary>
/// What an erasure leaves behind, and what work in flight during it can bring back: nothing. The crops of every
/// camera, re-check and trimmed visit go; a sighting, a delivery or a history write that was under way finds the fence.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ErasureFenceTests(ClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;
    private readonly HttpClient _http = fixture.Http;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_crop_of_a_person_goes_second_cameras_rechecks_and_visits_trimmed_from_the_state_included()
    {
        var branch = World.NewBranch("crops");
        // The simulated search knows a face by its bytes: every crop of this person is these bytes (a real face, tagged
        // to be a person of its own), stored under its own key.
        var face = DemoPhotos.FaceCrop(0, $"face-of-{Guid.NewGuid():N}");
        var first = await SeeAsync(branch, "lobby", "t0", face);
        var visitorId = first.VisitorId!;
        World.Clock.Advance(TimeSpan.FromMinutes(11)); // past Visits:TrackRecheckInterval: the track's face is searched again, a new crop
        await SeeAsync(branch, "lobby", "t0", face);
        await SeeAsync(branch, "counter", "t1", face);
        for (var visit = 1; visit < 22; visit++)
        {
            World.Clock.Advance(TimeSpan.FromMinutes(16)); // the last visit closed for inactivity: a new one opens
            Assert.Equal(SightingOutcome.NewVisit, (await SeeAsync(branch, "lobby", $"t{visit}-a", face)).Outcome);
            await SeeAsync(branch, "counter", $"t{visit}-b", face);
        }
        var crops = 2 + 1 + (21 * 2);
        Assert.Equal(crops, World.Images.CountUnder($"DeepLens Images/{branch}/"));
        Assert.Equal(20, (await _grains.VisitsAsync(visitorId)).Count(v => v.ClosedAt is not null)); // two trimmed

        using var erased = await _http.DeleteAsync($"/api/v1/visitors/{visitorId}", Ct);
        var receipt = await erased.Content.ReadFromJsonAsync<JsonObject>(Ct);

        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        Assert.Equal(crops, (int)receipt!["faceCrops"]!);
        Assert.Equal(1, (int)receipt["visitorStates"]!);
        Assert.Equal(0, World.Images.CountUnder($"DeepLens Images/{branch}/"));
        Assert.Equal(0, World.FaceSearch.FacesStoredUnder(visitorId));
    }

    [Fact]
    public async Task A_sighting_queued_for_a_visitor_whose_erasure_ran_records_nothing()
    {
        var branch = World.NewBranch("queued");
        var seen = await _grains.RecordAsync(Sightings.Of($"queued-{Guid.NewGuid():N}", branch, "lobby", "t1"));
        using var erased = await _http.DeleteAsync($"/api/v1/visitors/{seen.VisitorId}", Ct);
        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);

        // A camera's forward that was on its way when the erasure ran.
        var late = new VisitorSighting(Guid.NewGuid().ToString("N"), branch, "side", World.Clock.GetUtcNow(), null, 1, false,
            new VisitorProfile(VisitorKind.New, null, null));
        var refused = await Assert.ThrowsAsync<VisitorErasedException>(() => _grains.GetGrain<IVisitorGrain>(seen.VisitorId!).RecordSighting(late));

        Assert.Equal(seen.VisitorId, refused.VisitorId);
        Assert.Empty(await _grains.VisitsAsync(seen.VisitorId!));
        Assert.Empty((await _grains.OccupancyAsync(branch)).Visitors);
    }

    [Fact]
    public async Task A_face_search_that_names_a_person_being_erased_records_nothing_and_keeps_no_crop()
    {
        var branch = World.NewBranch("inflight");
        var customerId = $"inflight-{Guid.NewGuid():N}"[..20];
        var personId = PersonIds.OfCustomer(customerId);
        var face = DemoPhotos.FaceCrop(1, $"face-of-{customerId}");
        await World.Directory.EnrolAsync(personId, new Customer(customerId, "Joana Reis"), Ct);
        await World.FaceSearch.AddFaceAsync(FaceImage.FromBytes(face), personId, Ct);
        // The erasure has begun: its tombstone is written, the person is not yet out of the collection.
        await World.Tombstones.RecordAsync([personId], World.Clock.GetUtcNow().AddHours(1), Ct);

        var refused = await Assert.ThrowsAsync<VisitorErasedException>(() => SeeAsync(branch, "lobby", "t1", face));

        Assert.Equal(personId, refused.VisitorId);
        Assert.Empty(await _grains.VisitsAsync(personId));
        Assert.Empty((await _grains.OccupancyAsync(branch)).Visitors);
        Assert.Equal(0, World.Images.CountUnder($"DeepLens Images/{branch}/")); // the crop stored for the search is not kept
        Assert.Empty(World.TasksAt(branch));
    }

    [Fact]
    public async Task A_delivery_of_an_erased_visitor_sends_no_task_and_writes_no_record()
    {
        var visitorId = $"v-fenced-{Guid.NewGuid():N}";
        var branch = World.NewBranch("fenced");
        var control = World.NewBranch("unfenced");
        await World.Tombstones.RecordAsync([visitorId], World.Clock.GetUtcNow().AddHours(1), Ct);

        // Deliver is one-way: a delivery of someone not erased, handed over after, shows when the courier has been at work.
        await _grains.GetGrain<IVisitCourierGrain>(0).Deliver(Order(visitorId, branch));
        await _grains.GetGrain<IVisitCourierGrain>(0).Deliver(Order($"v-control-{Guid.NewGuid():N}", control));
        await Sightings.EventuallyAsync(() => World.TasksAt(control).Count == 1 && World.AlertsAt(control).Count == 1, "the control delivery is made");
        await Task.Delay(300, Ct);

        Assert.Empty(World.TasksAt(branch));
        Assert.Empty(World.AlertsAt(branch));
        Assert.Empty(await World.History.QueryAsync(visitorId, 10, Ct));
    }

    [Fact]
    public async Task A_history_record_written_as_the_erasure_begins_is_taken_back()
    {
        var visitorId = $"v-racing-{Guid.NewGuid():N}";
        var branch = World.NewBranch("racing");
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The erasure begins (its tombstone written, the history already erased) while the courier writes the record.
        World.History.AfterAppend = async record =>
        {
            if (record.VisitorId == visitorId)
            {
                await World.Tombstones.RecordAsync([visitorId], World.Clock.GetUtcNow().AddHours(1), Ct);
                written.TrySetResult();
            }
        };
        try
        {
            await _grains.GetGrain<IVisitCourierGrain>(0).Deliver(Order(visitorId, branch));
            await written.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
            await Sightings.EventuallyAsync(async () => (await World.History.QueryAsync(visitorId, 10, Ct)).Count == 0, "the record is taken back");
        }
        finally
        {
            World.History.AfterAppend = null;
        }

        Assert.Single(World.TasksAt(branch)); // on its way before the erasure began: a task cannot be called back
        Assert.Empty(await World.History.QueryAsync(visitorId, 10, Ct));
    }

    private Task<SightingResult> SeeAsync(string branch, string camera, string track, byte[] face) =>
        _grains.RecordAsync(new Sighting(Guid.NewGuid().ToString("N"), branch, camera, track, World.Clock.GetUtcNow(), null, null, face));

    private static DeliveryOrder Order(string visitorId, string branch) => new(
        visitorId, Guid.NewGuid().ToString("N"), branch, "lobby", World.Clock.GetUtcNow(), null, new VisitorProfile(VisitorKind.New, null, null),
        [VisitEffect.StaffTask, VisitEffect.NewVisitorAlert, VisitEffect.HistoryRecord], MayBeRepeat: false);
}
