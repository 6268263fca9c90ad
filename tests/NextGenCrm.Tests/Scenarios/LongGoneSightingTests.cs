using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Scenarios;

/// <summary>An edge buffer draining after hours offline: sightings of people who left long ago (the test cluster's timeout is 15 minutes).</summary>
[Collection(ClusterCollection.Name)]
public sealed class LongGoneSightingTests(ClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_stay_sighted_hours_ago_is_recorded_in_history_with_no_task_no_sms_and_no_one_in_the_branch()
    {
        var branch = World.NewBranch("drained");
        var stranger = $"gone-{Guid.NewGuid():N}";
        var now = World.Clock.GetUtcNow();
        var results = new List<SightingResult>();
        // Forty minutes in view three hours ago, one sighting every 5 s: most are answered from the camera's memory.
        for (var second = 0; second < 40 * 60; second += 5)
        {
            results.Add(await _grains.RecordAsync(Sightings.Of(stranger, branch, "entrance", "t1", now.AddHours(-3).AddSeconds(second))));
        }

        var visitorId = results[0].VisitorId!;
        Assert.All(results, r => Assert.Equal(results[0].VisitId, r.VisitId));
        var visit = Assert.Single(await _grains.VisitsAsync(visitorId));
        Assert.NotNull(visit.ClosedAt);
        Assert.Equal(now.AddHours(-3), visit.OpenedAt);
        Assert.True(visit.LastSeenAt >= now.AddHours(-3).AddMinutes(39), $"last seen {visit.LastSeenAt}");
        var effect = Assert.Single(visit.Effects);
        Assert.Equal(VisitEffect.HistoryRecord, effect.Effect);
        await Sightings.EventuallyAsync(async () => await World.History.FindAsync(visitorId, visit.VisitId, Ct) is not null, "the history record is written");
        await Task.Delay(200, Ct); // room for a wrong task or SMS to show up
        Assert.Empty(World.TasksAt(branch));
        Assert.Empty(World.AlertsAt(branch));
        Assert.Empty((await _grains.OccupancyAsync(branch)).Visitors);
    }

    [Fact]
    public async Task A_drained_buffer_that_reaches_the_last_minutes_gives_the_person_still_inside_one_task_and_one_sms()
    {
        var branch = World.NewBranch("caught-up");
        var stranger = $"back-{Guid.NewGuid():N}";
        var now = World.Clock.GetUtcNow();
        var results = new List<SightingResult>();
        // In view from 40 minutes ago until a minute ago, buffered all along and sent only now.
        for (var minute = 40; minute >= 1; minute--)
        {
            results.Add(await _grains.RecordAsync(Sightings.Of(stranger, branch, "entrance", "t1", now.AddMinutes(-minute))));
        }

        var visitorId = results[0].VisitorId!;
        var visit = Assert.Single(await _grains.VisitsAsync(visitorId));
        Assert.Null(visit.ClosedAt);
        Assert.Equal(now.AddMinutes(-40), visit.OpenedAt);
        await Sightings.EventuallyAsync(() => World.TasksAt(branch).Count == 1 && World.AlertsAt(branch).Count == 1, "the task and the SMS are delivered");
        await Task.Delay(200, Ct); // room for a second one to show up
        Assert.Equal(visit.VisitId, Assert.Single(World.TasksAt(branch)).VisitId);
        Assert.Single(World.AlertsAt(branch));
        var occupant = Assert.Single((await _grains.OccupancyAsync(branch)).Visitors);
        Assert.Equal(visit.VisitId, occupant.VisitId);
        await Sightings.EventuallyAsync(async () => (await _grains.VisitsAsync(visitorId)).Single().Effects.All(e => e.Status == DeliveryStatus.Delivered), "every effect is marked delivered");
    }

    [Fact]
    public async Task A_customer_sighted_an_hour_ago_gets_no_task()
    {
        var branch = World.NewBranch("old-customer");
        var id = $"c{Guid.NewGuid():N}"[..12];
        await World.EnrolAsync(id, "Carla Dias", $"face-{id}");

        var result = await _grains.RecordAsync(Sightings.Of($"face-{id}", branch, "entrance", "t1", World.Clock.GetUtcNow().AddHours(-1)));

        Assert.Equal($"c-{id}", result.VisitorId);
        var visit = Assert.Single(await _grains.VisitsAsync(result.VisitorId!), v => v.BranchId == branch);
        Assert.NotNull(visit.ClosedAt);
        Assert.Equal([VisitEffect.HistoryRecord], visit.Effects.Select(e => e.Effect));
        await Sightings.EventuallyAsync(async () => await World.History.FindAsync(result.VisitorId!, visit.VisitId, Ct) is not null, "the history record is written");
        await Task.Delay(200, Ct);
        Assert.Empty(World.TasksAt(branch));
        Assert.Empty((await _grains.OccupancyAsync(branch)).Visitors);
    }
}
