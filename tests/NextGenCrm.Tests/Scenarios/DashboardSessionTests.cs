using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NextGenCrm.Silo.Dashboard;
using NextGenCrm.Silo.Security;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Scenarios;

/// <summary>The staff page's session: a token exchanged for a cookie that can watch and read, and nothing more.</summary>
[Collection(ClusterCollection.Name)]
public sealed class DashboardSessionTests(ClusterFixture fixture)
{
    private static HttpRequestMessage WithCookie(HttpMethod method, string path, string cookie, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add("Cookie", cookie);
        return request;
    }

    private async Task<string> SignInAsync(string token)
    {
        using var http = fixture.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/session");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // An admin's session is also set for the Orleans dashboard's path; the staff page's is the /api/v1 one.
        var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.Contains("path=/api/v1", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/api/v1", setCookie, StringComparison.OrdinalIgnoreCase);
        return setCookie.Split(';')[0];
    }

    [Fact]
    public async Task A_session_cookie_reads_the_staff_members_own_branches_but_cannot_post_a_sighting_or_reach_another_branch()
    {
        var branch = World.NewBranch("session");
        var cookie = await SignInAsync(TestTokens.For(Roles.Staff, branch));
        using var http = fixture.Anonymous();
        var ct = TestContext.Current.CancellationToken;

        using (var who = await http.SendAsync(WithCookie(HttpMethod.Get, "/api/v1/session", cookie), ct))
        {
            var body = await who.Content.ReadFromJsonAsync<JsonObject>(ct);
            Assert.Equal([branch], body!["branches"]!.AsArray().Select(b => (string?)b));
        }
        using (var occupancy = await http.SendAsync(WithCookie(HttpMethod.Get, $"/api/v1/branches/{branch}/occupancy", cookie), ct))
        {
            Assert.Equal(HttpStatusCode.OK, occupancy.StatusCode);
        }
        using (var other = await http.SendAsync(WithCookie(HttpMethod.Get, "/api/v1/branches/someone-elses/occupancy", cookie), ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        }

        // Even an admin's session cookie only reads: writes need the token in the Authorization header.
        var admin = await SignInAsync(TestTokens.Admin());
        var sighting = JsonContent.Create(new { branchId = branch, cameraId = "lobby", trackId = "t1", capturedAt = World.Clock.GetUtcNow(), faceToken = "session-face" });
        using (var post = await http.SendAsync(WithCookie(HttpMethod.Post, "/api/v1/sightings", admin, sighting), ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);
        }
        Assert.Empty((await fixture.Grains.OccupancyAsync(branch)).Visitors);
    }

    [Fact]
    public async Task Only_a_staff_token_opens_a_session_and_signing_out_clears_the_cookie()
    {
        using var http = fixture.Anonymous();
        var ct = TestContext.Current.CancellationToken;
        using (var edge = new HttpRequestMessage(HttpMethod.Post, "/api/v1/session"))
        {
            edge.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.For(Roles.Edge, "main-st"));
            Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(edge, ct)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("/api/v1/session", null, ct)).StatusCode);

        using var signOut = await http.DeleteAsync("/api/v1/session", ct);
        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
        // Both paths the session may have been set for: the staff page's API and the Orleans dashboard.
        var cleared = signOut.Headers.GetValues("Set-Cookie").ToList();
        Assert.Equal(2, cleared.Count);
        Assert.All(cleared, c => Assert.StartsWith($"{DashboardSession.CookieName}=;", c, StringComparison.Ordinal));
        Assert.All(cleared, c => Assert.Contains("expires=Thu, 01 Jan 1970", c, StringComparison.OrdinalIgnoreCase));
        Assert.Contains(cleared, c => c.Contains("path=/api/v1", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(cleared, c => c.Contains("path=/orleans", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task The_page_is_served_to_anyone_with_a_strict_content_security_policy_and_the_data_only_with_a_session()
    {
        using var http = fixture.Anonymous();
        var ct = TestContext.Current.CancellationToken;
        using var page = await http.GetAsync("/", ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("/dashboard/app.js", await page.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/dashboard/app.js", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/dashboard/secrets.json", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/v1/branches/events", HttpCompletionOption.ResponseHeadersRead, ct)).StatusCode);
    }
}
