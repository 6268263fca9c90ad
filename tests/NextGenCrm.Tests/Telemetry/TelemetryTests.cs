using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NextGenCrm.Silo.Security;
using NextGenCrm.TestSupport;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Telemetry;

/// <summary>The real silo with Appian's loopback fake: what an operator scrapes, traces and opens.</summary>
[Collection(TelemetryCollection.Name)]
public sealed partial class TelemetryTests : SiloWithAppianTests
{
    private const string Branch = "telemetry-st";

    /// <summary>A sighting's spans from the Appian call up to the HTTP request (source: name), in that order.</summary>
    internal static readonly string[] SightingToAppian =
    [
        "NextGenCrm: appian CreateTask",
        "Microsoft.Orleans.Application: IVisitCourierGrain/Deliver",
        "Microsoft.Orleans.Application: IVisitorGrain/RecordSighting",
        "Microsoft.Orleans.Application: ICameraGrain/RecordSighting",
        "Microsoft.AspNetCore: POST /api/v1/sightings/",
    ];

    [Fact]
    public async Task Sightings_through_the_api_move_our_counters_on_the_scrape_endpoint_with_no_personal_data_in_labels()
    {
        var ct = TestContext.Current.CancellationToken;
        var edgeToken = TestTokens.For(Roles.Edge, Branch);
        using var edge = Silo.Client(edgeToken);
        var face = $"face-telemetry-{Guid.NewGuid():N}";
        var answers = new List<JsonObject>();
        for (var i = 0; i < 3; i++)
        {
            // One person on one track: the first opens a visit, the repeats are the camera's to answer.
            using var response = await edge.PostAsJsonAsync("api/v1/sightings", Sighting("lobby", "t1", face), ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            answers.Add((await response.Content.ReadFromJsonAsync<JsonObject>(ct))!);
        }
        var visitorId = (string)answers[0]["visitorId"]!;
        var visitId = (string)answers[0]["visitId"]!;

        using var anonymous = Silo.Client();
        var scrape = await ScrapeUntilAsync(anonymous, text => Value(text, "nextgencrm_deliveries_total", ("effect", "task"), ("outcome", "delivered")) >= 1, ct);

        Assert.True(Value(scrape, "nextgencrm_sightings_total", ("outcome", "new-visit")) >= 1, scrape);
        Assert.True(Value(scrape, "nextgencrm_sightings_total") >= 3, scrape);
        Assert.True(Value(scrape, "nextgencrm_sightings_absorbed_total") >= 1, scrape);
        Assert.True(Value(scrape, "nextgencrm_face_searches_total", ("outcome", "no-match")) >= 1, scrape);
        Assert.True(Value(scrape, "nextgencrm_face_search_duration_seconds_count") >= 1, scrape);
        Assert.True(Value(scrape, "nextgencrm_visits_opened_total") >= 1, scrape);
        Assert.Equal(1, Value(scrape, "nextgencrm_silo_count"));
        Assert.Contains("nextgencrm_outbox_backlog", scrape, StringComparison.Ordinal);
        Assert.Contains("nextgencrm_outbox_oldest_age_seconds", scrape, StringComparison.Ordinal);
        Assert.Contains("orleans_", scrape, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration_seconds", scrape, StringComparison.Ordinal);
        foreach (var personal in new[] { visitorId, visitId, face, edgeToken, Branch, "t1", (string)answers[0]["sightingId"]! })
        {
            Assert.DoesNotContain(personal, scrape, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_sighting_is_traced_from_http_through_the_grains_to_the_appian_call()
    {
        var ct = TestContext.Current.CancellationToken;
        using var edge = Silo.Client(TestTokens.For(Roles.Edge, Branch));
        using var response = await edge.PostAsJsonAsync("api/v1/sightings", Sighting("door", "t9", $"face-trace-{Guid.NewGuid():N}"), ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var visitId = (string)(await response.Content.ReadFromJsonAsync<JsonObject>(ct))!["visitId"]!;

        Activity? appian = null;
        var deadline = Stopwatch.StartNew();
        while (appian is null && deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            appian = Silo.Spans.FirstOrDefault(s => s.DisplayName == "appian CreateTask" && (string?)s.GetTagItem("nextgencrm.visit_id") == visitId);
            await Task.Delay(100, ct);
        }
        Assert.NotNull(appian);
        var trace = Silo.Spans.Where(s => s.TraceId == appian.TraceId).ToList();
        var names = string.Join("\n", trace.Select(s => $"{s.Source.Name} {s.Kind} {s.DisplayName} {s.SpanId} <- {s.ParentSpanId}"));
        // From the Appian call up through its parents: the courier, the visitor, the camera, the HTTP request.
        var byId = trace.ToDictionary(s => s.SpanId);
        var chain = new List<string>();
        for (var at = appian; at is not null; at = byId.GetValueOrDefault(at.ParentSpanId))
        {
            chain.Add($"{at.Source.Name}: {at.DisplayName}");
        }
        var path = string.Join(" <- ", chain);
        var expected = SightingToAppian;
        var found = 0;
        foreach (var step in chain)
        {
            if (found < expected.Length && step == expected[found])
            {
                found++;
            }
        }
        Assert.True(found == expected.Length, $"{names}\n\npath: {path}");
        // The POST to Appian is the HttpClient's span under ours, in the same trace.
        Assert.Contains(trace, s => s.Kind == ActivityKind.Client && s.ParentSpanId == appian.SpanId && s.Source.Name == "System.Net.Http");
        Assert.Equal(1, Appian.AcceptedFor(visitId));
    }

    [Fact]
    public async Task The_orleans_dashboard_refuses_everyone_but_an_admin_and_opens_for_a_signed_in_admin()
    {
        var ct = TestContext.Current.CancellationToken;
        using (var anonymous = Silo.Client())
        using (var nobody = await anonymous.GetAsync("orleans/", ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, nobody.StatusCode);
        }
        using (var staff = Silo.Client(TestTokens.For(Roles.Staff, Roles.AnyBranch)))
        using (var refused = await staff.GetAsync("orleans/ClusterStats", ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        using (var admin = Silo.Client(TestTokens.Admin()))
        using (var page = await admin.GetAsync("orleans/", ct))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        }

        // In a browser: the staff page's sign-in turns an admin's token into a session cookie that /orleans honours too.
        Assert.Equal(HttpStatusCode.OK, await SignedInAsync(TestTokens.Admin(), "orleans/ClusterStats", ct));
        Assert.Equal(HttpStatusCode.OK, await SignedInAsync(TestTokens.Admin(), "orleans/", ct));
        // A staff member's session reaches the staff page's API, and not the Orleans dashboard.
        Assert.Equal(HttpStatusCode.Unauthorized, await SignedInAsync(TestTokens.For(Roles.Staff, Roles.AnyBranch), "orleans/", ct));
    }

    private async Task<HttpStatusCode> SignedInAsync(string token, string path, CancellationToken ct)
    {
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = Silo.BaseUrl };
        using (var signIn = new HttpRequestMessage(HttpMethod.Post, "api/v1/session"))
        {
            signIn.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            using var session = await browser.SendAsync(signIn, ct);
            Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        }
        using var response = await browser.GetAsync(path, ct);
        return response.StatusCode;
    }

    private static JsonObject Sighting(string camera, string track, string face) => new()
    {
        ["branchId"] = Branch,
        ["cameraId"] = camera,
        ["trackId"] = track,
        ["capturedAt"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        ["faceToken"] = face,
    };

    private static async Task<string> ScrapeUntilAsync(HttpClient http, Func<string, bool> done, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var text = await http.GetStringAsync("metrics", ct);
            if (done(text) || deadline.Elapsed > TimeSpan.FromSeconds(20))
            {
                return text;
            }
            await Task.Delay(250, ct);
        }
    }

    /// <summary>The sum of a series' samples whose labels include <paramref name="labels"/>; 0 when none.</summary>
    internal static double Value(string scrape, string name, params (string Key, string Value)[] labels) =>
        scrape.Split('\n')
            .Select(line => SampleLine().Match(line))
            .Where(m => m.Success && m.Groups["name"].Value == name
                && labels.All(l => m.Groups["labels"].Value.Contains($"{l.Key}=\"{l.Value}\"", StringComparison.Ordinal)))
            .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>[^ ]+)")]
    private static partial Regex SampleLine();
}
