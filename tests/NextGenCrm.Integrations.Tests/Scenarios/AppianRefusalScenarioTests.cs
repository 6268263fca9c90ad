using Microsoft.Extensions.DependencyInjection;
using NextGenCrm.TestSupport;
using Orleans.TestingHost;

namespace NextGenCrm.Integrations.Tests.Scenarios;

public sealed class AppianRefusalCluster : AdapterCluster
{
    protected override double RekognitionRequestsPerSecond => 200;

    protected override IReadOnlyDictionary<string, string?> VisitSettings => new Dictionary<string, string?>
    {
        ["DeliveryRetryBase"] = "00:00:00.200",
        ["DeliveryRetryMax"] = "00:00:01",
    };

    /// <summary>Deliveries refused for a reason not the visit's, counted by the silos' metrics.</summary>
    public long DeliveriesBlocked => Cluster.Silos.OfType<InProcessSiloHandle>()
        .Sum(s => s.SiloHost.Services.GetRequiredService<VisitMetrics>().DeliveriesBlocked);
}

/// <summary>Appian refuses tasks for reasons that are not the visits' (a revoked key, missing rights): the real adapter against the fake Appian.</summary>
[Collection(AdapterScenarios.Name)]
public sealed class AppianRefusalScenarioTests(AppianRefusalCluster cluster) : IClassFixture<AppianRefusalCluster>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    public async Task A_task_refused_for_our_key_stays_pending_is_reported_and_goes_out_once_the_key_is_mended(int refusal)
    {
        var appian = cluster.Appian;
        var blockedBefore = cluster.DeliveriesBlocked;
        appian.RefuseWith = refusal;
        try
        {
            var seen = await SightStrangerAsync($"refused-{refusal}");

            // Retried with backoff, not failed for good, and the reason is there to see.
            var task = await EventuallyAsync(seen, e => e.Attempts >= 3, "the task is tried three times");
            Assert.Equal(DeliveryStatus.Pending, task.Status);
            Assert.Equal($"appian refused: {refusal}; retrying", task.LastError);
            Assert.True(cluster.DeliveriesBlocked - blockedBefore >= 3, $"blocked deliveries counted: {cluster.DeliveriesBlocked - blockedBefore}");
            Assert.False(appian.Tasks.ContainsKey(seen.VisitId!));

            // An operator mends the key: the outbox's next attempt delivers the task, once.
            appian.RefuseWith = null;
            await EventuallyAsync(seen, e => e.Status == DeliveryStatus.Delivered, "the task is delivered");
            Assert.Equal(1, appian.AcceptedFor(seen.VisitId!));
        }
        finally
        {
            appian.RefuseWith = null;
        }
    }

    [Fact]
    public async Task A_task_appian_refused_for_good_is_redelivered_by_an_operator_once_appian_takes_it()
    {
        var appian = cluster.Appian;
        appian.RejectAll = true;
        SightingResult seen;
        try
        {
            seen = await SightStrangerAsync("rejected");
            await EventuallyAsync(seen, e => e.Status == DeliveryStatus.Failed, "the task is marked failed");
        }
        finally
        {
            appian.RejectAll = false; // Appian's form is mended
        }
        var visitor = cluster.Grains.GetGrain<IVisitorGrain>(seen.VisitorId!);

        var redelivery = await visitor.Redeliver(seen.VisitId!);

        Assert.Equal([VisitEffect.StaffTask], redelivery!.Effects);
        await EventuallyAsync(seen, e => e.Status == DeliveryStatus.Delivered, "the task is delivered");
        Assert.Equal(1, appian.AcceptedFor(seen.VisitId!));
        Assert.Empty((await visitor.Redeliver(seen.VisitId!))!.Effects);
        Assert.Null(await visitor.Redeliver("no-such-visit"));
    }

    private async Task<SightingResult> SightStrangerAsync(string name)
    {
        var sighting = new Sighting($"{name}-s1", $"branch-{name}", "lobby", $"{name}-t1", DateTimeOffset.UtcNow,
            FaceToken: null, ImageRef: null, Image: FakeRekognition.FaceJpeg(name));
        var seen = await cluster.Grains.GetGrain<ICameraGrain>(sighting.CameraKey).RecordSighting(sighting);
        Assert.Equal(SightingOutcome.NewVisit, seen.Outcome);
        return seen;
    }

    /// <summary>Polls the visit's staff task until <paramref name="condition"/> holds; fails with <paramref name="what"/> after 20 s.</summary>
    private async Task<EffectStatus> EventuallyAsync(SightingResult seen, Func<EffectStatus, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var visit = (await cluster.Grains.GetGrain<IVisitorGrain>(seen.VisitorId!).GetVisits()).Single(v => v.VisitId == seen.VisitId);
            var task = visit.Effects.Single(e => e.Effect == VisitEffect.StaffTask);
            if (condition(task))
            {
                return task;
            }
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {what}: task {task.Status}, attempts {task.Attempts}, last error \"{task.LastError}\".");
            await Task.Delay(50, Ct);
        }
    }
}
