using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Scenarios;

/// <summary>An operator re-drives a visit's failed effects through the API once what refused them is mended.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RedeliveryTests(ClusterFixture fixture)
{
    private readonly HttpClient _http = fixture.Http;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_task_refused_for_good_is_redelivered_by_an_operator_and_reaches_staff_once()
    {
        var branch = World.NewBranch("redrive");
        World.Tasks.FailAt(branch, permanently: true);
        var seen = await fixture.Grains.RecordAsync(Sightings.Of($"redrive-{Guid.NewGuid():N}", branch, "entrance", "t1"));
        await Sightings.EventuallyAsync(async () => await TaskStatusAsync(seen) == "failed", "the task is marked failed");
        await Sightings.EventuallyAsync(() => World.AlertsAt(branch).Count == 1, "the alert is delivered");
        // The person has left by the time the cause is found and mended.
        World.Clock.Advance(TimeSpan.FromMinutes(16));
        await Sightings.EventuallyAsync(async () => (await fixture.Grains.OccupancyAsync(branch)).Visitors.Count == 0, "the visit closes");
        World.Tasks.Recover(branch);

        using var redrive = await _http.PostAsync(RedeliverPath(seen.VisitorId!, seen.VisitId!), null, Ct);

        Assert.Equal(HttpStatusCode.Accepted, redrive.StatusCode);
        var body = await redrive.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal(["staff-task"], body!["effects"]!.AsArray().Select(e => (string?)e));
        await Sightings.EventuallyAsync(async () => await TaskStatusAsync(seen) == "delivered", "the task is delivered");
        Assert.Equal(seen.VisitId, Assert.Single(World.TasksAt(branch)).VisitId);
        Assert.Single(World.AlertsAt(branch)); // delivered before: not sent again

        // Nothing left to re-drive: a repeat changes nothing.
        using var again = await _http.PostAsync(RedeliverPath(seen.VisitorId!, seen.VisitId!), null, Ct);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Empty((await again.Content.ReadFromJsonAsync<JsonObject>(Ct))!["effects"]!.AsArray());
        await Task.Delay(200, Ct);
        Assert.Single(World.TasksAt(branch));
    }

    [Fact]
    public async Task Redelivering_a_visit_the_visitor_does_not_hold_is_404_and_a_malformed_id_is_400()
    {
        var branch = World.NewBranch("redrive-none");
        var seen = await fixture.Grains.RecordAsync(Sightings.Of($"redrive-{Guid.NewGuid():N}", branch, "entrance", "t1"));

        using var unknownVisit = await _http.PostAsync(RedeliverPath(seen.VisitorId!, "0192f0c0000070008000000000000000"), null, Ct);
        using var unknownVisitor = await _http.PostAsync(RedeliverPath("v-never-seen", seen.VisitId!), null, Ct);
        using var malformed = await _http.PostAsync(RedeliverPath(seen.VisitorId!, "a..b"), null, Ct);

        Assert.Equal(HttpStatusCode.NotFound, unknownVisit.StatusCode);
        Assert.Equal("application/problem+json", unknownVisit.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, unknownVisitor.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }

    private static string RedeliverPath(string visitorId, string visitId) => $"/api/v1/visitors/{visitorId}/visits/{visitId}/redeliver";

    private async Task<string?> TaskStatusAsync(SightingResult seen)
    {
        var visits = await _http.GetFromJsonAsync<JsonArray>($"/api/v1/visitors/{seen.VisitorId}/visits", Ct);
        var visit = visits!.Single(v => (string?)v!["visitId"] == seen.VisitId)!;
        return (string?)visit["effects"]!.AsArray().Single(e => (string?)e!["effect"] == "staff-task")!["status"];
    }
}
