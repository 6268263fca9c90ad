using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using NextGenCrm.Silo.Security;
using NextGenCrm.TestSupport;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Scenarios;

/// <summary>Auth:Mode=Oidc against a stand-in identity provider on loopback: discovery, JWKS, key rotation, expiry, claim names.</summary>
[Collection(ClusterCollection.Name)]
public sealed class OidcTests : IAsyncLifetime
{
    private FakeIdentityProvider _provider = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _provider = await FakeIdentityProvider.StartAsync(Ct);

    public ValueTask DisposeAsync() => _provider.DisposeAsync();

    /// <summary>Shaped like Amazon Cognito: no aud, the app client in client_id, roles and branches as groups (and scopes) with prefixes.</summary>
    private Dictionary<string, string?> Cognito() => new()
    {
        ["Auth:Mode"] = "Oidc",
        ["Auth:Authority"] = _provider.Issuer,
        ["Auth:RequireHttpsMetadata"] = "false", // a loopback stand-in; production refuses http
        ["Auth:KeyRefreshInterval"] = "00:00:01",
        ["Auth:Audience"] = "staff-app-client,edge-app-client",
        ["Auth:AudienceClaim"] = "client_id",
        ["Auth:RoleClaim"] = "cognito:groups,scope",
        ["Auth:RolePrefix"] = "nextgencrm/",
        ["Auth:BranchClaim"] = "cognito:groups,scope",
        ["Auth:BranchPrefix"] = "nextgencrm/branch:",
        ["Auth:SubjectClaim"] = "username",
    };

    /// <summary>Shaped like Microsoft Entra ID: aud is the API, app roles in roles (a branch as an app role "branch.{id}").</summary>
    private Dictionary<string, string?> Entra() => new()
    {
        ["Auth:Mode"] = "Oidc",
        ["Auth:Authority"] = _provider.Issuer,
        ["Auth:RequireHttpsMetadata"] = "false",
        ["Auth:KeyRefreshInterval"] = "00:00:01",
        ["Auth:Audience"] = "api://nextgencrm",
        ["Auth:RoleClaim"] = "roles",
        ["Auth:BranchClaim"] = "roles",
        ["Auth:BranchPrefix"] = "branch.",
        ["Auth:SubjectClaim"] = "oid",
    };

    private Task<SiloFactory> ApiAsync(Dictionary<string, string?> settings) =>
        Task.FromResult(WorldSilo.Start(settings));

    private static async Task<HttpStatusCode> OccupancyAsync(SiloFactory api, string branch, string token)
    {
        using var client = api.Client().WithToken(token);
        using var response = await client.GetAsync($"/api/v1/branches/{branch}/occupancy", Ct);
        return response.StatusCode;
    }

    private Dictionary<string, object> CognitoStaff(string branch, string client = "staff-app-client") => new()
    {
        ["username"] = "jane.teller",
        ["client_id"] = client,
        ["token_use"] = "access",
        ["cognito:groups"] = new[] { "nextgencrm/staff", $"nextgencrm/branch:{branch}", "unrelated-group" },
    };

    [Fact]
    public async Task A_cognito_access_token_reaches_its_groups_branch_as_staff_and_nothing_else()
    {
        await using var api = await ApiAsync(Cognito());
        var branch = World.NewBranch("cog");
        var token = _provider.Issue("ignored-aud", CognitoStaff(branch), TimeSpan.FromMinutes(10));

        Assert.Equal(HttpStatusCode.OK, await OccupancyAsync(api, branch, token));
        Assert.Equal(HttpStatusCode.Forbidden, await OccupancyAsync(api, "another-branch", token));
        Assert.Equal(HttpStatusCode.Unauthorized, await OccupancyAsync(api, branch,
            _provider.Issue("x", CognitoStaff(branch, client: "someone-elses-client"), TimeSpan.FromMinutes(10))));
        using var client = api.Client().WithToken(token);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.DeleteAsync("/api/v1/customers/c1", Ct)).StatusCode);
    }

    [Fact]
    public async Task An_entra_token_with_app_roles_reaches_its_branch_and_a_machine_token_with_scopes_posts_sightings()
    {
        await using var api = await ApiAsync(Entra());
        var branch = World.NewBranch("entra");
        var staff = _provider.Issue("api://nextgencrm", new Dictionary<string, object> { ["oid"] = "0b9f-staff", ["roles"] = new[] { "staff", $"branch.{branch}" } }, TimeSpan.FromMinutes(10));
        Assert.Equal(HttpStatusCode.OK, await OccupancyAsync(api, branch, staff));
        Assert.Equal(HttpStatusCode.Forbidden, await OccupancyAsync(api, World.NewBranch("other"), staff));

        var edge = _provider.Issue("api://nextgencrm", new Dictionary<string, object> { ["oid"] = "sp-edge", ["roles"] = new[] { "edge", $"branch.{branch}" } }, TimeSpan.FromMinutes(10));
        using var client = api.Client().WithToken(edge);
        using var sighting = await client.PostAsync("/api/v1/sightings", System.Net.Http.Json.JsonContent.Create(new
        {
            branchId = branch, cameraId = "door", trackId = "t1", capturedAt = World.Clock.GetUtcNow(), faceToken = $"entra-{Guid.NewGuid():N}",
        }), Ct);
        Assert.Equal(HttpStatusCode.OK, sighting.StatusCode);
    }

    [Fact]
    public async Task After_the_provider_rotates_its_key_new_tokens_are_accepted_and_tokens_of_the_retired_key_are_not()
    {
        await using var api = await ApiAsync(Cognito());
        var branch = World.NewBranch("rot");
        var before = _provider.Issue("x", CognitoStaff(branch), TimeSpan.FromMinutes(10));
        Assert.Equal(HttpStatusCode.OK, await OccupancyAsync(api, branch, before));
        var readsBefore = _provider.JwksReads;

        _provider.RotateKey(retireOld: true);
        await Task.Delay(TimeSpan.FromSeconds(1.1), Ct); // the silo reads the keys again at most once a second here
        var after = _provider.Issue("x", CognitoStaff(branch), TimeSpan.FromMinutes(10));

        Assert.Equal(HttpStatusCode.OK, await OccupancyAsync(api, branch, after));
        Assert.True(_provider.JwksReads > readsBefore, "the unknown key id made the silo read the JWKS again");
        Assert.Equal(HttpStatusCode.Unauthorized, await OccupancyAsync(api, branch, before));
    }

    public static TheoryData<string> Refused => ["expired", "another audience", "another key", "development token", "another issuer"];

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_token_the_provider_did_not_sign_for_this_api_or_that_has_expired_is_answered_401(string kind)
    {
        var settings = Entra();
        await using var api = await ApiAsync(settings);
        var branch = World.NewBranch("oidc-bad");
        var claims = new Dictionary<string, object> { ["oid"] = "x", ["roles"] = new[] { "admin" } };
        var token = kind switch
        {
            "expired" => _provider.Issue("api://nextgencrm", claims, TimeSpan.FromMinutes(10), issuedAt: DateTimeOffset.UtcNow.AddMinutes(-20)),
            "another audience" => _provider.Issue("api://someone-else", claims, TimeSpan.FromMinutes(10)),
            "another key" => _provider.Issue("api://nextgencrm", claims, TimeSpan.FromMinutes(10), signWith: FakeIdentityProvider.UnpublishedKey()),
            "development token" => TestTokens.Admin(),
            _ => await OtherIssuerTokenAsync(claims),
        };
        Assert.Equal(HttpStatusCode.Unauthorized, await OccupancyAsync(api, branch, token));
        // The same claims, properly issued, get in: the refusal is the token's fault.
        Assert.Equal(HttpStatusCode.OK, await OccupancyAsync(api, branch, _provider.Issue("api://nextgencrm", claims, TimeSpan.FromMinutes(10))));
    }

    private static async Task<string> OtherIssuerTokenAsync(Dictionary<string, object> claims)
    {
        await using var other = await FakeIdentityProvider.StartAsync(Ct);
        return other.Issue("api://nextgencrm", claims, TimeSpan.FromMinutes(10));
    }

    [Fact]
    public void An_oidc_authority_over_plain_http_stops_the_silo_with_the_key_named()
    {
        var validator = new AuthOptionsValidator();
        IEnumerable<string> Problems(AuthOptions options) => validator.Validate(null, options).Failures ?? [];

        Assert.Contains(Problems(new AuthOptions { Mode = AuthMode.Oidc, Authority = "http://idp.example.com" }), p => p.Contains("Auth:Authority must be https", StringComparison.Ordinal));
        Assert.Contains(Problems(new AuthOptions { Mode = AuthMode.Oidc }), p => p.Contains("Auth:Authority", StringComparison.Ordinal));
        Assert.Empty(Problems(new AuthOptions { Mode = AuthMode.Oidc, Authority = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC" }));
    }
}
