using NextGenCrm.Ports;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Scenarios;

[Collection(ClusterCollection.Name)]
public sealed class VisitScenarios(ClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    [Fact]
    public async Task Two_hundred_sightings_from_three_cameras_open_one_visit_with_one_task_and_one_search_per_track()
    {
        var branch = World.NewBranch("lobby");
        await World.EnrolAsync("c200", "Ana Silva", "face-c200");
        string[] cameras = ["entrance", "lobby", "tellers"];

        // The first three sightings of each track arrive together: they must share one face search.
        await Task.WhenAll(cameras.SelectMany(c => Enumerable.Range(0, 3).Select(_ => _grains.RecordAsync(Sightings.Of("face-c200", branch, c, $"track-{c}")))));
        for (var i = 0; i < 191; i++)
        {
            var camera = cameras[i % 3];
            World.Clock.Advance(TimeSpan.FromMilliseconds(500));
            await _grains.RecordAsync(Sightings.Of("face-c200", branch, camera, $"track-{camera}"));
        }

        var visits = await _grains.VisitsAsync("c-c200");
        var visit = Assert.Single(visits, v => v.BranchId == branch);
        Assert.Null(visit.ClosedAt);
        Assert.Equal(cameras.Order(), visit.Cameras.Order());
        await Sightings.EventuallyAsync(() => World.TasksAt(branch).Count == 1, "the task is delivered");
        Assert.Single(World.TasksAt(branch));
        foreach (var camera in cameras)
        {
            var status = await _grains.GetGrain<ICameraGrain>(CameraKeys.Format(branch, camera)).GetStatus();
            Assert.Equal(1, status.FaceSearches);
        }
        Assert.Single((await _grains.OccupancyAsync(branch)).Visitors);
    }

    [Fact]
    public async Task A_known_customer_gets_one_customer_service_task_with_their_name_and_no_alert()
    {
        var branch = World.NewBranch("main-st");
        await World.EnrolAsync("c301", "Bruno Costa", "face-c301");

        var result = await _grains.RecordAsync(Sightings.Of("face-c301", branch, "entrance", "t1"));

        Assert.Equal(SightingOutcome.NewVisit, result.Outcome);
        Assert.Equal("c-c301", result.VisitorId);
        await Sightings.EventuallyAsync(() => World.TasksAt(branch).Count == 1, "the task is delivered");
        var task = Assert.Single(World.TasksAt(branch));
        Assert.Equal(StaffRole.CustomerService, task.AssignTo);
        Assert.Equal("Bruno Costa", task.CustomerName);
        Assert.Equal("c301", task.CustomerId);
        Assert.Equal(result.VisitId, task.VisitId);
        Assert.Empty(World.AlertsAt(branch));
        var occupant = Assert.Single((await _grains.OccupancyAsync(branch)).Visitors);
        Assert.Equal(VisitorKind.Customer, occupant.Kind);
        Assert.Equal("Bruno Costa", occupant.CustomerName);
    }

    [Fact]
    public async Task A_stranger_gets_one_sales_task_and_one_alert_and_is_the_same_visitor_when_seen_again()
    {
        var branch = World.NewBranch("harbour");
        var stranger = $"stranger-{Guid.NewGuid():N}";

        var first = await _grains.RecordAsync(Sightings.Of(stranger, branch, "entrance", "t1"));
        await Sightings.EventuallyAsync(() => World.AlertsAt(branch).Count == 1 && World.TasksAt(branch).Count == 1, "task and alert are delivered");
        World.Clock.Advance(TimeSpan.FromMinutes(2));
        var again = await _grains.RecordAsync(Sightings.Of(stranger, branch, "tellers", "t9"));

        Assert.Equal(SightingOutcome.NewVisit, first.Outcome);
        Assert.StartsWith("v-", first.VisitorId, StringComparison.Ordinal);
        Assert.Equal(first.VisitorId, again.VisitorId);
        Assert.Equal(first.VisitId, again.VisitId);
        Assert.Equal(SightingOutcome.VisitExtended, again.Outcome);
        await Task.Delay(200, TestContext.Current.CancellationToken); // room for a wrong second delivery to show up
        var task = Assert.Single(World.TasksAt(branch));
        Assert.Equal(StaffRole.Sales, task.AssignTo);
        Assert.Null(task.CustomerName);
        Assert.Single(World.AlertsAt(branch));
        Assert.Equal(1, World.Alerts.CallsFor(first.VisitId!)); // an SMS is not deduplicated downstream
        Assert.Single((await _grains.OccupancyAsync(branch)).Visitors);
    }

    [Fact]
    public async Task A_delivery_repeated_after_the_alert_went_out_finds_its_receipt_in_the_history_and_sends_no_second_sms()
    {
        var ct = TestContext.Current.CancellationToken;
        var branch = World.NewBranch("receipt");
        var (seen, record) = await StrangerDeliveredAsync(branch);
        Assert.NotNull(record.AlertSentAt); // the alert went out first; the record is its receipt

        // What a visitor restarted before writing its delivery marks hands the courier again.
        var profile = new VisitorProfile(VisitorKind.New, null, null);
        await _grains.GetGrain<IVisitCourierGrain>(0).Deliver(new DeliveryOrder(
            seen.VisitorId!, seen.VisitId!, branch, "entrance", record.VisitStart, null, profile,
            [VisitEffect.HistoryRecord, VisitEffect.NewVisitorAlert], MayBeRepeat: true));

        await Task.Delay(200, ct); // room for a wrong second alert to show up
        Assert.Equal(1, World.Alerts.CallsFor(seen.VisitId!));
        Assert.Equal(record, await World.History.FindAsync(seen.VisitorId!, seen.VisitId!, ct));
        var visit = Assert.Single(await _grains.VisitsAsync(seen.VisitorId!));
        Assert.All(visit.Effects, e => Assert.Equal(DeliveryStatus.Delivered, e.Status));
    }

    [Fact]
    public async Task A_delivery_repeated_after_the_task_went_out_finds_its_receipt_in_the_history_and_calls_Appian_no_second_time()
    {
        var ct = TestContext.Current.CancellationToken;
        var branch = World.NewBranch("task-receipt");
        var (seen, record) = await StrangerDeliveredAsync(branch);
        Assert.NotNull(record.TaskAssignedAt); // the task went out first; the record is its receipt too
        var taskAttempts = World.Tasks.AttemptsFor(seen.VisitId!);

        // What a visitor restarted before writing its delivery marks hands the courier again.
        await _grains.GetGrain<IVisitCourierGrain>(0).Deliver(new DeliveryOrder(
            seen.VisitorId!, seen.VisitId!, branch, "entrance", record.VisitStart, null, new VisitorProfile(VisitorKind.New, null, null),
            [VisitEffect.HistoryRecord, VisitEffect.StaffTask, VisitEffect.NewVisitorAlert], MayBeRepeat: true));

        await Task.Delay(200, ct); // room for a wrong second call to show up
        Assert.Equal(taskAttempts, World.Tasks.AttemptsFor(seen.VisitId!));
        Assert.Equal(1, World.Alerts.CallsFor(seen.VisitId!));
        Assert.Equal(record, await World.History.FindAsync(seen.VisitorId!, seen.VisitId!, ct));
    }

    [Fact]
    public async Task A_repeated_delivery_that_cannot_read_the_history_sends_nothing_until_it_can()
    {
        var ct = TestContext.Current.CancellationToken;
        var branch = World.NewBranch("no-receipt");
        var (seen, record) = await StrangerDeliveredAsync(branch);
        var taskAttempts = World.Tasks.AttemptsFor(seen.VisitId!);

        // A restarted visitor hands everything over again while the history table is down: without the
        // record the courier cannot know the task and the SMS went out, so both wait.
        World.History.FailReadsFor(seen.VisitorId!);
        int refused;
        try
        {
            await _grains.GetGrain<IVisitCourierGrain>(0).Deliver(new DeliveryOrder(
                seen.VisitorId!, seen.VisitId!, branch, "entrance", record.VisitStart, null, new VisitorProfile(VisitorKind.New, null, null),
                [VisitEffect.HistoryRecord, VisitEffect.StaffTask, VisitEffect.NewVisitorAlert], MayBeRepeat: true));
            await Sightings.EventuallyAsync(() => World.History.ReadsRefused(seen.VisitorId!) == 1, "the courier asks the history");
            await Task.Delay(200, ct); // room for a wrong second task or alert to show up while the history is down
            refused = World.History.ReadsRefused(seen.VisitorId!);
        }
        finally
        {
            World.History.RecoverReadsFor(seen.VisitorId!);
        }

        Assert.Equal(1, refused);
        Assert.Equal(1, World.Alerts.CallsFor(seen.VisitId!));
        Assert.Equal(taskAttempts, World.Tasks.AttemptsFor(seen.VisitId!));
        Assert.Equal(record, await World.History.FindAsync(seen.VisitorId!, seen.VisitId!, ct));
    }

    [Fact]
    public async Task After_the_inactivity_timeout_the_visit_closes_and_a_return_opens_a_new_visit_with_a_new_task()
    {
        var branch = World.NewBranch("old-town");
        await World.EnrolAsync("c401", "Carla Mendes", "face-c401");
        var first = await _grains.RecordAsync(Sightings.Of("face-c401", branch, "lobby", "t1"));
        await Sightings.EventuallyAsync(async () => (await _grains.OccupancyAsync(branch)).Visitors.Count == 1, "she is inside");

        World.Clock.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));

        await Sightings.EventuallyAsync(async () => (await _grains.OccupancyAsync(branch)).Visitors.Count == 0, "she has left the occupancy");
        var closed = Assert.Single(await _grains.VisitsAsync("c-c401"), v => v.BranchId == branch);
        Assert.Equal("inactive", closed.CloseReason);

        World.Clock.Advance(TimeSpan.FromHours(1));
        var back = await _grains.RecordAsync(Sightings.Of("face-c401", branch, "lobby", "t1"));

        Assert.Equal(SightingOutcome.NewVisit, back.Outcome);
        Assert.NotEqual(first.VisitId, back.VisitId);
        await Sightings.EventuallyAsync(() => World.TasksAt(branch).Count == 2, "the second visit's task is delivered");
        Assert.Equal(2, (await _grains.VisitsAsync("c-c401")).Count(v => v.BranchId == branch));
        Assert.Equal(back.VisitId, Assert.Single((await _grains.OccupancyAsync(branch)).Visitors).VisitId);
    }

    [Fact]
    public async Task The_same_person_at_two_branches_has_two_visits_and_two_tasks()
    {
        var north = World.NewBranch("north");
        var south = World.NewBranch("south");
        await World.EnrolAsync("c501", "Diego Ferreira", "face-c501");

        var atNorth = await _grains.RecordAsync(Sightings.Of("face-c501", north, "entrance", "t1"));
        var atSouth = await _grains.RecordAsync(Sightings.Of("face-c501", south, "entrance", "t1"));

        Assert.NotEqual(atNorth.VisitId, atSouth.VisitId);
        await Sightings.EventuallyAsync(() => World.TasksAt(north).Count == 1 && World.TasksAt(south).Count == 1, "both tasks are delivered");
        Assert.Single((await _grains.OccupancyAsync(north)).Visitors);
        Assert.Single((await _grains.OccupancyAsync(south)).Visitors);
    }

    [Fact]
    public async Task Parallel_traffic_from_twenty_cameras_keeps_occupancy_exact()
    {
        var branches = Enumerable.Range(0, 4).Select(i => World.NewBranch($"busy{i}")).ToArray();
        var people = Enumerable.Range(0, 60).Select(i => (Token: $"crowd-{Guid.NewGuid():N}", Branch: branches[i % 4])).ToArray();
        var random = new Random(42);
        var sightings = people
            .SelectMany(p => Enumerable.Range(0, 5).SelectMany(camera => Enumerable.Range(0, 4).Select(_ =>
                Sightings.Of(p.Token, p.Branch, $"cam{camera}", $"{p.Token[..14]}-{camera}"))))
            .OrderBy(_ => random.Next())
            .ToList();

        await Parallel.ForEachAsync(sightings, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (s, _) => await _grains.RecordAsync(s));

        foreach (var branch in branches)
        {
            var occupancy = await _grains.OccupancyAsync(branch);
            Assert.Equal(people.Count(p => p.Branch == branch), occupancy.Visitors.Count);
            Assert.Equal(occupancy.Visitors.Count, occupancy.Visitors.Select(v => v.VisitorId).Distinct().Count());
        }
        await Sightings.EventuallyAsync(async () =>
        {
            var counts = await _grains.GetGrain<IBranchIndexGrain>(IBranchIndexGrain.Key).GetBranches();
            return branches.All(b => counts.SingleOrDefault(c => c.BranchId == b)?.Occupancy == 15);
        }, "the branch list shows 15 people in each branch");
        await Sightings.EventuallyAsync(() => branches.All(b => World.TasksAt(b).Count == 15), "every visit has its task");
    }

    [Fact]
    public async Task A_sighting_at_the_exit_camera_closes_the_visit_at_once()
    {
        await World.EnrolAsync("c601", "Elena Rocha", "face-c601");
        var opened = await _grains.RecordAsync(Sightings.Of("face-c601", World.ExitBranch, "lobby", "t1"));

        var left = await _grains.RecordAsync(Sightings.Of("face-c601", World.ExitBranch, World.ExitCamera, "t2"));

        Assert.Equal(SightingOutcome.VisitClosed, left.Outcome);
        Assert.Equal(opened.VisitId, left.VisitId);
        Assert.DoesNotContain((await _grains.OccupancyAsync(World.ExitBranch)).Visitors, v => v.VisitorId == "c-c601");
        var visit = Assert.Single(await _grains.VisitsAsync("c-c601"), v => v.VisitId == opened.VisitId);
        Assert.Equal("exit", visit.CloseReason);
    }

    [Fact]
    public async Task A_lobby_sighting_captured_before_the_exit_but_arriving_after_it_joins_the_visit_the_exit_closed()
    {
        // The exit camera's sighting overtook one from the lobby (two cameras, two paths to the cluster).
        // The stranger came and left once: one visit, one task, one alert, and not back in the occupancy.
        var ct = TestContext.Current.CancellationToken;
        var stranger = $"stranger-{Guid.NewGuid():N}";
        var lobbyTrack = $"lobby-{Guid.NewGuid():N}";
        var start = World.Clock.GetUtcNow() - TimeSpan.FromMinutes(2);
        var opened = await _grains.RecordAsync(Sightings.Of(stranger, World.ExitBranch, "lobby", lobbyTrack, start));
        var left = await _grains.RecordAsync(Sightings.Of(stranger, World.ExitBranch, World.ExitCamera, $"door-{Guid.NewGuid():N}", start + TimeSpan.FromSeconds(60)));

        // Captured 30 s into the visit: past Visits:ForwardInterval (10 s), so the lobby camera tells the visitor.
        var late = await _grains.RecordAsync(Sightings.Of(stranger, World.ExitBranch, "lobby", lobbyTrack, start + TimeSpan.FromSeconds(30)));

        Assert.Equal(SightingOutcome.VisitClosed, left.Outcome);
        Assert.Equal(SightingOutcome.VisitExtended, late.Outcome);
        Assert.Equal(opened.VisitId, late.VisitId);
        var visit = Assert.Single(await _grains.VisitsAsync(opened.VisitorId!));
        Assert.Equal("exit", visit.CloseReason);
        Assert.Equal(2, visit.SightingCount);
        Assert.Equal(start + TimeSpan.FromSeconds(30), visit.LastSeenAt);
        await Sightings.EventuallyAsync(() => World.Tasks.AttemptsFor(visit.VisitId) == 1 && World.Alerts.CallsFor(visit.VisitId) == 1, "the task and the alert are delivered");
        await Task.Delay(200, ct); // room for a wrong second visit's task and alert to show up
        var visitIds = (await _grains.VisitsAsync(opened.VisitorId!)).Select(v => v.VisitId).ToList();
        Assert.Equal([visit.VisitId], visitIds);
        Assert.Single(World.TasksAt(World.ExitBranch), t => visitIds.Contains(t.VisitId));
        Assert.Single(World.AlertsAt(World.ExitBranch), a => visitIds.Contains(a.VisitId));
        Assert.DoesNotContain((await _grains.OccupancyAsync(World.ExitBranch)).Visitors, v => v.VisitorId == opened.VisitorId);
    }

    [Fact]
    public async Task An_exit_applied_before_the_first_sighting_from_inside_closes_the_visit_that_sighting_opens()
    {
        // The exit camera's sighting reached the stranger before the lobby's earlier ones had opened a visit
        // (a batch applies its cameras side by side). The stay is still one visit, closed at the exit.
        var ct = TestContext.Current.CancellationToken;
        var stranger = $"stranger-{Guid.NewGuid():N}";
        var lobbyTrack = $"lobby-{Guid.NewGuid():N}";
        var start = World.Clock.GetUtcNow() - TimeSpan.FromMinutes(2);

        var left = await _grains.RecordAsync(Sightings.Of(stranger, World.ExitBranch, World.ExitCamera, $"door-{Guid.NewGuid():N}", start + TimeSpan.FromSeconds(60)));
        var entered = await _grains.RecordAsync(Sightings.Of(stranger, World.ExitBranch, "lobby", lobbyTrack, start));
        var stayed = await _grains.RecordAsync(Sightings.Of(stranger, World.ExitBranch, "lobby", lobbyTrack, start + TimeSpan.FromSeconds(30)));

        Assert.Equal(SightingOutcome.ExitWithoutVisit, left.Outcome);
        Assert.Equal(SightingOutcome.NewVisit, entered.Outcome);
        Assert.Equal(SightingOutcome.VisitExtended, stayed.Outcome);
        Assert.Equal(entered.VisitId, stayed.VisitId);
        var visit = Assert.Single(await _grains.VisitsAsync(entered.VisitorId!));
        Assert.Equal("exit", visit.CloseReason);
        Assert.Equal(start, visit.OpenedAt);
        Assert.Equal(start + TimeSpan.FromSeconds(30), visit.LastSeenAt);
        Assert.Equal(2, visit.SightingCount);
        await Sightings.EventuallyAsync(() => World.Tasks.AttemptsFor(visit.VisitId) == 1 && World.Alerts.CallsFor(visit.VisitId) == 1, "the task and the alert are delivered");
        await Task.Delay(200, ct); // room for a wrong second visit's task to show up
        Assert.Single(World.TasksAt(World.ExitBranch), t => t.VisitId == visit.VisitId);
        Assert.Single(await _grains.VisitsAsync(entered.VisitorId!));
        Assert.DoesNotContain((await _grains.OccupancyAsync(World.ExitBranch)).Visitors, v => v.VisitorId == entered.VisitorId);
    }

    [Fact]
    public async Task A_sighting_captured_after_the_exit_opens_a_new_visit_with_a_new_task()
    {
        await World.EnrolAsync("c611", "Irene Paiva", "face-c611");
        var start = World.Clock.GetUtcNow() - TimeSpan.FromMinutes(3);
        var first = await _grains.RecordAsync(Sightings.Of("face-c611", World.ExitBranch, "lobby", $"lobby-{Guid.NewGuid():N}", start));
        await _grains.RecordAsync(Sightings.Of("face-c611", World.ExitBranch, World.ExitCamera, $"door-{Guid.NewGuid():N}", start + TimeSpan.FromSeconds(60)));

        var back = await _grains.RecordAsync(Sightings.Of("face-c611", World.ExitBranch, "lobby", $"lobby-{Guid.NewGuid():N}", start + TimeSpan.FromSeconds(90)));

        Assert.Equal(SightingOutcome.NewVisit, back.Outcome);
        Assert.NotEqual(first.VisitId, back.VisitId);
        await Sightings.EventuallyAsync(() => World.Tasks.AttemptsFor(back.VisitId!) == 1, "the second visit's task is delivered");
        Assert.Equal(first.VisitId, Assert.Single(await _grains.VisitsAsync("c-c611"), v => v.ClosedAt is not null).VisitId);
        Assert.Contains((await _grains.OccupancyAsync(World.ExitBranch)).Visitors, v => v.VisitId == back.VisitId);
    }

    [Fact]
    public async Task A_task_that_fails_is_retried_until_delivered_exactly_once_and_its_status_is_visible()
    {
        var branch = World.NewBranch("flaky");
        await World.EnrolAsync("c701", "Filipe Sousa", "face-c701");
        World.Tasks.FailAt(branch, permanently: false);

        var result = await _grains.RecordAsync(Sightings.Of("face-c701", branch, "lobby", "t1"));
        await Sightings.EventuallyAsync(async () => TaskOf(await _grains.VisitsAsync("c-c701"), result.VisitId!) is { Attempts: >= 1, Status: DeliveryStatus.Pending },
            "the first attempt has failed");
        var failing = TaskOf(await _grains.VisitsAsync("c-c701"), result.VisitId!);
        Assert.Contains("503", failing.LastError, StringComparison.Ordinal);
        Assert.Equal(DeliveryStatus.Pending, Assert.Single((await _grains.OccupancyAsync(branch)).Visitors).TaskStatus);

        World.Tasks.Recover(branch);
        World.Clock.Advance(TimeSpan.FromSeconds(5));

        await Sightings.EventuallyAsync(async () => TaskOf(await _grains.VisitsAsync("c-c701"), result.VisitId!).Status == DeliveryStatus.Delivered, "the task is delivered");
        Assert.Single(World.TasksAt(branch));
        await Sightings.EventuallyAsync(async () => Assert.Single((await _grains.OccupancyAsync(branch)).Visitors).TaskStatus == DeliveryStatus.Delivered,
            "the occupancy shows the task delivered");
    }

    [Fact]
    public async Task A_task_refused_for_good_is_marked_failed_with_its_reason_and_not_retried()
    {
        var branch = World.NewBranch("refused");
        await World.EnrolAsync("c801", "Gabriela Nunes", "face-c801");
        World.Tasks.FailAt(branch, permanently: true);

        var result = await _grains.RecordAsync(Sightings.Of("face-c801", branch, "lobby", "t1"));

        await Sightings.EventuallyAsync(async () => TaskOf(await _grains.VisitsAsync("c-c801"), result.VisitId!).Status == DeliveryStatus.Failed, "the task is marked failed");
        Assert.Contains("400", TaskOf(await _grains.VisitsAsync("c-c801"), result.VisitId!).LastError, StringComparison.Ordinal);
        World.Clock.Advance(TimeSpan.FromMinutes(10));
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Equal(1, World.Tasks.AttemptsFor(result.VisitId!));
        Assert.Empty(World.TasksAt(branch));
    }

    [Fact]
    public async Task Sightings_from_hours_ago_drained_from_an_edge_buffer_make_one_closed_visit_on_record_and_no_task()
    {
        var branch = World.NewBranch("drain");
        await World.EnrolAsync("c901", "Hugo Martins", "face-c901");
        var start = World.Clock.GetUtcNow() - TimeSpan.FromHours(2);

        // Five minutes of a person standing in the lobby, two hours ago, arriving now in order.
        var results = new List<SightingResult>();
        for (var second = 0; second < 300; second += 2)
        {
            results.Add(await _grains.RecordAsync(Sightings.Of("face-c901", branch, "lobby", "t-old", start + TimeSpan.FromSeconds(second))));
        }

        Assert.Single(results.Select(r => r.VisitId).Distinct());
        var visit = Assert.Single(await _grains.VisitsAsync("c-c901"), v => v.BranchId == branch);
        Assert.Equal("inactive", visit.CloseReason);
        // The camera tells the visitor at most every Visits:ForwardInterval (10 s) that a known track is still there.
        Assert.InRange(visit.LastSeenAt, start + TimeSpan.FromSeconds(288), start + TimeSpan.FromSeconds(298));
        // Hugo left two hours ago: the visit is on record, and nobody is sent to look for him.
        await Sightings.EventuallyAsync(async () => await World.History.FindAsync("c-c901", visit.VisitId, TestContext.Current.CancellationToken) is not null, "the history record is written");
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Empty(World.TasksAt(branch));
        Assert.Empty((await _grains.OccupancyAsync(branch)).Visitors);
    }

    [Fact]
    public async Task A_sighting_captured_within_the_timeout_but_arriving_after_the_close_takes_up_the_same_visit()
    {
        // What a visitor restarted after a crash meets: it starts from the last-seen time last written
        // (Visits:PersistLastSeenEvery), so its visit may close early; the next sighting, captured within
        // the timeout of that time, takes the same visit up again: no second visit, no second task.
        var ct = TestContext.Current.CancellationToken;
        var branch = World.NewBranch("reopen");
        await World.EnrolAsync("c961", "Lia Moreira", "face-c961");
        var start = World.Clock.GetUtcNow();
        var opened = await _grains.RecordAsync(Sightings.Of("face-c961", branch, "lobby", "t1", start));
        await Sightings.EventuallyAsync(() => World.TasksAt(branch).Count == 1, "the task is delivered");

        World.Clock.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(30));
        await Sightings.EventuallyAsync(async () => (await _grains.OccupancyAsync(branch)).Visitors.Count == 0, "the visit closes for inactivity");
        var late = await _grains.RecordAsync(Sightings.Of("face-c961", branch, "tellers", "t2", start + TimeSpan.FromMinutes(14)));

        Assert.Equal(opened.VisitId, late.VisitId);
        var visit = Assert.Single(await _grains.VisitsAsync("c-c961"), v => v.BranchId == branch);
        Assert.Null(visit.ClosedAt);
        Assert.Equal(start + TimeSpan.FromMinutes(14), visit.LastSeenAt);
        Assert.Equal(["lobby", "tellers"], visit.Cameras);
        await Sightings.EventuallyAsync(async () => (await _grains.OccupancyAsync(branch)).Visitors.Count == 1, "the visitor is back in the occupancy");
        await Task.Delay(200, ct); // room for a wrong second task to show up
        Assert.Single(World.TasksAt(branch));
    }

    [Fact]
    public async Task A_visit_whose_grain_is_gone_is_closed_by_the_branch_backstop()
    {
        var branch = World.NewBranch("backstop");
        await World.EnrolAsync("c951", "Karina Lopes", "face-c951");
        await _grains.RecordAsync(Sightings.Of("face-c951", branch, "lobby", "t1"));
        await Sightings.EventuallyAsync(() => World.TasksAt(branch).Count == 1, "the task is delivered");

        // Every idle activation goes, the visitor's closing timer with it (as when its silo dies).
        await _grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero, TestContext.Current.CancellationToken);
        World.Clock.Advance(TimeSpan.FromMinutes(16));
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.Single((await _grains.OccupancyAsync(branch)).Visitors);

        await _grains.GetGrain<IBranchGrain>(branch).AsReference<IRemindable>()
            .ReceiveReminder("occupancy-backstop", new TickStatus(DateTime.UtcNow, TimeSpan.FromMinutes(1), DateTime.UtcNow), TestContext.Current.CancellationToken);

        await Sightings.EventuallyAsync(async () => (await _grains.OccupancyAsync(branch)).Visitors.Count == 0, "the backstop has closed the visit");
        Assert.Equal("inactive", Assert.Single(await _grains.VisitsAsync("c-c951"), v => v.BranchId == branch).CloseReason);
    }

    /// <summary>A stranger seen once at the branch, their visit's deliveries made: the sighting's answer and the history record.</summary>
    private async Task<(SightingResult Seen, VisitHistoryRecord Record)> StrangerDeliveredAsync(string branch)
    {
        var ct = TestContext.Current.CancellationToken;
        var seen = await _grains.RecordAsync(Sightings.Of($"stranger-{Guid.NewGuid():N}", branch, "entrance", "t1"));
        await Sightings.EventuallyAsync(async () => (await World.History.FindAsync(seen.VisitorId!, seen.VisitId!, ct)) is not null, "the history record is written");
        return (seen, (await World.History.FindAsync(seen.VisitorId!, seen.VisitId!, ct))!);
    }

    private static EffectStatus TaskOf(IReadOnlyList<VisitSummary> visits, string visitId) =>
        visits.Single(v => v.VisitId == visitId).Effects.Single(e => e.Effect == VisitEffect.StaffTask);
}
