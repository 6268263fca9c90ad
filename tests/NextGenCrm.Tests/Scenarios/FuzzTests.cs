using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Scenarios;

/// <summary>
/// A few hundred malformed and hostile requests to every write endpoint: none is answered 5xx, none that is
/// refused leaves anything behind, and the silo is healthy afterwards.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FuzzTests(ClusterFixture fixture)
{
    private const int Requests = 400;
    private readonly HttpClient _http = fixture.Http;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] HostileIds =
        ["", " ", "..", "../etc", "a/b", "a\\b", "%2e%2e", "é", "-x", new string('a', 65), "x:y", "a..b", "🙂", "null", "<script>"];

    /// <summary>Only in bodies: a NUL in a path is refused by the HTTP server before any endpoint sees it.</summary>
    private static readonly string[] HostileBodyIds = [.. HostileIds, "a\u0000b", "\u202Eevil"];

    private static readonly string[] HostileDates =
        ["yesterday", "2026-13-45T10:00:00Z", "2026-11-30T10:00:00", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "", "1e9"];

    [Fact]
    public async Task Malformed_and_hostile_requests_get_clean_4xx_answers_and_change_nothing()
    {
        var random = new Random(2026);
        var run = Guid.NewGuid().ToString("N")[..6];
        var answers = new Dictionary<int, int>();
        var refusedBranches = new List<string>();
        for (var i = 0; i < Requests; i++)
        {
            var branch = $"fz{i}-{run}";
            using var request = Hostile(random, branch, i);
            using var response = await _http.SendAsync(request, Ct);
            var status = (int)response.StatusCode;
            answers[status] = answers.GetValueOrDefault(status) + 1;
            Assert.True(status < 500, $"request {i} ({request.Method} {request.RequestUri}) was answered {status}: {await response.Content.ReadAsStringAsync(Ct)}");
            if (status >= 400)
            {
                refusedBranches.Add(branch);
            }
        }
        TestContext.Current.TestOutputHelper!.WriteLine("answers by status: " + string.Join(", ", answers.OrderBy(a => a.Key).Select(a => $"{a.Key} x{a.Value}")));

        foreach (var branch in refusedBranches)
        {
            Assert.Empty((await fixture.Grains.OccupancyAsync(branch)).Visitors);
            Assert.Empty(World.TasksAt(branch));
            Assert.Empty(World.AlertsAt(branch));
        }
        Assert.True(answers.Where(a => a.Key >= 400).Sum(a => a.Value) > Requests * 3 / 4, "most of the requests were refused");
        using var ready = await _http.GetAsync("/health/ready", Ct);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var valid = await _http.SendAsync(Json(HttpMethod.Post, "/api/v1/sightings", Sighting($"fz-after-{run}").ToJsonString()), Ct);
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
    }

    private static JsonObject Sighting(string branch) => new()
    {
        ["branchId"] = branch,
        ["cameraId"] = "lobby",
        ["trackId"] = "t1",
        ["capturedAt"] = World.Clock.GetUtcNow().ToString("O"),
        ["faceToken"] = $"fuzz-{branch}",
    };

    private static HttpRequestMessage Hostile(Random random, string branch, int i) => (i % 8) switch
    {
        0 or 1 => Json(HttpMethod.Post, "/api/v1/sightings", BrokenSighting(random, branch)),
        2 => Json(HttpMethod.Post, "/api/v1/sightings/batch", BrokenBatch(random, branch)),
        3 => Json(HttpMethod.Post, $"/api/v1/branches/{Uri.EscapeDataString(Pick(random, HostileIds))}/cameras/{Pick(random, ["lobby", "..", "%2F"])}/heartbeat",
            Pick(random, ["{}", "null", "[1,2]", "{\"framesPerSecond\":\"fast\"}", "{\"unknown\":1}", Deep(300)])),
        4 => Json(HttpMethod.Post, $"/api/v1/customers/{Uri.EscapeDataString(Pick(random, HostileIds))}/faces",
            Pick(random, ["{}", "{\"name\":\"\"}", "{\"name\":\"Ana\",\"image\":\"!!!\"}", $"{{\"name\":\"Ana\",\"image\":\"{Convert.ToBase64String(Junk(random, 300, jpeg: true))}\"}}", "{\"name\":1}", Deep(300)])),
        5 => new HttpRequestMessage(HttpMethod.Post, "/api/v1/customers/import")
        {
            Content = new StringContent(Pick(random, ["", "customerId,name\n", "a,b,c,d,e,f\n1,2,3,4,5,6", "customerId,name,phone,photoKey\n\"unclosed,x,y,z", "customerId,name,phone,photoKey\n../x,Ana,1,k"]),
                Encoding.UTF8, Pick(random, ["text/csv", "application/json", "text/plain"])),
        },
        6 => Json(HttpMethod.Post, $"/api/v1/visitors/{Uri.EscapeDataString(Pick(random, [.. HostileIds, "v-unknown", "c-someone"]))}/enrol",
            Pick(random, ["{}", "{\"customerId\":\"../x\",\"name\":\"Ana\"}", "{\"customerId\":\"c1\",\"name\":\"\"}", "{\"customerId\":\"c1\",\"name\":\"Ana\",\"phone\":\"call me\"}", "[]"])),
        _ => new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/{Pick(random, ["visitors", "customers"])}/{Uri.EscapeDataString(Pick(random, [.. HostileIds, "v-unknown"]))}"),
    };

    private static string BrokenSighting(Random random, string branch)
    {
        var sighting = Sighting(branch);
        switch (random.Next(12))
        {
            case 0: sighting.Remove(Pick(random, ["branchId", "cameraId", "trackId", "capturedAt", "faceToken"])); break;
            case 1: sighting[Pick(random, ["branchId", "cameraId", "trackId"])] = Pick(random, HostileBodyIds); break;
            case 2: sighting["capturedAt"] = Pick(random, HostileDates); break;
            case 3: sighting["branchId"] = random.Next(); break;
            case 4: sighting["trackId"] = new JsonObject { ["nested"] = new JsonArray(1, 2) }; break;
            case 5: sighting.Remove("faceToken"); sighting["image"] = Pick(random, ["!!!", "", Convert.ToBase64String(Junk(random, 300, jpeg: true)), Convert.ToBase64String(Junk(random, 300, jpeg: false))]); break;
            case 6: sighting["image"] = Convert.ToBase64String(Junk(random, 200, jpeg: true)); break; // both image and faceToken
            case 7: sighting["surprise"] = "field"; break;
            case 8: sighting.Remove("faceToken"); sighting["imageRef"] = Pick(random, ["/etc/passwd", "../../x.jpg", "a b", " ", "DeepLens Images/other/cam/x.jpg"]); break;
            case 9: return Deep(500);
            case 10: return Pick(random, ["null", "[]", "42", "\"text\"", "{", ""]);
            default: sighting["faceToken"] = new string('f', 10_000); break;
        }
        return sighting.ToJsonString();
    }

    private static string BrokenBatch(Random random, string branch) => random.Next(5) switch
    {
        0 => "{\"sightings\": 5}",
        1 => "{\"sightings\": []}",
        2 => new JsonObject { ["sightings"] = new JsonArray([.. Enumerable.Range(0, 501).Select(_ => (JsonNode?)Sighting(branch))]) }.ToJsonString(),
        3 => $"{{\"sightings\": [null, 1, \"x\", {BrokenSighting(random, branch)}]}}",
        _ => $"{{\"sightings\": [{Deep(200)}]}}",
    };

    private static HttpRequestMessage Json(HttpMethod method, string path, string body) => new(method, path)
    {
        Content = new StringContent(body, Encoding.UTF8, "application/json"),
    };

    private static string Deep(int depth) => new string('[', depth) + new string(']', depth);

    private static byte[] Junk(Random random, int length, bool jpeg)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        if (jpeg)
        {
            bytes[0] = 0xFF;
            bytes[1] = 0xD8;
            bytes[2] = 0xFF;
        }
        return bytes;
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> choices) => choices[random.Next(choices.Count)];
}
