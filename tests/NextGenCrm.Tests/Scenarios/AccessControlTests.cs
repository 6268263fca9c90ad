using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using NextGenCrm.Silo.Security;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Scenarios;

/// <summary>Every endpoint × every role × a token in or outside the branch: who gets in, who gets 403, and 401 without a valid token.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AccessControlTests(ClusterFixture fixture)
{
    private const string Elsewhere = "elsewhere";

    /// <summary>An endpoint, the role it is for, and whether the branch it touches must be in the token.</summary>
    public sealed record Endpoint(string Name, string Role, bool BranchScoped, Func<string, HttpRequestMessage> Request)
    {
        public override string ToString() => Name;
    }

    private static JsonObject Sighting(string branch) => new()
    {
        ["branchId"] = branch,
        ["cameraId"] = "entrance",
        ["trackId"] = $"t-{Guid.NewGuid():N}"[..20],
        ["capturedAt"] = World.Clock.GetUtcNow().ToString("O"),
        ["faceToken"] = $"acl-{Guid.NewGuid():N}",
    };

    private static HttpRequestMessage Json(HttpMethod method, string path, object body) =>
        new(method, path) { Content = JsonContent.Create(body) };

    public static readonly Endpoint[] Endpoints =
    [
        new("POST sightings", Roles.Edge, true, b => Json(HttpMethod.Post, "/api/v1/sightings", Sighting(b))),
        new("POST branches/{id}/cameras/{id}/heartbeat", Roles.Edge, true, b => Json(HttpMethod.Post, $"/api/v1/branches/{b}/cameras/entrance/heartbeat",
            new { sentAt = World.Clock.GetUtcNow(), framesPerSecond = 2.0, facesSeen = 1, sightingsSent = 1, bufferDepth = 0, bufferDropped = 0, status = "ok" })),
        new("GET branches/{id}/occupancy", Roles.Staff, true, b => new(HttpMethod.Get, $"/api/v1/branches/{b}/occupancy")),
        new("GET branches/{id}/cameras", Roles.Staff, true, b => new(HttpMethod.Get, $"/api/v1/branches/{b}/cameras")),
        new("GET branches", Roles.Staff, false, _ => new(HttpMethod.Get, "/api/v1/branches")),
        new("GET visitors/{id}/visits", Roles.Staff, false, _ => new(HttpMethod.Get, "/api/v1/visitors/v-acl-nobody/visits")),
        new("POST visitors/{id}/visits/{id}/redeliver", Roles.Admin, false, _ => new(HttpMethod.Post, "/api/v1/visitors/v-acl-nobody/visits/visit-1/redeliver")),
        new("DELETE visitors/{id}", Roles.Privacy, false, _ => new(HttpMethod.Delete, "/api/v1/visitors/v-acl-nobody")),
        new("POST customers/{id}/faces", Roles.Enrolment, false, _ => Json(HttpMethod.Post, $"/api/v1/customers/acl-{Guid.NewGuid():N}/faces",
            new { name = "Ada Lovelace", faceToken = $"acl-face-{Guid.NewGuid():N}", consent = TestConsent.Written })),
        new("POST customers/import", Roles.Enrolment, false, _ => new(HttpMethod.Post, "/api/v1/customers/import")
        {
            Content = new StringContent($"customerId,name,faceToken,{TestConsent.CsvColumns}\nacl-{Guid.NewGuid():N},Grace Hopper,acl-face-{Guid.NewGuid():N},{TestConsent.CsvValues}\n", Encoding.UTF8, "text/csv"),
        }),
        new("DELETE customers/{id}", Roles.Privacy, false, _ => new(HttpMethod.Delete, $"/api/v1/customers/acl-nobody-{Guid.NewGuid():N}")),
        new("POST visitors/{id}/enrol", Roles.Enrolment, false, _ => Json(HttpMethod.Post, "/api/v1/visitors/v-acl-nobody/enrol",
            new { customerId = $"acl-{Guid.NewGuid():N}", name = "Alan Turing", consent = TestConsent.Written })),
        new("GET audit", Roles.Privacy, false, _ => new(HttpMethod.Get, "/api/v1/audit")),
    ];

    public static TheoryData<Endpoint, string, bool> Matrix()
    {
        var data = new TheoryData<Endpoint, string, bool>();
        foreach (var endpoint in Endpoints)
        {
            foreach (var role in Roles.All)
            {
                data.Add(endpoint, role, true);
                data.Add(endpoint, role, false);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_endpoint_admits_its_role_in_its_branch_and_refuses_the_rest_with_403(Endpoint endpoint, string role, bool tokenInBranch)
    {
        var branch = World.NewBranch("acl");
        using var client = fixture.ClientAs(role, tokenInBranch ? branch : Elsewhere);
        using var response = await client.SendAsync(endpoint.Request(branch), TestContext.Current.CancellationToken);

        var admitted = role == Roles.Admin || (role == endpoint.Role && (tokenInBranch || !endpoint.BranchScoped));
        if (admitted)
        {
            Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.NotEqual(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.True((int)response.StatusCode < 500, $"{endpoint} as {role}: {response.StatusCode}");
        }
        else
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
    }

    public static TheoryData<Endpoint> EveryEndpoint() => [.. Endpoints];

    [Theory]
    [MemberData(nameof(EveryEndpoint))]
    public async Task Without_a_token_every_endpoint_answers_401_and_names_the_scheme(Endpoint endpoint)
    {
        using var client = fixture.Anonymous();
        using var response = await client.SendAsync(endpoint.Request(World.NewBranch("anon")), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    public static TheoryData<string> BadTokens() => ["bad signature", "expired", "wrong audience", "wrong issuer", "not a token", "admin claims without a signature"];

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task A_token_that_is_not_valid_is_answered_401_whatever_it_claims(string kind)
    {
        var key = SigningKeyFile.LoadOrCreate(TestTokens.KeyFile);
        var otherKey = SigningKeyFile.LoadOrCreate(Path.Combine(Directory.CreateTempSubdirectory("other-key-").FullName, "k.json"));
        var backThen = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-3));
        string[] admin = [Roles.Admin];
        string[] all = [Roles.AnyBranch];
        var token = kind switch
        {
            "bad signature" => new DevelopmentTokens(otherKey, AuthOptions.DefaultAudience, TimeProvider.System).Issue("mallory", admin, all, TimeSpan.FromHours(1)),
            "expired" => new DevelopmentTokens(key, AuthOptions.DefaultAudience, backThen).Issue("late", admin, all, TimeSpan.FromHours(1)),
            "wrong audience" => new DevelopmentTokens(key, "another-api", TimeProvider.System).Issue("lost", admin, all, TimeSpan.FromHours(1)),
            "wrong issuer" => ReIssued(key),
            "not a token" => "hello",
            _ => Unsigned(),
        };
        using var client = fixture.Anonymous().WithToken(token);
        using var response = await client.GetAsync("/api/v1/branches", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static string ReIssued(Microsoft.IdentityModel.Tokens.SymmetricSecurityKey key) =>
        new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Issuer = "someone-else",
            Audience = AuthOptions.DefaultAudience,
            Expires = DateTime.UtcNow.AddHours(1),
            Claims = new Dictionary<string, object> { ["sub"] = "x", ["roles"] = new[] { Roles.Admin }, ["branches"] = new[] { "*" } },
            SigningCredentials = new(key, Microsoft.IdentityModel.Tokens.SecurityAlgorithms.HmacSha256),
        });

    private static string Unsigned()
    {
        static string Part(string json) => Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(json);
        var exp = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        return $"{Part("{\"alg\":\"none\",\"typ\":\"JWT\"}")}.{Part($"{{\"iss\":\"{AuthOptions.DevelopmentIssuer}\",\"aud\":\"{AuthOptions.DefaultAudience}\",\"sub\":\"x\",\"roles\":[\"admin\"],\"branches\":[\"*\"],\"exp\":{exp}}}")}.";
    }

    [Fact]
    public async Task Health_probes_and_the_api_description_need_no_token_and_the_description_declares_the_bearer_scheme()
    {
        using var client = fixture.Anonymous();
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready", ct)).StatusCode);
        var document = await client.GetFromJsonAsync<JsonObject>("/openapi/v1.json", ct);
        var scheme = document!["components"]!["securitySchemes"]!["Bearer"]!;
        Assert.Equal("http", (string?)scheme["type"]);
        Assert.Equal("bearer", (string?)scheme["scheme"]);
        Assert.Equal("JWT", (string?)scheme["bearerFormat"]);
        Assert.NotNull(document["security"]![0]!["Bearer"]);
    }

    [Fact]
    public async Task Staff_see_only_their_own_branches_in_the_list_and_in_a_visitors_visits()
    {
        var ct = TestContext.Current.CancellationToken;
        var mine = World.NewBranch("mine");
        var theirs = World.NewBranch("theirs");
        var face = $"acl-roamer-{Guid.NewGuid():N}";
        var atMine = Sighting(mine);
        atMine["faceToken"] = face;
        var atTheirs = Sighting(theirs);
        atTheirs["faceToken"] = face;
        using var edge = fixture.ClientAs(Roles.Edge, mine, theirs);
        var first = await (await edge.PostAsJsonAsync("/api/v1/sightings", atMine, ct)).Content.ReadFromJsonAsync<JsonObject>(ct);
        (await edge.PostAsJsonAsync("/api/v1/sightings", atTheirs, ct)).EnsureSuccessStatusCode();
        var visitorId = (string)first!["visitorId"]!;

        using var staff = fixture.ClientAs(Roles.Staff, mine);
        await Sightings.EventuallyAsync(async () =>
        {
            var branches = await staff.GetFromJsonAsync<JsonArray>("/api/v1/branches", ct);
            return branches!.Any(b => (string?)b!["branchId"] == mine);
        }, "the staff member's branch is listed");
        var listed = await staff.GetFromJsonAsync<JsonArray>("/api/v1/branches", ct);
        Assert.All(listed!, b => Assert.Equal(mine, (string?)b!["branchId"]));
        var visits = await staff.GetFromJsonAsync<JsonArray>($"/api/v1/visitors/{visitorId}/visits", ct);
        Assert.Equal([mine], visits!.Select(v => (string?)v!["branchId"]));
        var all = await fixture.Http.GetFromJsonAsync<JsonArray>($"/api/v1/visitors/{visitorId}/visits", ct);
        Assert.Equal(2, all!.Count);
    }

    [Fact]
    public async Task A_batch_from_an_edge_token_records_its_own_branch_and_refuses_another_branchs_items_with_403()
    {
        var ct = TestContext.Current.CancellationToken;
        var mine = World.NewBranch("edge-own");
        var other = World.NewBranch("edge-other");
        using var edge = fixture.ClientAs(Roles.Edge, mine);
        using var response = await edge.PostAsJsonAsync("/api/v1/sightings/batch", new { sightings = new[] { Sighting(mine), Sighting(other) } }, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.Content.ReadFromJsonAsync<JsonObject>(ct))!["results"]!.AsArray();
        Assert.Equal(200, (int)results[0]!["status"]!);
        Assert.Equal(403, (int)results[1]!["status"]!);
        var occupancy = await fixture.Http.GetFromJsonAsync<JsonObject>($"/api/v1/branches/{other}/occupancy", ct);
        Assert.Equal(0, (int)occupancy!["count"]!);
    }
}
