using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Security;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Scenarios;

/// <summary>Unknown branches and cameras refused before they become grains; per-client rate limits.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AbuseLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static object Sighting(string branch, string camera) => new
    {
        branchId = branch, cameraId = camera, trackId = $"t-{Guid.NewGuid():N}"[..20], capturedAt = World.Clock.GetUtcNow(), faceToken = $"abuse-{Guid.NewGuid():N}",
    };

    private Task<SiloFactory> ApiAsync(Dictionary<string, string?> settings, IAuditLog? audit = null) =>
        Task.FromResult(WorldSilo.Start(settings, audit: audit));

    [Fact]
    public async Task With_a_branch_registry_an_all_branches_token_cannot_create_unknown_branches_or_cameras()
    {
        var known = World.NewBranch("known");
        var stray = World.NewBranch("stray");
        await using var api = await ApiAsync(new() { [$"Branches:Known:{known}:0"] = "door", [$"Branches:Known:{known}:1"] = "lobby" });
        using var admin = api.Client().WithToken(TestTokens.Admin());

        using var toKnown = await admin.PostAsJsonAsync("/api/v1/sightings", Sighting(known, "door"), Ct);
        using var toStray = await admin.PostAsJsonAsync("/api/v1/sightings", Sighting(stray, "door"), Ct);
        using var toStrayCamera = await admin.PostAsJsonAsync("/api/v1/sightings", Sighting(known, "window"), Ct);
        using var heartbeat = await admin.PostAsJsonAsync($"/api/v1/branches/{known}/cameras/window/heartbeat", new { sentAt = World.Clock.GetUtcNow() }, Ct);
        using var batch = await admin.PostAsJsonAsync("/api/v1/sightings/batch", new { sightings = new[] { Sighting(known, "lobby"), Sighting(stray, "lobby") } }, Ct);

        Assert.Equal(HttpStatusCode.OK, toKnown.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, toStray.StatusCode);
        Assert.Contains("not a known branch", await toStray.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, toStrayCamera.StatusCode);
        Assert.Contains("not a known camera", await toStrayCamera.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, heartbeat.StatusCode);
        var results = (await batch.Content.ReadFromJsonAsync<JsonObject>(Ct))!["results"]!.AsArray();
        Assert.Equal([200, 403], results.Select(r => (int)r!["status"]!));

        var branches = await admin.GetFromJsonAsync<JsonArray>("/api/v1/branches", Ct);
        Assert.DoesNotContain(branches!, b => (string?)b!["branchId"] == stray);
        Assert.Empty((await admin.GetFromJsonAsync<JsonArray>($"/api/v1/branches/{known}/cameras", Ct))!);
    }

    [Fact]
    public async Task An_edge_token_scoped_to_its_branch_may_post_there_without_a_registry_entry()
    {
        var own = World.NewBranch("own");
        await using var api = await ApiAsync(new() { ["Branches:Known:somewhere-else:0"] = "door" });
        using var edge = api.Client().WithToken(TestTokens.For(Roles.Edge, own));
        using var response = await edge.PostAsJsonAsync("/api/v1/sightings", Sighting(own, "door"), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_client_over_its_rate_is_answered_429_with_retry_after_and_other_clients_are_not_slowed()
    {
        var branch = World.NewBranch("rate");
        var audit = new InMemoryAuditLog();
        await using var api = await ApiAsync(new() { ["RateLimits:ReadsPerSecond"] = "2" }, audit);
        using var greedy = api.Client().WithToken(TestTokens.For(Roles.Staff, branch));
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            using var response = await greedy.GetAsync($"/api/v1/branches/{branch}/occupancy", Ct);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.NotNull(response.Headers.RetryAfter);
            }
        }
        Assert.Equal(HttpStatusCode.OK, statuses[0]);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.True(statuses.Count(s => s == HttpStatusCode.OK) <= 5, string.Join(",", statuses));
        // The throttling is on the record, once for the burst (not once per refused request).
        var entries = await audit.ReadAsync(new AuditQuery(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, branch, null, 100), Ct);
        var throttled = Assert.Single(entries, e => e.Action == "throttled");
        Assert.Equal((429, "test-staff"), (throttled.Status, throttled.Subject));

        using var other = api.Client().WithToken(new DevelopmentTokens(SigningKeyFile.LoadOrCreate(TestTokens.KeyFile), AuthOptions.DefaultAudience, TimeProvider.System)
            .Issue("another-teller", [Roles.Staff], [branch], TimeSpan.FromMinutes(5)));
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync($"/api/v1/branches/{branch}/occupancy", Ct)).StatusCode);
    }
}
