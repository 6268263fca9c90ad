using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.Tokens;
using NextGenCrm.TestSupport;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Scenarios;

/// <summary>
/// The page's sign-in with the bank's provider (Auth:Mode=Oidc): the silo runs the authorization code flow with PKCE
/// against a loopback stand-in that signs its users in at once and checks what a real provider checks (client,
/// redirect URI, code verifier, one use per code).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DashboardOidcTests(ClusterFixture fixture) : IAsyncLifetime
{
    private const string ClientId = "staff-dashboard";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private FakeIdentityProvider _keys = null!;
    private AuthorizationServer _provider = null!;

    public async ValueTask InitializeAsync()
    {
        _keys = await FakeIdentityProvider.StartAsync(Ct);
        _provider = await AuthorizationServer.StartAsync(_keys);
    }

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
        await _keys.DisposeAsync();
    }

    private Task<SiloFactory> ApiAsync(string publicAddress = "") => Task.FromResult(WorldSilo.Start(new Dictionary<string, string?>
        {
            ["Dashboard:PublicAddress"] = publicAddress,
            ["Auth:Mode"] = "Oidc",
            ["Auth:Authority"] = _provider.Address.ToString().TrimEnd('/'),
            ["Auth:RequireHttpsMetadata"] = "false", // a loopback stand-in; production refuses http
            ["Auth:Audience"] = "api://nextgencrm",
            ["Dashboard:OidcClientId"] = ClientId,
            ["Dashboard:OidcScope"] = "openid staff",
        }));

    [Fact]
    public async Task A_manager_signs_in_at_the_provider_and_the_page_gets_a_session_for_their_branch_and_nothing_else()
    {
        await using var api = await ApiAsync();
        using var page = api.Client();
        var branch = World.NewBranch("oidc-page");
        _provider.NextUser = new Dictionary<string, object> { ["sub"] = "manager-7", ["roles"] = new[] { "staff" }, ["branches"] = new[] { branch } };

        var options = await page.GetFromJsonAsync<JsonObject>("/sign-in/options", Ct);
        Assert.True((bool)options!["providerSignIn"]!);

        using var start = await page.GetAsync("/sign-in/oidc", Ct);
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        var authorize = start.Headers.Location!;
        Assert.StartsWith(_provider.Address.ToString(), authorize.ToString(), StringComparison.Ordinal);
        var asked = QueryHelpers.ParseQuery(authorize.Query);
        Assert.Equal(ClientId, asked["client_id"]);
        Assert.Equal("S256", asked["code_challenge_method"]);
        Assert.Equal("openid staff", asked["scope"]);
        var flowCookie = start.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ngcrm-oidc=", StringComparison.Ordinal));
        Assert.Contains("httponly", flowCookie, StringComparison.OrdinalIgnoreCase);

        // The browser goes to the provider, which signs the user in and sends the browser back with a code.
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var signedIn = await browser.GetAsync(authorize, Ct);
        var back = signedIn.Headers.Location!;
        Assert.Equal("/sign-in/callback", back.AbsolutePath);

        using var callback = new HttpRequestMessage(HttpMethod.Get, back.PathAndQuery);
        callback.Headers.Add("Cookie", flowCookie.Split(';')[0]);
        using var done = await page.SendAsync(callback, Ct);
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.Equal("/#/", done.Headers.Location!.ToString());
        var session = done.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ngcrm-session=", StringComparison.Ordinal)).Split(';')[0];
        Assert.Equal(1, _provider.CodesRedeemed);

        using var who = new HttpRequestMessage(HttpMethod.Get, "/api/v1/session");
        who.Headers.Add("Cookie", session);
        var me = await (await page.SendAsync(who, Ct)).Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal("manager-7", (string?)me!["subject"]);
        Assert.Equal([branch], me["branches"]!.AsArray().Select(b => (string?)b));
        using var other = new HttpRequestMessage(HttpMethod.Get, "/api/v1/branches/not-theirs/occupancy");
        other.Headers.Add("Cookie", session);
        Assert.Equal(HttpStatusCode.Forbidden, (await page.SendAsync(other, Ct)).StatusCode);

        // The same code again (a replayed callback) opens nothing: the flow cookie is gone and the provider refuses it.
        using var replay = new HttpRequestMessage(HttpMethod.Get, back.PathAndQuery);
        using var replayed = await page.SendAsync(replay, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, replayed.StatusCode);
        Assert.DoesNotContain(replayed.Headers.TryGetValues("Set-Cookie", out var set) ? set : [], c => c.StartsWith("ngcrm-session=", StringComparison.Ordinal) && !c.StartsWith("ngcrm-session=;", StringComparison.Ordinal));
    }

    /// <summary>The browser's round trip: start, the provider signs the user in, the callback with this browser's flow cookie.</summary>
    private static async Task<(HttpResponseMessage Start, HttpResponseMessage Done)> SignInAsync(HttpClient page)
    {
        var start = await page.GetAsync("/sign-in/oidc", Ct);
        var flowCookie = start.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ngcrm-oidc=", StringComparison.Ordinal));
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var signedIn = await browser.GetAsync(start.Headers.Location!, Ct);
        using var callback = new HttpRequestMessage(HttpMethod.Get, signedIn.Headers.Location!.PathAndQuery);
        callback.Headers.Add("Cookie", flowCookie.Split(';')[0]);
        return (start, await page.SendAsync(callback, Ct));
    }

    [Fact]
    public async Task Someone_the_provider_knows_but_without_the_staff_role_gets_no_session()
    {
        await using var api = await ApiAsync();
        using var page = api.Client();
        _provider.NextUser = new Dictionary<string, object> { ["sub"] = "contractor-3", ["roles"] = new[] { "visitor-badge" }, ["branches"] = new[] { "main-st" } };

        var (start, done) = await SignInAsync(page);
        using (start)
        using (done)
        {
            Assert.Equal(HttpStatusCode.Forbidden, done.StatusCode);
            Assert.Equal(1, _provider.CodesRedeemed);
            Assert.DoesNotContain(done.Headers.TryGetValues("Set-Cookie", out var set) ? set : [],
                c => c.StartsWith("ngcrm-session=", StringComparison.Ordinal) && !c.StartsWith("ngcrm-session=;", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Behind_a_proxy_that_ends_tls_the_redirect_uri_is_the_public_address_and_the_cookies_are_secure()
    {
        await using var api = await ApiAsync(publicAddress: "https://crm.bank.example");
        using var page = api.Client(); // the silo itself is reached over plain http, as behind a load balancer
        _provider.NextUser = new Dictionary<string, object> { ["sub"] = "manager-9", ["roles"] = new[] { "staff" }, ["branches"] = new[] { "main-st" } };

        var (start, done) = await SignInAsync(page);
        using (start)
        using (done)
        {
            var asked = QueryHelpers.ParseQuery(start.Headers.Location!.Query);
            Assert.Equal("https://crm.bank.example/sign-in/callback", asked["redirect_uri"]);
            Assert.Contains("secure", start.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ngcrm-oidc=", StringComparison.Ordinal)), StringComparison.OrdinalIgnoreCase);
            Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
            var session = done.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ngcrm-session=", StringComparison.Ordinal));
            Assert.Contains("secure", session, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task A_callback_whose_state_was_not_issued_to_this_browser_is_refused_and_the_code_is_not_redeemed()
    {
        await using var api = await ApiAsync();
        using var page = api.Client();
        _provider.NextUser = new Dictionary<string, object> { ["sub"] = "victim", ["roles"] = new[] { "staff" }, ["branches"] = new[] { "main-st" } };
        using var start = await page.GetAsync("/sign-in/oidc", Ct);
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var signedIn = await browser.GetAsync(start.Headers.Location!, Ct);

        // An attacker's browser (its own flow cookie) is handed the victim's callback link.
        using var attackerStart = await page.GetAsync("/sign-in/oidc", Ct);
        var attackerCookie = attackerStart.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ngcrm-oidc=", StringComparison.Ordinal)).Split(';')[0];
        using var callback = new HttpRequestMessage(HttpMethod.Get, signedIn.Headers.Location!.PathAndQuery);
        callback.Headers.Add("Cookie", attackerCookie);
        using var refused = await page.SendAsync(callback, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(0, _provider.CodesRedeemed);
    }

    [Fact]
    public async Task In_development_mode_the_provider_sign_in_is_not_offered()
    {
        using var page = fixture.Anonymous();
        var options = await page.GetFromJsonAsync<JsonObject>("/sign-in/options", Ct);
        Assert.Equal("development", (string?)options!["mode"]);
        Assert.False((bool)options["providerSignIn"]!);
        Assert.Equal(HttpStatusCode.NotFound, (await page.GetAsync("/sign-in/oidc", Ct)).StatusCode);
    }

    /// <summary>
    /// A provider's authorization and token endpoints on loopback, signing with <see cref="FakeIdentityProvider"/>'s keys
    /// (its discovery names that provider's issuer and key set): the user is signed in at once as <see cref="NextUser"/>.
    /// </summary>
    private sealed class AuthorizationServer : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, (string Challenge, string RedirectUri, Dictionary<string, object> User)> _codes = new();
        private WebApplication _app = null!;
        private int _redeemed;

        public Uri Address { get; private set; } = null!;
        public Dictionary<string, object> NextUser { get; set; } = [];
        public int CodesRedeemed => Volatile.Read(ref _redeemed);

        public static async Task<AuthorizationServer> StartAsync(FakeIdentityProvider keys)
        {
            var server = new AuthorizationServer();
            (server._app, server.Address) = await StartLoopbackAsync(app =>
            {
                app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
                {
                    ["issuer"] = keys.Issuer,
                    ["jwks_uri"] = new Uri(keys.BaseAddress, ".well-known/jwks.json").ToString(),
                    ["authorization_endpoint"] = new Uri(server.Address, "authorize").ToString(),
                    ["token_endpoint"] = new Uri(server.Address, "token").ToString(),
                    ["response_types_supported"] = new[] { "code" },
                    ["code_challenge_methods_supported"] = new[] { "S256" },
                    ["subject_types_supported"] = new[] { "public" },
                    ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                }));
                app.MapGet("/authorize", (HttpRequest request) =>
                {
                    var q = request.Query;
                    if (q["client_id"] != ClientId || q["response_type"] != "code" || q["code_challenge_method"] != "S256")
                    {
                        return Results.BadRequest();
                    }
                    var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24));
                    server._codes[code] = (q["code_challenge"].ToString(), q["redirect_uri"].ToString(), server.NextUser);
                    return Results.Redirect(QueryHelpers.AddQueryString(q["redirect_uri"].ToString(), new Dictionary<string, string?> { ["code"] = code, ["state"] = q["state"] }));
                });
                app.MapPost("/token", async (HttpRequest request) =>
                {
                    var form = await request.ReadFormAsync();
                    if (form["grant_type"] != "authorization_code" || form["client_id"] != ClientId
                        || !server._codes.TryRemove(form["code"].ToString(), out var issued)
                        || issued.RedirectUri != form["redirect_uri"]
                        || Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString()))) != issued.Challenge)
                    {
                        return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
                    }
                    Interlocked.Increment(ref server._redeemed);
                    var token = keys.Issue("api://nextgencrm", issued.User, TimeSpan.FromMinutes(30));
                    return Results.Json(new { access_token = token, token_type = "Bearer", expires_in = 1800 });
                });
            });
            return server;
        }

        private static async Task<(WebApplication App, Uri Address)> StartLoopbackAsync(Action<WebApplication> map)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            map(app);
            await app.StartAsync(Ct);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            return (app, new Uri(address + "/"));
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
