using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Scenarios;

[Collection(ClusterCollection.Name)]
public sealed class CustomerErasureTests(ClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;
    private readonly HttpClient _http = fixture.Http;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A customer id no other test uses.</summary>
    private static string NewCustomerId() => $"erase-{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task An_erased_customer_is_no_longer_recognised_and_their_visits_and_history_are_gone()
    {
        var branch = World.NewBranch("forget");
        var face = $"forget-{Guid.NewGuid():N}";
        var customerId = NewCustomerId();
        using var enrolled = await _http.PostAsJsonAsync($"/api/v1/customers/{customerId}/faces",
            new { name = "Marta Sousa", phone = "+351 913 000 111", faceToken = face, consent = TestConsent.Written }, Ct);
        Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
        var seen = await _grains.RecordAsync(Sightings.Of(face, branch, "lobby", "t1"));
        Assert.Equal($"c-{customerId}", seen.VisitorId);
        await Sightings.EventuallyAsync(() => World.TasksAt(branch).Any(t => t.VisitId == seen.VisitId && t.CustomerName == "Marta Sousa"),
            "the visit's task names the customer");
        await Sightings.EventuallyAsync(() => World.History.QueryAsync(seen.VisitorId!, 10, Ct).Result.Count == 1, "the history record is written");
        // The enrolment photo's face, and the face of this first visit from a branch camera.
        await Sightings.EventuallyAsync(() => World.FaceSearch.FacesStoredUnder($"c-{customerId}") == 2, "the visit's face is added to the customer");

        using var erased = await _http.DeleteAsync($"/api/v1/customers/{customerId}", Ct);
        var receipt = await erased.Content.ReadFromJsonAsync<JsonObject>(Ct);
        // Another camera, and the camera that saw them on the track it saw them on: neither may still know them.
        var after = await _grains.RecordAsync(Sightings.Of(face, branch, "entrance", "t2"));
        var sameTrack = await _grains.RecordAsync(Sightings.Of(face, branch, "lobby", "t1"));
        var visits = await _http.GetFromJsonAsync<JsonArray>($"/api/v1/visitors/c-{customerId}/visits", Ct);
        using var again = await _http.DeleteAsync($"/api/v1/customers/{customerId}", Ct);

        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        Assert.Equal(customerId, (string?)receipt!["customerId"]);
        Assert.Equal(2, (int)receipt["facesRemoved"]!);
        Assert.Equal(1, (int)receipt["peopleRemoved"]!);
        Assert.Equal(1, (int)receipt["visitorStates"]!);
        Assert.Equal(0, World.FaceSearch.FacesStoredUnder($"c-{customerId}"));
        Assert.Equal(1, (int)receipt["directoryRecordsRemoved"]!);
        Assert.Equal(1, (int)receipt["visits"]!);
        Assert.Equal(1, (int)receipt["historyRecords"]!);
        Assert.StartsWith("v-", after.VisitorId, StringComparison.Ordinal);
        Assert.Equal(SightingOutcome.NewVisit, after.Outcome);
        Assert.Equal(after.VisitorId, sameTrack.VisitorId);
        Assert.Empty(visits!);
        Assert.Empty(await World.History.QueryAsync($"c-{customerId}", 10, Ct));
        Assert.Null(await World.Directory.GetAsync(customerId, Ct));
        Assert.DoesNotContain((await _grains.OccupancyAsync(branch)).Visitors, o => o.VisitorId == $"c-{customerId}" || o.CustomerName is not null);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Contains("Unknown customer", await again.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Erasing_a_customer_a_salesperson_signed_up_also_erases_the_visits_from_before_the_sign_up()
    {
        var branch = World.NewBranch("forget-signup");
        var face = $"forget-walk-in-{Guid.NewGuid():N}";
        var customerId = NewCustomerId();
        var stranger = await _grains.RecordAsync(Sightings.Of(face, branch, "lobby", "t1"));
        using var enrolled = await _http.PostAsJsonAsync($"/api/v1/visitors/{stranger.VisitorId}/enrol", new { customerId, name = "Tiago Ramos", consent = TestConsent.Written }, Ct);
        Assert.Equal(HttpStatusCode.OK, enrolled.StatusCode);
        World.Clock.Advance(TimeSpan.FromMinutes(16));
        var customer = await _grains.RecordAsync(Sightings.Of(face, branch, "entrance", "t2"));
        Assert.Equal($"c-{customerId}", customer.VisitorId);
        await Sightings.EventuallyAsync(() => World.History.QueryAsync(stranger.VisitorId!, 10, Ct).Result.Count == 1
            && World.History.QueryAsync(customer.VisitorId!, 10, Ct).Result.Count == 1, "both visits' history records are written");
        // The stranger's registration face, and the face of the customer's first visit, added to the same person.
        await Sightings.EventuallyAsync(() => World.FaceSearch.FacesStoredUnder(stranger.VisitorId!) == 2, "the visit's face is added to the person");

        using var erased = await _http.DeleteAsync($"/api/v1/customers/{customerId}", Ct);
        var receipt = await erased.Content.ReadFromJsonAsync<JsonObject>(Ct);

        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        Assert.Equal(2, (int)receipt!["facesRemoved"]!);
        Assert.Equal(0, World.FaceSearch.FacesStoredUnder(stranger.VisitorId!));
        Assert.Equal(2, (int)receipt["visitorStates"]!);
        Assert.Equal(2, (int)receipt["visits"]!);
        Assert.Equal(2, (int)receipt["historyRecords"]!);
        Assert.Empty(await _grains.VisitsAsync(stranger.VisitorId!));
        Assert.Empty(await _grains.VisitsAsync(customer.VisitorId!));
        Assert.Empty(await World.History.QueryAsync(stranger.VisitorId!, 10, Ct));
        Assert.Empty((await _grains.OccupancyAsync(branch)).Visitors);
    }

    [Theory]
    [InlineData("a..b", HttpStatusCode.BadRequest, "customerId")]
    [InlineData("-leading-dash", HttpStatusCode.BadRequest, "customerId")]
    [InlineData("never-enrolled", HttpStatusCode.NotFound, "Unknown customer")]
    public async Task Erasing_an_invalid_or_unknown_customer_is_refused_with_a_problem(string customerId, HttpStatusCode expected, string named)
    {
        using var response = await _http.DeleteAsync($"/api/v1/customers/{customerId}", Ct);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(named, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }
}
