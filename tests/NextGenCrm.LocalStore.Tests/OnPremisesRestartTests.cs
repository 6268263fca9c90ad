using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NextGenCrm.TestSupport;

namespace NextGenCrm.LocalStore.Tests;

/// <summary>
/// The on-premises face search of the real silo, killed with SIGKILL and started again on the same data folder:
/// every face acknowledged is searched again, and a person erased before the kill stays erased.
/// </summary>
public sealed class OnPremisesRestartTests : IDisposable
{
    private readonly TempFolder _dataDir = new();
    private readonly Random _random = new(2026);

    private string KeyFile => Path.Combine(_dataDir.Path, "signing-key.json");

    [Fact]
    public async Task After_a_kill_9_customers_and_strangers_are_recognised_and_an_erased_customer_is_a_stranger()
    {
        var cancel = TestContext.Current.CancellationToken;
        string[] args = ["--data-dir", _dataDir.Path, "--FaceSearch:Provider=OnPremises"];
        var ann = Face();
        var bea = Face();
        var stranger = Face();
        string strangerId;
        using (var first = await SiloProcess.StartAsync(args, KeyFile, TimeSpan.FromSeconds(60), cancel))
        using (var http = new HttpClient { BaseAddress = first.BaseUrl })
        {
            http.DefaultRequestHeaders.Authorization = new("Bearer", await first.IssueTokenAsync("admin"));
            var consent = new { givenAt = DateTimeOffset.UtcNow.AddMinutes(-1), method = "written" };
            foreach (var (id, name, face) in new[] { ("ann", "Ann Example", ann), ("bea", "Bea Example", bea) })
            {
                using var enrolled = await http.PostAsJsonAsync($"api/v1/customers/{id}/faces", new { name, faceDescriptor = face, consent }, cancel);
                Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
            }
            Assert.Equal("c-ann", await SightAsync(http, "entrance", "t1", Near(ann), cancel));
            Assert.Equal("c-bea", await SightAsync(http, "entrance", "t2", Near(bea), cancel));
            strangerId = await SightAsync(http, "lobby", "t3", Near(stranger), cancel);
            Assert.StartsWith("v-", strangerId);
            using var erased = await http.DeleteAsync("api/v1/customers/bea", cancel);
            Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
            Assert.True((await erased.Content.ReadFromJsonAsync<JsonElement>(cancel)).GetProperty("facesRemoved").GetInt32() >= 1);

            first.Kill();
        }

        using var second = await SiloProcess.StartAsync(args, KeyFile, TimeSpan.FromSeconds(60), cancel);
        using var client = new HttpClient { BaseAddress = second.BaseUrl };
        client.DefaultRequestHeaders.Authorization = new("Bearer", await second.IssueTokenAsync("admin"));
        Assert.Equal("c-ann", await SightAsync(client, "counter", "t4", Near(ann), cancel, "harbour"));
        Assert.Equal(strangerId, await SightAsync(client, "counter", "t5", Near(stranger), cancel, "harbour"));
        var beaNow = await SightAsync(client, "counter", "t6", Near(bea), cancel, "harbour");
        Assert.StartsWith("v-", beaNow);
        Assert.NotEqual(strangerId, beaNow);
    }

    private static async Task<string> SightAsync(HttpClient http, string camera, string track, float[] face, CancellationToken cancel, string branch = "main-st")
    {
        using var response = await http.PostAsJsonAsync("api/v1/sightings",
            new { branchId = branch, cameraId = camera, trackId = track, capturedAt = DateTimeOffset.UtcNow, faceDescriptor = face }, cancel);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {answer}");
        return answer.GetProperty("visitorId").GetString()!;
    }

    private float[] Face() => Normalised([.. Enumerable.Range(0, 128).Select(_ => (float)(_random.NextDouble() - 0.5))]);

    private float[] Near(float[] face)
    {
        var noise = Face();
        return Normalised([.. face.Select((x, i) => x + (0.1f * noise[i]))]);
    }

    private static float[] Normalised(float[] v)
    {
        var norm = MathF.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / norm)];
    }

    public void Dispose() => _dataDir.Dispose();
}
