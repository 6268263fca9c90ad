using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NextGenCrm.Silo.Security;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Scenarios;

/// <summary>The live branch feeds as the staff page receives them: Server-Sent Events with Last-Event-ID resume.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BranchEventsTests(ClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Grains;

    private static string Face() => $"sse-face-{Guid.NewGuid():N}";

    private async Task<string> ArriveAsync(string branch, string face, string camera = "lobby")
    {
        var result = await Grains.RecordAsync(Sightings.Of(face, branch, camera, $"t-{Guid.NewGuid():N}"[..12]));
        return result.VisitorId!;
    }

    [Fact]
    public async Task A_new_subscriber_gets_who_is_inside_now_then_each_arrival_and_camera_change_as_it_happens()
    {
        var branch = World.NewBranch("sse-live");
        var first = await ArriveAsync(branch, Face());
        await Sightings.EventuallyAsync(async () => (await Grains.OccupancyAsync(branch)).Visitors.Count == 1, "the first visitor is inside");

        using var staff = fixture.ClientAs(Roles.Staff, branch);
        await using var events = await ServerSentEvents.OpenAsync(staff, $"/api/v1/branches/{branch}/events");
        Assert.Equal("text/event-stream", events.Response.Content.Headers.ContentType?.MediaType);
        var snapshot = await events.NextAsync();
        Assert.Equal("snapshot", snapshot.Type);
        var inside = Assert.Single(snapshot.Json["visitors"]!.AsArray());
        Assert.Equal(first, (string?)inside!["visitorId"]);
        Assert.StartsWith("New visitor ", (string?)inside["label"]);
        Assert.Equal("lobby", (string?)inside["lastCameraId"]);

        var second = await ArriveAsync(branch, Face(), camera: "tellers");
        var opened = await events.NextAsync("visit-opened");
        Assert.Equal(second, (string?)opened.Json["visitorId"]);
        Assert.Equal("tellers", (string?)opened.Json["lastCameraId"]);
        // The label is the same wherever and whenever the visitor is shown.
        var again = await Grains.GetGrain<IBranchGrain>(branch).GetFeed(0, 0);
        Assert.Equal((string?)opened.Json["label"], Silo.Dashboard.VisitorView.From(again.Snapshot!.Occupancy.Visitors.Single(v => v.VisitorId == second)).Label);

        var heartbeat = new { sentAt = World.Clock.GetUtcNow(), framesPerSecond = 5.0, facesSeen = 1, sightingsSent = 1, bufferDepth = 0, bufferDropped = 0, status = "ok" };
        (await fixture.Http.PostAsJsonAsync($"/api/v1/branches/{branch}/cameras/door/heartbeat", heartbeat, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var camera = await events.NextAsync("camera");
        Assert.Equal("door", (string?)camera.Json["cameraId"]);
        Assert.Equal("online", (string?)camera.Json["health"]);

        (await fixture.Http.PostAsJsonAsync($"/api/v1/branches/{branch}/cameras/door/heartbeat", heartbeat with { status = "offline" }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        Assert.Equal("offline", (string?)(await events.NextAsync("camera")).Json["health"]);
    }

    [Fact]
    public async Task A_visitor_who_stays_away_past_the_inactivity_timeout_is_sent_as_closed()
    {
        var branch = World.NewBranch("sse-close");
        var visitor = await ArriveAsync(branch, Face());
        using var staff = fixture.ClientAs(Roles.Staff, branch);
        await using var events = await ServerSentEvents.OpenAsync(staff, $"/api/v1/branches/{branch}/events");
        await events.NextAsync("snapshot");
        await Sightings.EventuallyAsync(async () => (await Grains.OccupancyAsync(branch)).Visitors.Count == 1, "the visitor is inside");

        World.Clock.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));

        var closed = await events.NextAsync("visit-closed", data => (string?)data["visitorId"] == visitor);
        Assert.NotNull(closed.Id);
    }

    [Fact]
    public async Task A_reconnecting_subscriber_resumes_after_its_Last_Event_ID_with_no_change_missed_or_repeated()
    {
        var branch = World.NewBranch("sse-resume");
        await ArriveAsync(branch, Face());
        using var staff = fixture.ClientAs(Roles.Staff, branch);
        string lastId;
        await using (var events = await ServerSentEvents.OpenAsync(staff, $"/api/v1/branches/{branch}/events"))
        {
            var snapshot = await events.NextAsync("snapshot", data => data["visitors"]!.AsArray().Count == 1);
            lastId = snapshot.Id!;
        }

        // While the tablet is away: two arrivals.
        var missedA = await ArriveAsync(branch, Face());
        var missedB = await ArriveAsync(branch, Face());
        await Sightings.EventuallyAsync(async () => (await Grains.OccupancyAsync(branch)).Visitors.Count == 3, "three are inside");

        await using var resumed = await ServerSentEvents.OpenAsync(staff, $"/api/v1/branches/{branch}/events", lastEventId: lastId);
        // Exactly the changes after the last id seen, numbered on from it: the two arrivals (and their tasks' status).
        var replayed = new List<ServerSentEvent>();
        while (replayed.Count(e => e.Type == "visit-opened") < 2)
        {
            replayed.Add(await resumed.NextAsync());
        }
        Assert.DoesNotContain(replayed, e => e.Type == "snapshot");
        Assert.Equal([missedA, missedB], replayed.Where(e => e.Type == "visit-opened").Select(e => (string?)e.Json["visitorId"]));
        var expectedId = lastId;
        foreach (var e in replayed)
        {
            expectedId = Next(expectedId);
            Assert.Equal(expectedId, e.Id);
        }

        var later = await ArriveAsync(branch, Face());
        ServerSentEvent live;
        do
        {
            live = await resumed.NextAsync();
            expectedId = Next(expectedId);
            Assert.Equal(expectedId, live.Id); // live changes carry on the numbering with no gap
        }
        while (live.Type != "visit-opened");
        Assert.Equal(later, (string?)live.Json["visitorId"]);

        // An id this branch cannot continue from (another activation's, or made up) starts again from the state now.
        await using var stranger = await ServerSentEvents.OpenAsync(staff, $"/api/v1/branches/{branch}/events", lastEventId: "12345-7");
        var fresh = await stranger.NextAsync();
        Assert.Equal("snapshot", fresh.Type);
        Assert.Equal(4, fresh.Json["visitors"]!.AsArray().Count);
    }

    [Fact]
    public async Task Staff_of_another_branch_get_403_for_its_stream_and_only_their_own_branches_in_the_summary()
    {
        var mine = World.NewBranch("sse-mine");
        var theirs = World.NewBranch("sse-theirs");
        await ArriveAsync(mine, Face());
        await ArriveAsync(theirs, Face());
        await Sightings.EventuallyAsync(async () =>
            (await Grains.GetGrain<IBranchIndexGrain>(IBranchIndexGrain.Key).GetBranches()).Count(b => b.BranchId == mine || b.BranchId == theirs) == 2,
            "both branches are in the index");

        using var staff = fixture.ClientAs(Roles.Staff, mine);
        using var refused = await staff.GetAsync($"/api/v1/branches/{theirs}/events", HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        using var anonymous = fixture.Anonymous();
        using var unsigned = await anonymous.GetAsync($"/api/v1/branches/{mine}/events", HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);

        await using var summary = await ServerSentEvents.OpenAsync(staff, "/api/v1/branches/events");
        var snapshot = await summary.NextAsync("snapshot");
        var branches = snapshot.Json["branches"]!.AsArray().Select(b => (string?)b!["branchId"]).ToList();
        Assert.Equal([mine], branches);
        var day = snapshot.Json["branches"]![0]!;
        Assert.Equal(1, (int)day["occupancy"]!);
        Assert.Equal(96, day["peakPerSlot"]!.AsArray().Count);
        Assert.Contains(day["peakPerSlot"]!.AsArray(), p => (int)p! == 1);

        // A change at their branch is not sent; the next one at mine is.
        await ArriveAsync(theirs, Face());
        await ArriveAsync(mine, Face());
        var change = await summary.NextAsync("branch");
        Assert.Equal(mine, (string?)change.Json["branchId"]);
        Assert.Equal(2, (int)change.Json["occupancy"]!);
    }

    [Fact]
    public async Task Every_customer_named_on_the_live_feed_is_in_the_audit_log_under_the_staff_member_who_watched()
    {
        var branch = World.NewBranch("sse-audit");
        var customerId = $"sse-{Guid.NewGuid():N}"[..20];
        var face = Face();
        await World.EnrolAsync(customerId, "Rita Livefeed", face);
        using var staff = fixture.ClientAs(Roles.Staff, branch);
        await using var events = await ServerSentEvents.OpenAsync(staff, $"/api/v1/branches/{branch}/events");
        await events.NextAsync("snapshot");

        await ArriveAsync(branch, face);
        var opened = await events.NextAsync("visit-opened");
        Assert.Equal("Rita Livefeed", (string?)opened.Json["customerName"]);
        Assert.Equal("Rita Livefeed", (string?)opened.Json["label"]);

        using var privacy = fixture.ClientAs(Roles.Privacy);
        var entries = await privacy.GetFromJsonAsync<JsonArray>($"/api/v1/audit?branchId={branch}", TestContext.Current.CancellationToken);
        Assert.Contains(entries!, e => (string?)e!["action"] == "read-occupancy" && (string?)e["subject"] == "test-staff"
            && (string?)e["visitorId"] == $"c-{customerId}" && (string?)e["detail"] == "live");
    }

    private static long Sequence(string id) => long.Parse(id[(id.IndexOf('-') + 1)..]);

    private static string Next(string id)
    {
        var dash = id.IndexOf('-');
        return $"{id[..dash]}-{long.Parse(id[(dash + 1)..]) + 1}";
    }
}
