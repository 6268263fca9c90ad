using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Scenarios;

[Collection(ClusterCollection.Name)]
public sealed class SightingApiTests(ClusterFixture fixture)
{
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, .. Enumerable.Repeat((byte)0x11, 200), 0xFF, 0xD9];
    private readonly HttpClient _http = fixture.Http;

    private static JsonObject Valid(string branchId) => new()
    {
        ["branchId"] = branchId,
        ["cameraId"] = "entrance",
        ["trackId"] = "t1",
        ["capturedAt"] = World.Clock.GetUtcNow().ToString("O"),
        ["faceToken"] = $"http-{Guid.NewGuid():N}",
    };

    [Fact]
    public async Task A_valid_sighting_is_answered_with_its_visit()
    {
        var branch = World.NewBranch("http");
        using var response = await _http.PostAsJsonAsync("/api/v1/sightings", Valid(branch), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken);
        Assert.Equal("new-visit", (string?)body!["outcome"]);
        Assert.StartsWith("v-", (string?)body["visitorId"], StringComparison.Ordinal);
        var occupancy = await _http.GetFromJsonAsync<JsonObject>($"/api/v1/branches/{branch}/occupancy", TestContext.Current.CancellationToken);
        Assert.Equal(1, (int)occupancy!["count"]!);
        Assert.Equal("new", (string?)occupancy["visitors"]![0]!["kind"]);
    }

    public static TheoryData<string, Action<JsonObject>, string> BadSightings => new()
    {
        { "missing branchId", s => s.Remove("branchId"), "branchId" },
        { "missing capturedAt", s => s.Remove("capturedAt"), "capturedAt" },
        { "no face at all", s => s.Remove("faceToken"), "image" },
        { "image and faceToken both", s => s["image"] = Convert.ToBase64String(Jpeg), "image" },
        { "unknown field", s => s["colour"] = "red", "Unknown field 'colour'" },
        { "branch id with a slash", s => s["branchId"] = "main/st", "branchId" },
        { "camera id with ..", s => s["cameraId"] = "a..b", "cameraId" },
        { "track id with a control character", s => s["trackId"] = "t\u0001", "trackId" },
        { "capture a day ahead", s => s["capturedAt"] = World.Clock.GetUtcNow().AddDays(1).ToString("O"), "capturedAt" },
        { "capture thirty days old", s => s["capturedAt"] = World.Clock.GetUtcNow().AddDays(-30).ToString("O"), "capturedAt" },
        { "capture time not a date", s => s["capturedAt"] = "yesterday", "capturedAt" },
        { "bytes that are not an image", s => { s.Remove("faceToken"); s["image"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(new string('x', 500))); }, "neither a JPEG nor a PNG" },
        { "image that is not base64", s => { s.Remove("faceToken"); s["image"] = "%%%not-base64%%%"; }, "base64" },
        { "image ref escaping its folder", s => { s.Remove("faceToken"); s["imageRef"] = "../secrets.jpg"; }, "imageRef" },
        { "image ref to another branch's crop", s => { s.Remove("faceToken"); s["imageRef"] = "DeepLens Images/other-branch/entrance/2026-11-30/s1.jpg"; }, "a crop of the sighting's own branch" },
        { "image ref outside the crops", s => { s.Remove("faceToken"); s["imageRef"] = "exports/customers.jpg"; }, "a crop of the sighting's own branch" },
        { "image ref to a branch whose id starts like this one's", s => { s.Remove("faceToken"); s["imageRef"] = $"DeepLens Images/{s["branchId"]}x/entrance/2026-11-30/s1.jpg"; }, "a crop of the sighting's own branch" },
    };

    [Fact]
    public async Task A_sighting_referring_to_a_crop_of_its_own_branch_is_recorded()
    {
        var branch = World.NewBranch("ref");
        var sighting = Valid(branch);
        sighting.Remove("faceToken");
        sighting["imageRef"] = await World.Images.PutAsync(
            new NextGenCrm.Ports.CropLocation(branch, "entrance", World.Clock.GetUtcNow(), Guid.NewGuid().ToString("N")),
            NextGenCrm.TestSupport.DemoPhotos.FaceCrop(2, $"ref-{branch}"), TestContext.Current.CancellationToken);

        using var response = await _http.PostAsJsonAsync("/api/v1/sightings", sighting, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken);
        Assert.Equal("new-visit", (string?)body!["outcome"]);
    }

    [Theory]
    [MemberData(nameof(BadSightings))]
    public async Task A_bad_sighting_is_refused_with_a_problem_naming_it_and_changes_nothing(string why, Action<JsonObject> spoil, string named)
    {
        var branch = World.NewBranch("bad");
        var sighting = Valid(branch);
        spoil(sighting);

        using var response = await _http.PostAsync("/api/v1/sightings", new StringContent(sighting.ToJsonString(), Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{why}: got {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(named, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        await AssertUntouchedAsync(branch);
    }

    [Fact]
    public async Task Malformed_json_is_refused()
    {
        var branch = World.NewBranch("bad");
        using var response = await _http.PostAsync("/api/v1/sightings",
            new StringContent($"{{\"branchId\": \"{branch}\", \"cameraId\": ", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("JSON", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        await AssertUntouchedAsync(branch);
    }

    [Fact]
    public async Task A_twenty_megabyte_body_is_refused_as_too_large()
    {
        var branch = World.NewBranch("big");
        var sighting = Valid(branch);
        sighting.Remove("faceToken");
        sighting["image"] = Convert.ToBase64String([.. Jpeg, .. new byte[15 * 1024 * 1024]]);

        using var response = await _http.PostAsync("/api/v1/sightings", new StringContent(sighting.ToJsonString(), Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("larger than", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        await AssertUntouchedAsync(branch);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_refused_as_unsupported()
    {
        using var response = await _http.PostAsync("/api/v1/sightings", new StringContent("branchId=x", Encoding.UTF8, "text/plain"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task A_batch_records_the_good_items_and_names_the_bad_ones()
    {
        var branch = World.NewBranch("batch");
        var good = Valid(branch);
        var bad = Valid(branch);
        bad["cameraId"] = "../etc";
        var batch = new JsonObject { ["sightings"] = new JsonArray(good, bad) };

        using var response = await _http.PostAsync("/api/v1/sightings/batch", new StringContent(batch.ToJsonString(), Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!["results"]!.AsArray();
        Assert.Equal(200, (int)results[0]!["status"]!);
        Assert.Equal("new-visit", (string?)results[0]!["outcome"]);
        Assert.Equal(400, (int)results[1]!["status"]!);
        Assert.Contains("cameraId", results[1]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Single((await fixture.Grains.OccupancyAsync(branch)).Visitors);
    }

    [Fact]
    public async Task A_batch_with_a_cameras_sightings_out_of_capture_order_makes_the_visit_the_ordered_batch_makes()
    {
        // Two strangers each stand in the lobby for 40 s and leave by the exit camera. One's batch lists the
        // sightings as captured; the other's lists the exit first and the lobby's latest sightings first.
        var start = World.Clock.GetUtcNow() - TimeSpan.FromMinutes(2);
        var ordered = await PostStayAndExitAsync(start, sightings => sightings);
        var shuffled = await PostStayAndExitAsync(start, sightings => [sightings[3], sightings[2], sightings[1], sightings[0]]);

        foreach (var (visitorId, visit) in new[] { ordered, shuffled })
        {
            Assert.Equal("exit", visit.CloseReason);
            Assert.Equal(start, visit.OpenedAt);
            Assert.Equal(start + TimeSpan.FromSeconds(40), visit.LastSeenAt);
            Assert.Equal(3, visit.SightingCount);
            await Sightings.EventuallyAsync(() => World.Tasks.AttemptsFor(visit.VisitId) == 1 && World.Alerts.CallsFor(visit.VisitId) == 1,
                "the visit's task and alert are delivered");
        }
        await Task.Delay(200, TestContext.Current.CancellationToken); // room for a wrong second visit's task to show up
        foreach (var (visitorId, visit) in new[] { ordered, shuffled })
        {
            var visitIds = (await fixture.Grains.VisitsAsync(visitorId)).Select(v => v.VisitId).ToList();
            Assert.Equal([visit.VisitId], visitIds);
            Assert.Single(World.TasksAt(World.ExitBranch), t => visitIds.Contains(t.VisitId));
        }
    }

    /// <summary>
    /// A stranger's batch: lobby sightings 0, 20 and 40 s after <paramref name="start"/> (20 s apart, so the
    /// lobby camera tells the visitor of each), the exit camera's at 60 s, listed as <paramref name="arrange"/>
    /// says. Checks that the results come back one per item in the batch's order; returns the stranger's one visit.
    /// </summary>
    private async Task<(string VisitorId, VisitSummary Visit)> PostStayAndExitAsync(DateTimeOffset start, Func<JsonObject[], JsonObject[]> arrange)
    {
        var ct = TestContext.Current.CancellationToken;
        var face = $"stranger-{Guid.NewGuid():N}";
        var lobbyTrack = $"lobby-{Guid.NewGuid():N}";
        JsonObject Sighting(string cameraId, string trackId, int second) => new()
        {
            ["sightingId"] = Guid.NewGuid().ToString("N"),
            ["branchId"] = World.ExitBranch,
            ["cameraId"] = cameraId,
            ["trackId"] = trackId,
            ["capturedAt"] = (start + TimeSpan.FromSeconds(second)).ToString("O"),
            ["faceToken"] = face,
        };
        var items = arrange([
            Sighting("lobby", lobbyTrack, 0), Sighting("lobby", lobbyTrack, 20), Sighting("lobby", lobbyTrack, 40),
            Sighting(World.ExitCamera, $"door-{Guid.NewGuid():N}", 60)]);
        var batch = new JsonObject { ["sightings"] = new JsonArray([.. items]) };

        using var response = await _http.PostAsync("/api/v1/sightings/batch", new StringContent(batch.ToJsonString(), Encoding.UTF8, "application/json"), ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.Content.ReadFromJsonAsync<JsonObject>(ct))!["results"]!.AsArray();
        Assert.Equal(items.Length, results.Count);
        for (var i = 0; i < items.Length; i++)
        {
            Assert.Equal(i, (int)results[i]!["index"]!);
            Assert.Equal(200, (int)results[i]!["status"]!);
            Assert.Equal((string?)items[i]["sightingId"], (string?)results[i]!["sightingId"]);
        }
        var visitorId = (string)results[0]!["visitorId"]!;
        return (visitorId, Assert.Single(await fixture.Grains.VisitsAsync(visitorId)));
    }

    [Fact]
    public async Task A_batch_over_the_limit_is_refused_whole()
    {
        var branch = World.NewBranch("batch");
        var batch = new JsonObject { ["sightings"] = new JsonArray([.. Enumerable.Range(0, 501).Select(_ => (JsonNode)Valid(branch))]) };

        using var response = await _http.PostAsync("/api/v1/sightings/batch", new StringContent(batch.ToJsonString(), Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most 500", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        await AssertUntouchedAsync(branch);
    }

    [Fact]
    public async Task A_heartbeat_shows_in_the_branch_camera_list()
    {
        var branch = World.NewBranch("hb");
        var heartbeat = new { sentAt = World.Clock.GetUtcNow(), framesPerSecond = 4.5, facesSeen = 12, sightingsSent = 3, bufferDepth = 0, bufferDropped = 0, status = "ok", agentVersion = "1.0" };

        using var response = await _http.PostAsJsonAsync($"/api/v1/branches/{branch}/cameras/entrance/heartbeat", heartbeat, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        await Sightings.EventuallyAsync(async () =>
        {
            var cameras = await _http.GetFromJsonAsync<JsonArray>($"/api/v1/branches/{branch}/cameras", TestContext.Current.CancellationToken);
            return cameras!.Count == 1 && (double)cameras[0]!["lastHeartbeat"]!["framesPerSecond"]! == 4.5;
        }, "the camera list shows the heartbeat");
    }

    [Fact]
    public async Task The_api_describes_itself_and_answers_its_probes()
    {
        using var openApi = await _http.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
        var document = await openApi.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
        Assert.Contains("/api/v1/sightings/batch", document, StringComparison.Ordinal);
        Assert.Contains("/api/v1/branches/{branchId}/occupancy", document, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/health/live", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/health/ready", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task A_visitor_id_with_path_tricks_is_refused()
    {
        using var response = await _http.GetAsync("/api/v1/visitors/c-..%2Fx/visits", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private async Task AssertUntouchedAsync(string branch)
    {
        Assert.Empty((await fixture.Grains.OccupancyAsync(branch)).Visitors);
        Assert.Empty(World.TasksAt(branch));
        var branches = await _http.GetFromJsonAsync<JsonElement>("/api/v1/branches", TestContext.Current.CancellationToken);
        Assert.DoesNotContain(branches.EnumerateArray(), b => b.GetProperty("branchId").GetString() == branch);
    }
}
