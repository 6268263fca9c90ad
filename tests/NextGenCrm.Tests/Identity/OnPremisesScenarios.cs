using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NextGenCrm.FaceDetection;
using NextGenCrm.Integrations.OnPremises;
using NextGenCrm.Ports;
using NextGenCrm.TestSupport;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Identity;

/// <summary>
/// The on-premises face search through the HTTP API, on three silos: faces as descriptors sent by the edge, and
/// photographs turned into descriptors by the silo; identity, refusals and erasure as a user of the API sees them.
/// </summary>
public sealed class OnPremisesScenarios(OnPremisesCluster cluster) : IClassFixture<OnPremisesCluster>
{
    /// <summary>The threshold these scenarios run at: the default of <c>FaceSearch:OnPremises:MaxDistance</c>.</summary>
    public const double MaxDistance = 0.025;

    /// <summary>The other picture of each demo face: 0.4 of its width around it (not 0.3), at most 240 px (not 320).</summary>
    private const float OtherMargin = 0.4f;
    private const int OtherSide = 240;

    private readonly HttpClient _http = cluster.Http;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_stranger_seen_by_three_cameras_at_once_becomes_one_person()
    {
        for (var round = 0; round < 3; round++)
        {
            var branch = $"onprem-{Guid.NewGuid():N}"[..24];
            var face = Descriptors.Random();
            // Three cameras, three slightly different views of one new face, all at the same moment.
            var answers = await Task.WhenAll(new[] { "door", "lobby", "counter" }.Select(camera =>
                PostSightingAsync(branch, camera, $"{camera}-1", Descriptors.Near(face, 0.08f))));

            var visitors = answers.Select(a => (string)a["visitorId"]!).Distinct().ToList();
            var visitor = Assert.Single(visitors);
            Assert.StartsWith("v-", visitor);
            Assert.Single(answers.Select(a => (string)a["visitId"]!).Distinct());
            // One person in the collection holds this face: the registrar added it once.
            var holders = await PeopleHoldingAsync(face);
            Assert.Equal([visitor], holders);
        }
    }

    [Fact]
    public async Task Bad_descriptors_are_refused_with_400_naming_the_field_and_nothing_is_kept()
    {
        var branch = $"onprem-{Guid.NewGuid():N}"[..24];
        var good = Descriptors.Random();
        var unnormalised = good.Select(x => x * 2).ToArray();
        JsonNode?[] bad =
        [
            new JsonArray([.. good.Take(127).Select(x => (JsonNode)x)]),
            new JsonArray([.. good.Append(0f).Select(x => (JsonNode)x)]),
            new JsonArray([.. unnormalised.Select(x => (JsonNode)x)]),
            new JsonArray([.. new float[128].Select(x => (JsonNode)x)]),
            new JsonArray([.. good.Select((x, i) => (JsonNode)(i == 5 ? "a lot" : x.ToString(System.Globalization.CultureInfo.InvariantCulture)))]),
            JsonValue.Create(Convert.ToBase64String(FaceDescriptors.ToBytes(good))),
            new JsonArray([.. good.Select((x, i) => (JsonNode)(i == 5 ? 1e39 : x))]),
            new JsonArray([.. Enumerable.Range(0, 100_000).Select(_ => (JsonNode)0.01)]),
        ];
        foreach (var descriptor in bad)
        {
            var body = Sighting(branch, "door", "t-bad", null);
            body["faceDescriptor"] = descriptor;
            using var response = await _http.PostAsJsonAsync("/api/v1/sightings", body, Ct);
            var problem = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.StatusCode}: {problem[..Math.Min(300, problem.Length)]}");
            Assert.Contains("faceDescriptor", problem, StringComparison.OrdinalIgnoreCase);
        }
        // A descriptor and a picture at once, and a face token (the simulated search's) in this mode.
        var both = Sighting(branch, "door", "t-both", good);
        both["image"] = Convert.ToBase64String(DemoPhotos.FaceCrop(0));
        using (var response = await _http.PostAsJsonAsync("/api/v1/sightings", both, Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        var token = Sighting(branch, "door", "t-token", null);
        token["faceToken"] = "face-1001";
        using (var response = await _http.PostAsJsonAsync("/api/v1/sightings", token, Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        // In a batch, the bad item is refused and the good one recorded.
        var badItem = Sighting(branch, "door", "t-batch-bad", null);
        badItem["faceDescriptor"] = new JsonArray([.. unnormalised.Select(x => (JsonNode)x)]);
        using var batch = await _http.PostAsJsonAsync("/api/v1/sightings/batch",
            new JsonObject { ["sightings"] = new JsonArray(badItem, Sighting(branch, "lobby", "t-batch-good", good)) }, Ct);
        var results = (await batch.Content.ReadFromJsonAsync<JsonObject>(Ct))!["results"]!.AsArray();
        Assert.Equal(400, (int)results[0]!["status"]!);
        Assert.Equal(200, (int)results[1]!["status"]!);
        var occupancy = await _http.GetFromJsonAsync<JsonObject>($"/api/v1/branches/{branch}/occupancy", Ct);
        Assert.Equal(1, (int)occupancy!["count"]!);
        Assert.Single(await PeopleHoldingAsync(good));
    }

    [Fact]
    public async Task Erasing_a_customer_removes_every_descriptor_and_a_restart_brings_none_back()
    {
        var branch = $"onprem-{Guid.NewGuid():N}"[..24];
        var customerId = $"cust-{Guid.NewGuid():N}"[..20];
        var face = Descriptors.Random();
        using (var enrolled = await _http.PostAsJsonAsync($"/api/v1/customers/{customerId}/faces",
            new { name = "Ana Silva", faceDescriptor = face, consent = TestConsent.Written }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
        }
        // Seen by three cameras: recognised, and the visit adds a later face of theirs (several faces per person).
        var seen = await Task.WhenAll(new[] { "door", "lobby", "counter" }.Select(camera =>
            PostSightingAsync(branch, camera, $"{camera}-1", Descriptors.Near(face, 0.08f))));
        Assert.All(seen, s => Assert.Equal($"c-{customerId}", (string)s["visitorId"]!));
        await EventuallyAsync(async () => (await FacesOfAsync($"c-{customerId}")).Count >= 2);
        var stored = (await FacesOfAsync($"c-{customerId}")).Count;

        using var erased = await _http.DeleteAsync($"/api/v1/customers/{customerId}", Ct);
        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        var receipt = await erased.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal(stored, (int)receipt!["facesRemoved"]!);

        // What a restarted silo's index would read: none of the person's descriptors, and not their bytes either.
        var afterRestart = new SqliteFaceDescriptorStore(OnPremisesWorld.Database);
        await foreach (var kept in afterRestart.ReadAllAsync(Ct))
        {
            Assert.NotEqual($"c-{customerId}", kept.PersonId);
        }
        var file = await File.ReadAllBytesAsync(OnPremisesWorld.Database, Ct);
        Assert.Equal(-1, file.AsSpan().IndexOf(FaceDescriptors.ToBytes(face).AsSpan(0, 64)));
        // The same face seen again later is a stranger's.
        var again = await PostSightingAsync($"{branch}-b", "door", "t-again", face);
        Assert.StartsWith("v-", (string)again["visitorId"]!);
    }

    [Fact]
    public async Task Customers_enrolled_from_one_photo_are_recognised_from_another_crop_and_scale_and_the_others_are_new_visitors()
    {
        var branch = $"onprem-{Guid.NewGuid():N}"[..24];
        int[] customers = [0, 7, 13];
        foreach (var index in customers)
        {
            using var enrolled = await _http.PostAsJsonAsync($"/api/v1/customers/photo-{index}-{branch[7..15]}/faces",
                new { name = $"Customer {index}", image = Convert.ToBase64String(DemoPhotos.FaceCrop(index)), consent = TestConsent.Written }, Ct);
            Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
        }
        var visitors = new Dictionary<int, string>();
        for (var index = 0; index < DemoPhotos.FaceCount; index++)
        {
            // A wider crop at half the size: another picture of the same face.
            var answer = await PostPictureAsync(branch, "lobby", $"t-{index}", DemoPhotos.FaceCrop(index, OtherMargin, OtherSide));
            visitors[index] = (string)answer["visitorId"]!;
        }
        foreach (var index in customers)
        {
            Assert.Equal($"c-photo-{index}-{branch[7..15]}", visitors[index]);
        }
        var others = visitors.Where(v => !customers.Contains(v.Key)).Select(v => v.Value).ToList();
        Assert.All(others, v => Assert.StartsWith("v-", v));
        Assert.Equal(others.Count, others.Distinct().Count());
    }

    [Fact]
    public void At_the_threshold_every_demo_face_matches_its_other_picture_and_no_other_face()
    {
        using var embedder = new PhotoFaceEmbedder(new FaceDetectorOptions(), new FaceEmbedderOptions());
        var first = Enumerable.Range(0, DemoPhotos.FaceCount).Select(i => embedder.DescriptorsOf(DemoPhotos.FaceCrop(i))[0]).ToList();
        var other = Enumerable.Range(0, DemoPhotos.FaceCount).Select(i => embedder.DescriptorsOf(DemoPhotos.FaceCrop(i, OtherMargin, OtherSide))[0]).ToList();
        var same = first.Zip(other, (x, y) => 1 - Dot(x, y)).ToList();
        var different = first.SelectMany((x, i) => other.Where((_, j) => j != i).Select(y => 1 - Dot(x, y))).ToList();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"cosine distance, same person: max {same.Max():F3}, mean {same.Average():F3}; different people: min {different.Min():F3}, mean {different.Average():F3}");
        Assert.True(same.Max() <= MaxDistance, $"the same person at {same.Max():F3}");
        Assert.True(different.Min() > MaxDistance, $"two people at {different.Min():F3}");
    }

    private static float Dot(float[] x, float[] y) => x.Zip(y, (p, q) => p * q).Sum();

    private static async Task<List<string>> PeopleHoldingAsync(float[] face)
    {
        var people = new HashSet<string>();
        await foreach (var stored in OnPremisesWorld.Store.Value.ReadAllAsync(Ct))
        {
            if (1 - Dot(stored.Descriptor, face) <= MaxDistance)
            {
                people.Add(stored.PersonId);
            }
        }
        return [.. people];
    }

    private static async Task<List<StoredFace>> FacesOfAsync(string personId)
    {
        var faces = new List<StoredFace>();
        await foreach (var stored in OnPremisesWorld.Store.Value.ReadAllAsync(Ct))
        {
            if (stored.PersonId == personId)
            {
                faces.Add(stored);
            }
        }
        return faces;
    }

    private static JsonObject Sighting(string branch, string camera, string track, float[]? descriptor)
    {
        var body = new JsonObject
        {
            ["branchId"] = branch,
            ["cameraId"] = camera,
            ["trackId"] = track,
            ["capturedAt"] = DateTimeOffset.UtcNow.AddSeconds(-30).ToString("O"),
        };
        if (descriptor is not null)
        {
            body["faceDescriptor"] = new JsonArray([.. descriptor.Select(x => (JsonNode)x)]);
        }
        return body;
    }

    private async Task<JsonObject> PostSightingAsync(string branch, string camera, string track, float[] descriptor) =>
        await PostAsync(Sighting(branch, camera, track, descriptor));

    private async Task<JsonObject> PostPictureAsync(string branch, string camera, string track, byte[] jpeg)
    {
        var body = Sighting(branch, camera, track, null);
        body["image"] = Convert.ToBase64String(jpeg);
        return await PostAsync(body);
    }

    private async Task<JsonObject> PostAsync(JsonObject body)
    {
        using var response = await _http.PostAsJsonAsync("/api/v1/sightings", body, Ct);
        var answer = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {answer}");
        return answer!;
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "not within 10 s");
            await Task.Delay(50, Ct);
        }
    }
}

/// <summary>Synthetic descriptors: random points on the 128-d unit sphere, and views of one near it.</summary>
public static class Descriptors
{
    private static readonly Random Seeded = new(16);
    private static readonly Lock Gate = new();

    public static float[] Random()
    {
        var v = new float[FaceDescriptors.Dimensions];
        lock (Gate)
        {
            for (var i = 0; i < v.Length; i++)
            {
                v[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - Seeded.NextDouble())) * Math.Cos(2 * Math.PI * Seeded.NextDouble()));
            }
        }
        return Normalised(v);
    }

    /// <summary>Another view of the same face: <paramref name="spread"/> of a random direction added (0.08: about 0.003 from the face, 0.006 between two views).</summary>
    public static float[] Near(float[] face, float spread)
    {
        var noise = Random();
        return Normalised([.. face.Select((x, i) => x + (spread * noise[i]))]);
    }

    private static float[] Normalised(float[] v)
    {
        var norm = MathF.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / norm)];
    }
}
