using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NextGenCrm.TestSupport;

namespace NextGenCrm.LocalStore.Tests;

/// <summary>
/// The embedded silo killed with SIGKILL and started again on the same data folder: what it knew is still known
/// and what it owed is still delivered.
/// </summary>
public sealed class RestartTests : IDisposable
{
    private readonly TempFolder _dataDir = new();

    /// <summary>The development signing key the silo makes in its data folder on first start.</summary>
    private string KeyFile => Path.Combine(_dataDir.Path, "signing-key.json");

    [Fact]
    public async Task After_a_kill_9_the_enrolments_and_open_visits_are_there_and_the_owed_tasks_go_out()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var appian = await FakeAppian.StartAsync(cancellationToken: cancel);
        appian.BeDownFor(TimeSpan.FromHours(1)); // every task is owed when the silo dies
        string[] args =
        [
            "--data-dir", _dataDir.Path,
            $"--Appian:BaseUrl={appian.BaseUrl}", $"--Appian:ApiKey={appian.ApiKey}", "--Appian:MaxRetryAttempts=0",
            "--Visits:InactivityTimeout=00:02:00", "--Visits:DeliveryRetryBase=00:00:01", "--Visits:DeliveryRetryMax=00:00:05",
            "--Visits:DeliveryReportTimeout=00:00:05",
        ];

        string customerVisit, strangerVisit, strangerId;
        using (var first = await SiloProcess.StartAsync(args, KeyFile, TimeSpan.FromSeconds(60), cancel))
        using (var http = new HttpClient { BaseAddress = first.BaseUrl })
        {
            http.DefaultRequestHeaders.Authorization = new("Bearer", await first.IssueTokenAsync("admin"));
            var consent = new { givenAt = DateTimeOffset.UtcNow.AddMinutes(-1), method = "written" };
            var enrolled = await http.PostAsJsonAsync("api/v1/customers/c42/faces", new { name = "Ann Example", faceToken = "face-of-ann", consent }, cancel);
            Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
            var ann = await SightAsync(http, "entrance", "t-ann", "face-of-ann", cancel);
            var stranger = await SightAsync(http, "lobby", "t-stranger", "face-of-a-stranger", cancel);
            Assert.Equal(("c-c42", "new-visit"), (ann.GetProperty("visitorId").GetString(), ann.GetProperty("outcome").GetString()));
            Assert.Equal("new-visit", stranger.GetProperty("outcome").GetString());
            customerVisit = ann.GetProperty("visitId").GetString()!;
            strangerVisit = stranger.GetProperty("visitId").GetString()!;
            strangerId = stranger.GetProperty("visitorId").GetString()!;
            await WaitUntilAsync(() => appian.RequestsFor(customerVisit) > 0 && appian.RequestsFor(strangerVisit) > 0, cancel);
            Assert.Empty(appian.Tasks);
            // The branch writes its occupancy behind, at most once a second: the crash comes after that write.
            // (A crash before it leaves the owed task to the visitor's next sighting: the branch, which wakes
            // visitors after a crash, would not know of the visit.)
            await Task.Delay(TimeSpan.FromSeconds(3), cancel);

            first.Kill();
        }

        appian.BeDownFor(TimeSpan.Zero);
        using var second = await SiloProcess.StartAsync(args, KeyFile, TimeSpan.FromSeconds(60), cancel);
        using var client = new HttpClient { BaseAddress = second.BaseUrl };
        // The key file is in the data folder too: a token made before the crash is still good after it.
        client.DefaultRequestHeaders.Authorization = new("Bearer", await second.IssueTokenAsync("admin"));

        // Owed deliveries go out by themselves: the branch's durable reminder (every InactivityTimeout/2, at least a
        // minute) wakes its visitors whose task is overdue; nothing here asks them.
        var clock = Stopwatch.StartNew();
        await WaitUntilAsync(() => appian.Tasks.Count == 2, cancel, TimeSpan.FromSeconds(100),
            () => $"tasks {appian.Tasks.Count}, requests {appian.Requests}; silo:\n{string.Join('\n', second.Lines.TakeLast(30))}");
        Assert.Equal(new[] { customerVisit, strangerVisit }.Order(), appian.Tasks.Values.Select(t => t.VisitId).Order());
        Assert.Equal("Ann Example", appian.Tasks.Values.Single(t => t.VisitId == customerVisit).CustomerName);

        // The open visits are there, the same ones, in the occupancy and on each visitor.
        var occupancy = await client.GetFromJsonAsync<JsonElement>("api/v1/branches/main-st/occupancy", cancel);
        Assert.Equal(new[] { customerVisit, strangerVisit }.Order(), occupancy.GetProperty("visitors").EnumerateArray()
            .Select(v => v.GetProperty("visitId").GetString()!).Order());
        var visits = await client.GetFromJsonAsync<JsonElement>($"api/v1/visitors/{strangerId}/visits", cancel);
        var open = Assert.Single(visits.EnumerateArray());
        Assert.Equal(strangerVisit, open.GetProperty("visitId").GetString());
        Assert.False(open.TryGetProperty("closedAt", out var closedAt) && closedAt.ValueKind != JsonValueKind.Null);

        // The enrolment is there: the customer's face is still the customer, at another branch, by name.
        var later = await SightAsync(client, "entrance", "t-ann-2", "face-of-ann", cancel, branch: "harbour");
        Assert.Equal("c-c42", later.GetProperty("visitorId").GetString());
        // And the stranger is still the same stranger, on the same visit.
        var strangerAgain = await SightAsync(client, "tellers", "t-stranger-2", "face-of-a-stranger", cancel);
        Assert.Equal((strangerId, strangerVisit), (strangerAgain.GetProperty("visitorId").GetString(), strangerAgain.GetProperty("visitId").GetString()));
        TestContext.Current.SendDiagnosticMessage($"owed tasks delivered {clock.Elapsed.TotalSeconds:N0} s after the restart was ready");
    }

    private static async Task<JsonElement> SightAsync(HttpClient http, string camera, string track, string face, CancellationToken cancel, string branch = "main-st")
    {
        var response = await http.PostAsJsonAsync("api/v1/sightings",
            new { branchId = branch, cameraId = camera, trackId = track, capturedAt = DateTimeOffset.UtcNow, faceToken = face }, cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(cancel);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken cancel, TimeSpan? timeout = null, Func<string>? why = null)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > (timeout ?? TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException($"the condition did not hold in time. {why?.Invoke()}");
            }
            await Task.Delay(250, cancel);
        }
    }

    public void Dispose() => _dataDir.Dispose();
}
