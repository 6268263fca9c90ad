using NextGenCrm.Tests.Infrastructure;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NextGenCrm.Ports;

namespace NextGenCrm.Tests.Identity;

/// <summary>
/// One person, one visitor, through the HTTP API, with a face search as slow and as forgetful as the real one:
/// people seen by several cameras at the same moment, in several rounds.
/// </summary>
public abstract class IdentityScenarios(IdentityCluster cluster)
{
    private readonly HttpClient _http = cluster.Http;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string[] Cameras = ["door", "lobby", "counter"];

    [Fact]
    public async Task Three_people_seen_by_three_cameras_at_once_for_three_rounds_are_three_visitors_with_one_task_each_and_two_sms()
    {
        var branch = $"ident-{Guid.NewGuid():N}"[..24];
        var customerId = $"cust-{Guid.NewGuid():N}"[..20];
        var customerFace = $"face-{customerId}";
        using var enrolled = await _http.PostAsJsonAsync($"/api/v1/customers/{customerId}/faces", new { name = "Ana Silva", faceToken = customerFace, consent = TestConsent.Written }, Ct);
        Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
        string[] faces = [customerFace, $"stranger-a-{Guid.NewGuid():N}", $"stranger-b-{Guid.NewGuid():N}"];

        var answers = new List<JsonObject>();
        for (var round = 0; round < 3; round++)
        {
            // Every person in view of every camera at the same moment; each round is a new edge track.
            var sightings = faces.SelectMany((face, person) => Cameras.Select(camera =>
                PostSightingAsync(branch, camera, $"p{person}-{camera}-r{round}", face)));
            answers.AddRange(await Task.WhenAll(sightings));
        }

        Assert.All(answers, a => Assert.Contains((string)a["outcome"]!, new[] { "new-visit", "visit-extended" }));
        var visitors = answers.Select(a => (string)a["visitorId"]!).Distinct().ToList();
        var visits = answers.Select(a => (string)a["visitId"]!).Distinct().ToList();
        Assert.Equal(3, visitors.Count);
        Assert.Equal(3, visits.Count);
        Assert.Contains($"c-{customerId}", visitors);
        await EventuallyAsync(() => IdentityWorld.Calls.TasksAt(branch).Count >= 3 && IdentityWorld.Calls.AlertsAt(branch).Count >= 2);
        await Task.Delay(500, Ct); // a second task or SMS would be on its way by now
        Assert.Equal(3, IdentityWorld.Calls.TasksAt(branch).Count);
        Assert.Equal(2, IdentityWorld.Calls.AlertsAt(branch).Count);
        var occupancy = await _http.GetFromJsonAsync<JsonObject>($"/api/v1/branches/{branch}/occupancy", Ct);
        Assert.Equal(3, (int)occupancy!["count"]!);
        foreach (var stranger in faces.Skip(1))
        {
            Assert.Single(IdentityWorld.FaceSearch.PeopleWithToken(stranger));
            // Indexed once: a lost IndexFaces answer is followed by a search for the face it stored, not a second face.
            Assert.Equal(1, IdentityWorld.FaceSearch.FacesStoredFor(stranger));
        }
    }

    [Fact]
    public async Task A_stranger_enrolled_while_in_the_branch_stays_one_visit_with_no_second_task_or_sms()
    {
        var branch = $"enrol-{Guid.NewGuid():N}"[..24];
        var face = $"walk-in-{Guid.NewGuid():N}";
        var first = await Task.WhenAll(Cameras.Select(camera => PostSightingAsync(branch, camera, $"{camera}-1", face)));
        var strangerId = (string)first[0]["visitorId"]!;
        var visitId = (string)first[0]["visitId"]!;
        Assert.All(first, a => Assert.Equal(strangerId, (string)a["visitorId"]!));
        await EventuallyAsync(() => IdentityWorld.Calls.TasksAt(branch).Count == 1 && IdentityWorld.Calls.AlertsAt(branch).Count == 1);

        var customerId = $"signup-{Guid.NewGuid():N}"[..20];
        using var enrol = await _http.PostAsJsonAsync($"/api/v1/visitors/{strangerId}/enrol", new { customerId, name = "Tiago Ramos", consent = TestConsent.Written }, Ct);
        Assert.Equal(HttpStatusCode.OK, enrol.StatusCode);

        // The same tracks go on (cameras remember them as the stranger), and a new track starts.
        var later = await Task.WhenAll(
            PostSightingAsync(branch, "door", "door-1", face, seconds: 20),
            PostSightingAsync(branch, "lobby", "lobby-1", face, seconds: 20),
            PostSightingAsync(branch, "counter", "counter-2", face, seconds: 20));

        Assert.All(later, a => Assert.Equal($"c-{customerId}", (string)a["visitorId"]!));
        Assert.All(later, a => Assert.Equal(visitId, (string)a["visitId"]!));
        var occupancy = await _http.GetFromJsonAsync<JsonObject>($"/api/v1/branches/{branch}/occupancy", Ct);
        Assert.Equal(1, (int)occupancy!["count"]!);
        Assert.Equal($"c-{customerId}", (string)occupancy["visitors"]![0]!["visitorId"]!);
        Assert.Equal("Tiago Ramos", (string)occupancy["visitors"]![0]!["customerName"]!);
        await Task.Delay(500, Ct);
        Assert.Single(IdentityWorld.Calls.TasksAt(branch));
        Assert.Single(IdentityWorld.Calls.AlertsAt(branch));
    }

    [Fact]
    public async Task Enrolment_takes_only_an_existing_anonymous_visitor_once()
    {
        var branch = $"enrol2-{Guid.NewGuid():N}"[..24];
        var stranger = (string)(await PostSightingAsync(branch, "door", "t1", $"walk-in-{Guid.NewGuid():N}"))["visitorId"]!;
        var customerId = $"cust-{Guid.NewGuid():N}"[..20];

        using var unknown = await _http.PostAsJsonAsync($"/api/v1/visitors/v-{Guid.NewGuid():N}/enrol", new { customerId, name = "Rui Costa", consent = TestConsent.Written }, Ct);
        using var first = await _http.PostAsJsonAsync($"/api/v1/visitors/{stranger}/enrol", new { customerId, name = "Rui Costa", consent = TestConsent.Written }, Ct);
        using var repeated = await _http.PostAsJsonAsync($"/api/v1/visitors/{stranger}/enrol", new { customerId, name = "Rui Costa", consent = TestConsent.Written }, Ct);
        using var other = await _http.PostAsJsonAsync($"/api/v1/visitors/{stranger}/enrol", new { customerId = customerId + "x", name = "Eva Lopes", consent = TestConsent.Written }, Ct);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Equal(customerId, (await IdentityWorld.Directory.FindByFaceIdAsync(stranger, Ct))?.CustomerId);
    }

    [Fact]
    public async Task A_person_registered_twice_is_merged_into_the_older_on_the_next_search()
    {
        var branch = $"dup-{Guid.NewGuid():N}"[..24];
        var face = $"twice-{Guid.NewGuid():N}";
        var first = await PostSightingAsync(branch, "door", "t1", face);
        var younger = (string)first["visitorId"]!;
        await EventuallyAsync(() => IdentityWorld.Calls.TasksAt(branch).Count == 1);
        // A duplicate that slipped through (a second branch at the same moment, a lost answer): an older person with the same face.
        var older = PersonIds.NewAnonymous(DateTimeOffset.UtcNow.AddHours(-1));
        await IdentityWorld.FaceSearch.AddFaceAsync(FaceImage.FromToken(face), older, Ct);

        var next = await PostSightingAsync(branch, "lobby", "t2", face, seconds: 5);
        var same = await PostSightingAsync(branch, "door", "t1", face, seconds: 15);

        Assert.Equal(older, (string)next["visitorId"]!);
        Assert.Equal((string)first["visitId"]!, (string)next["visitId"]!);
        Assert.Equal(older, (string)same["visitorId"]!);
        var occupancy = await _http.GetFromJsonAsync<JsonObject>($"/api/v1/branches/{branch}/occupancy", Ct);
        Assert.Equal(1, (int)occupancy!["count"]!);
        Assert.Equal(older, (string)occupancy["visitors"]![0]!["visitorId"]!);
        Assert.Empty(await cluster.Grains.GetGrain<IVisitorGrain>(younger).GetVisits());
        await Task.Delay(500, Ct);
        Assert.Single(IdentityWorld.Calls.TasksAt(branch));
        Assert.Single(IdentityWorld.Calls.AlertsAt(branch));
    }

    [Fact]
    public async Task An_enrolled_visitor_is_named_even_when_an_older_duplicate_of_their_face_turns_up()
    {
        var branch = $"dup2-{Guid.NewGuid():N}"[..24];
        var face = $"enrolled-{Guid.NewGuid():N}";
        var stranger = (string)(await PostSightingAsync(branch, "door", "t1", face))["visitorId"]!;
        var customerId = $"cust-{Guid.NewGuid():N}"[..20];
        using var enrol = await _http.PostAsJsonAsync($"/api/v1/visitors/{stranger}/enrol", new { customerId, name = "Eva Lopes", consent = TestConsent.Written }, Ct);
        Assert.Equal(HttpStatusCode.OK, enrol.StatusCode);
        var older = PersonIds.NewAnonymous(DateTimeOffset.UtcNow.AddHours(-1));
        await IdentityWorld.FaceSearch.AddFaceAsync(FaceImage.FromToken(face), older, Ct);

        var next = await PostSightingAsync(branch, "lobby", "t2", face, seconds: 5);

        Assert.Equal($"c-{customerId}", (string)next["visitorId"]!);
        var occupancy = await _http.GetFromJsonAsync<JsonObject>($"/api/v1/branches/{branch}/occupancy", Ct);
        Assert.Equal(1, (int)occupancy!["count"]!);
        Assert.Equal("Eva Lopes", (string)occupancy["visitors"]![0]!["customerName"]!);
        await Task.Delay(500, Ct);
        Assert.Single(IdentityWorld.Calls.TasksAt(branch));
    }

    private async Task<JsonObject> PostSightingAsync(string branch, string camera, string track, string face, int seconds = 0)
    {
        var body = new JsonObject
        {
            ["branchId"] = branch,
            ["cameraId"] = camera,
            ["trackId"] = track,
            ["capturedAt"] = DateTimeOffset.UtcNow.AddSeconds(seconds - 60).ToString("O"),
            ["faceToken"] = face,
        };
        using var response = await _http.PostAsJsonAsync("/api/v1/sightings", body, Ct);
        var answer = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {answer}");
        return answer!;
    }

    private static async Task EventuallyAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the deliveries");
            await Task.Delay(25, Ct);
        }
    }
}

public sealed class IdentityOnOneSilo(OneSiloIdentityCluster cluster) : IdentityScenarios(cluster), IClassFixture<OneSiloIdentityCluster>;

public sealed class IdentityOnThreeSilos(ThreeSiloIdentityCluster cluster) : IdentityScenarios(cluster), IClassFixture<ThreeSiloIdentityCluster>;
