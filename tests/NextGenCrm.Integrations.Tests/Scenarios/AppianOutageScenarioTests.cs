using System.Diagnostics;
using System.Globalization;
using NextGenCrm.TestSupport;

namespace NextGenCrm.Integrations.Tests.Scenarios;

public sealed class AppianOutageCluster : AdapterCluster
{
    // Searches and indexes of the burst go through quickly: this scenario is about Appian, not the Rekognition quota.
    protected override double RekognitionRequestsPerSecond => 200;

    protected override IReadOnlyDictionary<string, string?> VisitSettings => new Dictionary<string, string?>
    {
        ["DeliveryRetryBase"] = "00:00:01",
        ["DeliveryRetryMax"] = "00:00:05",
    };
}

/// <summary>
/// Appian is down (503) for the first 30 s of a burst of 200 visits. The outbox keeps every task pending,
/// retries it on the visitor's timer with backoff, and after Appian recovers every visit has exactly one task.
/// </summary>
[Collection(AdapterScenarios.Name)]
public sealed class AppianOutageScenarioTests(AppianOutageCluster cluster) : IClassFixture<AppianOutageCluster>
{
    private const int Visits = 200;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_visit_of_a_burst_gets_exactly_one_task_after_Appian_recovers_from_an_outage()
    {
        var ct = TestContext.Current.CancellationToken;
        var appian = cluster.Appian;
        var clock = Stopwatch.StartNew();
        appian.BeDownFor(Outage);

        var sightings = Enumerable.Range(0, Visits).Select(i => new Sighting(
            $"burst-s{i}", $"branch-{i % 4}", $"cam-{i % 3}", $"track-{i}", DateTimeOffset.UtcNow,
            FaceToken: null, ImageRef: null, Image: FakeRekognition.FaceJpeg($"burst-{i}", variant: i)));
        var results = await Task.WhenAll(sightings.Select(s => cluster.Grains.GetGrain<ICameraGrain>(s.CameraKey).RecordSighting(s)));
        var burstTook = clock.Elapsed;

        Assert.All(results, r => Assert.Equal(SightingOutcome.NewVisit, r.Outcome));
        var visits = results.ToDictionary(r => r.VisitId!, r => r.VisitorId!);
        Assert.Equal(Visits, visits.Count);
        Assert.True(burstTook < Outage, $"the burst took {burstTook}, longer than the outage it was meant to fall into");

        // While Appian is down, the visit status shows the task pending with the last error.
        EffectStatus? pendingSeen = null;
        while (pendingSeen is null && clock.Elapsed < Outage - TimeSpan.FromSeconds(1))
        {
            foreach (var visitorId in visits.Values.Take(20))
            {
                var summaries = await cluster.Grains.GetGrain<IVisitorGrain>(visitorId).GetVisits();
                pendingSeen = summaries.SelectMany(v => v.Effects)
                    .FirstOrDefault(e => e is { Effect: VisitEffect.StaffTask, Status: DeliveryStatus.Pending, LastError: not null, Attempts: > 0 });
                if (pendingSeen is not null)
                {
                    break;
                }
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
        }
        Assert.NotNull(pendingSeen);
        Assert.Empty(appian.Tasks);

        // Nobody re-drives anything from here: the visitors' retry timers must bring every task home.
        var deadline = Outage + TimeSpan.FromSeconds(60);
        while (appian.Tasks.Count < Visits && clock.Elapsed < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }
        var allDeliveredAt = clock.Elapsed;
        var afterRecovery = allDeliveredAt - Outage;

        var lost = visits.Keys.Count(v => !appian.Tasks.ContainsKey(v));
        if (lost > 0)
        {
            await ReportStuckAsync(visits, appian, allDeliveredAt);
        }
        Assert.Equal(0, lost);
        Assert.Equal(Visits, appian.Tasks.Count);
        Assert.All(visits.Keys, v => Assert.Equal(1, appian.AcceptedFor(v)));
        Assert.All(appian.Tasks.Values, t => Assert.Equal("sales", t.AssignTo));
        // Every first attempt fell into the outage, so every task arrived through a retry.
        Assert.All(visits.Keys, v => Assert.True(appian.RequestsFor(v) >= 2, $"visit {v} reached Appian only {appian.RequestsFor(v)} time(s)"));

        // The outbox hears of each delivery: the status endpoint's data turns to delivered.
        var reported = 0;
        while (clock.Elapsed < deadline + TimeSpan.FromSeconds(10))
        {
            reported = 0;
            foreach (var (visitId, visitorId) in visits)
            {
                var summary = (await cluster.Grains.GetGrain<IVisitorGrain>(visitorId).GetVisits()).Single(v => v.VisitId == visitId);
                if (summary.Effects.All(e => e.Status == DeliveryStatus.Delivered))
                {
                    reported++;
                }
            }
            if (reported == Visits)
            {
                break;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
        }
        Assert.Equal(Visits, reported);
        Assert.Equal(Visits, cluster.History.Count);
        Assert.Equal(Visits, cluster.Alerts.Published.Count);

        var calls = visits.Keys.Select(appian.RequestsFor).ToArray();
        TestContext.Current.TestOutputHelper!.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Appian outage: {Visits} visits opened in {burstTook.TotalSeconds:0.0} s; Appian down for {Outage.TotalSeconds:0} s; " +
            $"tasks per visit {visits.Keys.Min(appian.AcceptedFor)}..{visits.Keys.Max(appian.AcceptedFor)} (Appian holds {appian.Tasks.Count}); " +
            $"calls per visit min {calls.Min()} avg {calls.Average():0.00} max {calls.Max()} (total {appian.Requests}); lost {lost}; " +
            $"all {Visits} delivered {afterRecovery.TotalSeconds:0.0} s after recovery; " +
            $"pending status seen during the outage: attempts {pendingSeen.Attempts}, error \"{pendingSeen.LastError}\"; " +
            $"alerts {cluster.Alerts.Calls} calls for {cluster.Alerts.Published.Count} visits, history {cluster.History.Count}"));
    }

    /// <summary>What the outbox of the first undelivered visits says, so a failure explains itself.</summary>
    private async Task ReportStuckAsync(Dictionary<string, string> visits, FakeAppian appian, TimeSpan at)
    {
        foreach (var (visitId, visitorId) in visits.Where(v => !appian.Tasks.ContainsKey(v.Key)).Take(5))
        {
            var summary = (await cluster.Grains.GetGrain<IVisitorGrain>(visitorId).GetVisits()).Single(v => v.VisitId == visitId);
            var task = summary.Effects.Single(e => e.Effect == VisitEffect.StaffTask);
            TestContext.Current.TestOutputHelper!.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Undelivered at {at.TotalSeconds:0.0} s: visit {visitId}: task {task.Status}, attempts {task.Attempts}, Appian calls {appian.RequestsFor(visitId)}, last error \"{task.LastError}\""));
        }
    }
}
