using System.Net;
using NextGenCrm.Contracts;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using NextGenCrm.Silo.Ingest;
using NextGenCrm.Silo.Security;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Placement;

/// <summary>
/// Each silo tells an edge agent whether its branch's cameras run there (<see cref="EdgeHeaders.BranchHere"/>), so that an
/// agent behind a cookie-affinity ingress keeps to the silo holding its branch (deploy/kubernetes/ingress.yaml).
/// </summary>
public sealed class BranchHomeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Of_three_silos_only_the_one_running_the_branchs_cameras_says_the_branch_is_here()
    {
        await using var cluster = await ThreeSilosAsync();
        var branch = World.NewBranch("home");
        var token = TestTokens.For(Roles.Edge, branch);

        var sightings = new List<string?>();
        var batches = new List<string?>();
        var heartbeats = new List<string?>();
        foreach (var silo in cluster.Silos)
        {
            using var http = silo.Client(token);
            using var single = await http.PostAsJsonAsync("/api/v1/sightings", Sighting(branch), Ct);
            using var batch = await http.PostAsJsonAsync("/api/v1/sightings/batch", new JsonObject { ["sightings"] = new JsonArray(Sighting(branch), Sighting(branch)) }, Ct);
            using var heartbeat = await http.PostAsJsonAsync($"/api/v1/branches/{branch}/cameras/entrance/heartbeat", new JsonObject
            {
                ["sentAt"] = DateTimeOffset.UtcNow.ToString("O"), ["framesPerSecond"] = 5, ["status"] = "ok",
            }, Ct);
            Assert.Equal(HttpStatusCode.OK, single.StatusCode);
            Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, heartbeat.StatusCode);
            sightings.Add(Here(single));
            batches.Add(Here(batch));
            heartbeats.Add(Here(heartbeat));
        }

        var camera = await cluster.Grains.GetGrain<ICameraGrain>(CameraKeys.Format(branch, "entrance")).GetSilo();
        var expected = cluster.Silos.Select(s => (string?)(s.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.Equals(camera) ? "true" : "false")).ToList();
        Assert.Single(expected, "true");
        Assert.Equal(expected, sightings);
        Assert.Equal(expected, batches);
        Assert.Equal(expected, heartbeats);
    }

    [Fact]
    public async Task When_the_silo_holding_the_branch_stops_the_survivor_that_takes_it_says_so_at_once()
    {
        await using var cluster = await ThreeSilosAsync();
        // A branch held by a silo other than the first (the development cluster's primary, which must stay).
        string branch;
        SiloFactory home;
        do
        {
            branch = World.NewBranch("home");
            var where = await cluster.Grains.GetGrain<ICameraGrain>(CameraKeys.Format(branch, "entrance")).GetSilo();
            home = cluster.Silos.Single(s => s.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.Equals(where));
        }
        while (home == cluster.First);
        var token = TestTokens.For(Roles.Edge, branch);
        var survivors = cluster.Silos.Where(s => s != home).ToList();
        foreach (var silo in survivors)
        {
            using var http = silo.Client(token);
            using var before = await http.PostAsJsonAsync("/api/v1/sightings", Sighting(branch), Ct);
            Assert.Equal("false", Here(before)); // remembered: the camera runs on the home silo
        }

        await home.DisposeAsync();
        await Sightings.EventuallyAsync(async () =>
            (await cluster.Grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count == 2, "the cluster sees the home silo gone");

        var after = new List<string?>();
        foreach (var silo in survivors)
        {
            using var http = silo.Client(token);
            using var response = await http.PostAsJsonAsync("/api/v1/sightings", Sighting(branch), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            after.Add(Here(response));
        }
        Assert.Single(after, "true"); // not 30 s of "false" everywhere while the memory of the gone silo lasts
        Assert.Single(after, "false");
    }

    [Fact]
    public async Task A_refused_sighting_says_nothing_of_where_the_branch_is()
    {
        await using var silo = WorldSilo.Start();
        var branch = World.NewBranch("home");
        using var http = silo.Client(TestTokens.For(Roles.Edge, World.NewBranch("other")));

        using var refused = await http.PostAsJsonAsync("/api/v1/sightings", Sighting(branch), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Null(Here(refused));
    }

    private static Task<SiloCluster> ThreeSilosAsync() => SiloCluster.StartAsync(3, new SiloFactoryOptions
    {
        Settings = WorldSilo.ScenarioSettings(),
        Services = services => services.AddWorld(World.Clock),
    });

    private static string? Here(HttpResponseMessage response) =>
        response.Headers.TryGetValues(EdgeHeaders.BranchHere, out var values) ? values.Single() : null;

    private static JsonObject Sighting(string branch) => new()
    {
        ["sightingId"] = $"s-{Guid.NewGuid():N}",
        ["branchId"] = branch,
        ["cameraId"] = "entrance",
        ["trackId"] = $"t-{Guid.NewGuid():N}"[..20],
        ["capturedAt"] = World.Clock.GetUtcNow().ToString("O"),
        ["faceToken"] = $"home-{Guid.NewGuid():N}",
    };
}
