using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NextGenCrm.Ports;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Scenarios;

[Collection(ClusterCollection.Name)]
public sealed class EnrolmentAndErasureTests(ClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;
    private readonly HttpClient _http = fixture.Http;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_stranger_signed_up_by_a_salesperson_is_recognised_by_name_on_the_next_visit()
    {
        var branch = World.NewBranch("signup");
        var face = $"walk-in-{Guid.NewGuid():N}";
        var stranger = await _grains.RecordAsync(Sightings.Of(face, branch, "lobby", "t1"));

        using var enrolled = await _http.PostAsJsonAsync($"/api/v1/visitors/{stranger.VisitorId}/enrol",
            new { customerId = "5501", name = "Inês Carvalho", phone = "+351 912 345 678", consent = TestConsent.Written }, Ct);
        Assert.Equal(HttpStatusCode.OK, enrolled.StatusCode);

        World.Clock.Advance(TimeSpan.FromMinutes(16));
        var next = await _grains.RecordAsync(Sightings.Of(face, branch, "entrance", "t2"));

        Assert.Equal("c-5501", next.VisitorId);
        Assert.Equal(SightingOutcome.NewVisit, next.Outcome);
        await Sightings.EventuallyAsync(() => World.TasksAt(branch).Any(t => t.VisitId == next.VisitId), "the second visit's task is delivered");
        var task = World.TasksAt(branch).Single(t => t.VisitId == next.VisitId);
        Assert.Equal(StaffRole.CustomerService, task.AssignTo);
        Assert.Equal("Inês Carvalho", task.CustomerName);
    }

    [Fact]
    public async Task A_customer_enrolled_with_a_photo_is_recognised_on_their_first_visit()
    {
        var branch = World.NewBranch("enrol");
        var face = $"photo-{Guid.NewGuid():N}";

        using var enrolled = await _http.PostAsJsonAsync("/api/v1/customers/6601/faces", new { name = "Luís Almeida", faceToken = face, consent = TestConsent.Written }, Ct);
        var visit = await _grains.RecordAsync(Sightings.Of(face, branch, "lobby", "t1"));

        Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
        Assert.Equal("c-6601", visit.VisitorId);
        Assert.Equal("Luís Almeida", Assert.Single((await _grains.OccupancyAsync(branch)).Visitors).CustomerName);
    }

    [Theory]
    [InlineData("""{"faceToken":"f1"}""", "name")]
    [InlineData("""{"name":"Ana","faceToken":"f1","phone":"call me"}""", "phone")]
    [InlineData("""{"name":"Ana"}""", "image")]
    [InlineData("""{"name":"Ana","image":"bm90IGFuIGltYWdl"}""", "JPEG or PNG")]
    public async Task A_bad_enrolment_is_refused_naming_the_problem(string body, string named)
    {
        using var response = await _http.PostAsync("/api/v1/customers/7701/faces", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(named, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Null(await World.Directory.GetAsync("7701", Ct));
    }

    [Fact]
    public async Task A_csv_import_enrols_the_good_rows_and_names_the_bad_ones()
    {
        var branch = World.NewBranch("import");
        var face = $"csv-{Guid.NewGuid():N}";
        var csv = string.Join("\n",
            $"customerId,name,phone,faceToken,{TestConsent.CsvColumns}",
            $"8801,\"Pereira, João\",+351 911 000 111,{face},{TestConsent.CsvValues}",
            $"8802,,+351 911 000 222,csv-no-name,{TestConsent.CsvValues}",
            $"8803,Sofia Reis,,{face}-2,{TestConsent.CsvValues}",
            $"8804,Rui Lopes,not a phone,csv-bad-phone,{TestConsent.CsvValues}");

        using var response = await _http.PostAsync("/api/v1/customers/import", new StringContent(csv, System.Text.Encoding.UTF8, "text/csv"), Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        var visit = await _grains.RecordAsync(Sightings.Of(face, branch, "lobby", "t1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (int)body!["enrolled"]!);
        var rows = body["rows"]!.AsArray();
        Assert.Equal(["enrolled", "refused", "enrolled", "refused"], rows.Select(r => (string)r!["status"]!));
        Assert.Contains("name", (string?)rows[1]!["error"], StringComparison.Ordinal);
        Assert.Contains("phone", (string?)rows[3]!["error"], StringComparison.Ordinal);
        Assert.Equal(3, (int)rows[1]!["line"]!);
        Assert.Equal("c-8801", visit.VisitorId);
        Assert.Equal("Pereira, João", Assert.Single((await _grains.OccupancyAsync(branch)).Visitors).CustomerName);
    }

    [Fact]
    public async Task A_csv_without_the_required_columns_is_refused_whole()
    {
        using var response = await _http.PostAsync("/api/v1/customers/import",
            new StringContent("id,fullName\n1,Ana", System.Text.Encoding.UTF8, "text/csv"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("customerId, name", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Erasing_a_visitor_removes_their_visits_occupancy_history_and_face()
    {
        var branch = World.NewBranch("erase");
        var face = $"erase-{Guid.NewGuid():N}";
        var seen = await _grains.RecordAsync(Sightings.Of(face, branch, "lobby", "t1"));
        await Sightings.EventuallyAsync(() => World.History.QueryAsync(seen.VisitorId!, 10, Ct).Result.Count == 1, "the history record is written");

        using var erased = await _http.DeleteAsync($"/api/v1/visitors/{seen.VisitorId}", Ct);
        var receipt = await erased.Content.ReadFromJsonAsync<JsonObject>(Ct);

        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        Assert.Equal(1, (int)receipt!["visits"]!);
        Assert.True((bool)receipt["faceRemovedFromCollection"]!);
        Assert.Empty((await _grains.OccupancyAsync(branch)).Visitors);
        Assert.Empty(await _grains.VisitsAsync(seen.VisitorId!));
        Assert.Empty(await World.History.QueryAsync(seen.VisitorId!, 10, Ct));
        Assert.Equal(FaceSearchOutcome.NoMatch, (await World.FaceSearch.SearchAsync(FaceImage.FromToken(face), Ct)).Outcome);
    }
}
