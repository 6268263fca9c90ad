using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using NextGenCrm.Silo.Security;
using NextGenCrm.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace NextGenCrm.Tests.Dashboard;

/// <summary>
/// The staff page in a real browser: a branch manager signs in with the link the silo prints, watches their branch
/// while an edge agent posts sightings, and sees people arrive and leave without reloading; a manager of another
/// branch does not see them.
/// </summary>
public sealed class DashboardBrowserTests(DashboardSite site, BrowserSession browser) : IClassFixture<DashboardSite>, IClassFixture<BrowserSession>
{
    /// <summary>The bar: a person shows on the page within 2 s of the sighting.</summary>
    private static readonly TimeSpan AppearsWithin = TimeSpan.FromSeconds(2);

    private static readonly BrowserNewContextOptions Tablet = new() { ViewportSize = new() { Width = 1024, Height = 768 }, HasTouch = true };
    private static readonly BrowserNewContextOptions Phone = new() { ViewportSize = new() { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true };

    private async Task<IPage> SignInAsync(string branch, BrowserNewContextOptions device)
    {
        var context = await browser.Browser.NewContextAsync(device);
        var page = await context.NewPageAsync();
        var link = Silo.Dashboard.DashboardSession.SignInLink(site.Address.ToString(), TestTokens.For(Roles.Staff, branch));
        await page.GotoAsync(link);
        await Expect(page.Locator("#who")).ToContainTextAsync(branch);
        // The token left the address bar at once, and script on the page cannot read the session cookie.
        Assert.DoesNotContain("token", page.Url, StringComparison.Ordinal);
        Assert.Equal("", await page.EvaluateAsync<string>("() => document.cookie"));
        return page;
    }

    private async Task<string> PostSightingAsync(HttpClient edge, string branch, string camera, string face)
    {
        var body = new JsonObject
        {
            ["branchId"] = branch,
            ["cameraId"] = camera,
            ["trackId"] = $"t-{Guid.NewGuid():N}"[..16],
            ["capturedAt"] = DateTimeOffset.UtcNow.ToString("O"),
            ["faceToken"] = face,
        };
        using var response = await edge.PostAsJsonAsync("/api/v1/sightings", body, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        var result = await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken);
        return (string)result!["visitorId"]!;
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(BrowserSession.ScreenshotFolder, $"{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        TestContext.Current.AddAttachment(name, await File.ReadAllBytesAsync(path), "image/png");
    }

    [Fact]
    public async Task A_manager_sees_a_visitor_appear_within_2_s_and_leave_after_the_inactivity_timeout_and_another_branchs_manager_never_sees_them()
    {
        var branch = World.NewBranch("browser");
        var elsewhere = World.NewBranch("browser-other");
        using var edge = site.ClientAs(Roles.Edge, branch);
        var heartbeat = new { sentAt = DateTimeOffset.UtcNow, framesPerSecond = 6.0, facesSeen = 0, sightingsSent = 0, bufferDepth = 0, bufferDropped = 0, status = "ok", agentVersion = "test" };
        (await edge.PostAsJsonAsync($"/api/v1/branches/{branch}/cameras/lobby/heartbeat", heartbeat, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        var manager = await SignInAsync(branch, Tablet);
        await manager.GotoAsync($"{site.Address}#/branch/{branch}");
        await Expect(manager.Locator("#live")).ToHaveTextAsync("live");
        await Expect(manager.Locator("[data-camera-id=lobby] .badge")).ToHaveTextAsync("online");

        var other = await SignInAsync(elsewhere, Phone);
        await Expect(other.Locator("h1")).ToHaveTextAsync("Branches");

        var visitor = await PostSightingAsync(edge, branch, "lobby", $"browser-face-{Guid.NewGuid():N}");
        var row = manager.Locator($"tr[data-visitor-id='{visitor}']");
        await Expect(row).ToBeVisibleAsync(new() { Timeout = (float)AppearsWithin.TotalMilliseconds });
        await Expect(row.Locator(".visitor-label")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^New visitor [A-Z2-9]{4}$"));
        await Expect(row).ToContainTextAsync("lobby");
        await Expect(manager.Locator("h1")).ToContainTextAsync("1 inside");
        await ScreenshotAsync(manager, "branch-with-visitor-tablet");

        // The other branch's manager: not in their list of branches, and refused the branch's own page.
        await Expect(other.Locator("#branches")).Not.ToContainTextAsync(branch);
        await other.GotoAsync($"{site.Address}#/branch/{branch}");
        await Expect(other.Locator("#notice")).ToBeVisibleAsync();
        Assert.Equal(0, await other.Locator($"[data-visitor-id='{visitor}']").CountAsync());
        await ScreenshotAsync(other, "other-branch-manager-refused-phone");

        // The overview counts them, with the day's sparkline.
        var overview = await manager.Context.NewPageAsync();
        await overview.GotoAsync($"{site.Address}#/");
        var card = overview.Locator($"[data-branch='{branch}']");
        await Expect(card.Locator(".count")).ToHaveTextAsync("1");
        await Expect(card.Locator("svg.spark polyline")).ToHaveCountAsync(1);
        await ScreenshotAsync(overview, "all-branches-tablet");

        // Nobody sees them again: the visit closes after the inactivity timeout and both pages follow by themselves.
        await Expect(row).ToHaveCountAsync(0, new() { Timeout = (float)(DashboardSite.InactivityTimeout + TimeSpan.FromSeconds(10)).TotalMilliseconds });
        await Expect(manager.Locator("h1")).ToContainTextAsync("0 inside");
        await Expect(card.Locator(".count")).ToHaveTextAsync("0", new() { Timeout = 10_000 });
        await ScreenshotAsync(manager, "branch-after-visitor-left-tablet");
    }

    [Fact]
    public async Task Without_a_session_the_page_asks_to_sign_in_and_a_pasted_token_of_another_role_is_refused()
    {
        var context = await browser.Browser.NewContextAsync(Phone);
        var page = await context.NewPageAsync();
        await page.GotoAsync(site.Address.ToString());
        await Expect(page.Locator("h1")).ToHaveTextAsync("Sign in");
        await page.Locator("#token").FillAsync(TestTokens.For(Roles.Edge, "main-st"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator(".error")).ToContainTextAsync("not a staff token");
        await ScreenshotAsync(page, "sign-in-phone");
    }
}
