using System.Diagnostics;
using Orleans;

namespace NextGenCrm.Orleans.DynamoDb.Tests;

/// <summary>
/// SIGKILL of a silo process (three real silos on DynamoDB Local, not a TestCluster's graceful kill) inside
/// each window where a visit's effects are owed: they are delivered all the same, the SMS at most once, and
/// the Appian calls made again are counted (Appian keeps one task per visit id, but a call made twice is
/// one too many). Nothing in the test calls a visitor before its effects show up outside: what brings a
/// visitor whose silo died back is the cluster's own durable state (branch occupancy, reminders).
/// </summary>
[Collection(VisitClusterCollection.Name)]
public sealed class ProcessCrashTests(DynamoDbLocalFixture dynamo)
{
    private static readonly TimeSpan InactivityTimeout = TimeSpan.FromSeconds(20);
    private const int Visits = 10;

    /// <summary>Delivered, receipts in the history, marks not yet written (they ride along with the close).</summary>
    [Fact]
    public async Task Killed_after_delivery_before_the_marks_were_written_no_task_or_sms_goes_out_again()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var world = await ProcessCrashWorld.StartAsync(dynamo.Dynamo.ServiceUrl, InactivityTimeout, ct);
        var visits = await OpenAsync(world, "delivered", ct);
        await EventuallyAsync(async () => await AllReceiptedAsync(world, visits, ct), "every visit's task and alert are receipted in the history", ct, TimeSpan.FromSeconds(30));

        var killed = await KillBusiestAsync(world, visits, ct);
        await ThenEverythingIsDeliveredAsync(world, visits, killed, ct);

        Assert.Equal(0, RepeatedTaskCalls(world, visits));
        Assert.Equal(0, RepeatedTaskRequests(world, visits));
    }

    /// <summary>Visits just opened, Appian slow: the silo dies with tasks in flight and the branch's write-behind unflushed.</summary>
    [Fact]
    public async Task Killed_while_tasks_are_in_flight_every_visit_still_gets_its_task_and_one_sms()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var world = await ProcessCrashWorld.StartAsync(dynamo.Dynamo.ServiceUrl, InactivityTimeout, ct);
        world.Appian.Delay = TimeSpan.FromSeconds(2);
        var visits = await OpenAsync(world, "in-flight", ct);
        await Task.Delay(TimeSpan.FromMilliseconds(500), ct);

        var killed = await KillBusiestAsync(world, visits, ct);
        world.Appian.Delay = TimeSpan.Zero;
        await ThenEverythingIsDeliveredAsync(world, visits, killed, ct);

        // A task whose call reached Appian and whose answer died with the silo is called again: the one
        // repeat at-least-once cannot avoid. Only visits on the killed silo can have one.
        Assert.InRange(RepeatedTaskRequests(world, visits), 0, killed.Count);
        Assert.Equal(0, RepeatedTaskRequests(world, visits.Where(v => !killed.Contains(v))));
    }

    /// <summary>Appian down: visits close at the exit owing their task, and the silo dies right after the close.</summary>
    [Fact]
    public async Task Killed_after_closing_visits_that_still_owe_their_task_the_task_goes_out_when_appian_is_back()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var world = await ProcessCrashWorld.StartAsync(dynamo.Dynamo.ServiceUrl, InactivityTimeout, ct);
        world.Appian.BeDownFor(TimeSpan.FromMinutes(10));
        var visits = await OpenAsync(world, "closed-owing", ct);
        foreach (var visit in visits)
        {
            await SightAsync(world, visit with { }, exit: true, ct);
        }

        var killed = await KillBusiestAsync(world, visits, ct);
        world.Appian.BeDownFor(TimeSpan.Zero);
        await ThenEverythingIsDeliveredAsync(world, visits, killed, ct);

        // Nothing was taken before the kill, and after it one order at a time: each task taken once.
        Assert.Equal(0, RepeatedTaskCalls(world, visits));
    }

    private sealed record OpenVisit(string VisitorId, string BranchId, string VisitId);

    private static async Task<List<OpenVisit>> OpenAsync(ProcessCrashWorld world, string label, CancellationToken ct)
    {
        var opened = new List<OpenVisit>();
        for (var i = 0; i < Visits; i++)
        {
            var visit = new OpenVisit($"v-{label}-{world.Suffix}-{i}", $"{label}-{i % 3}", "");
            var result = await SightAsync(world, visit, exit: false, ct);
            Assert.Equal(SightingOutcome.NewVisit, result.Outcome);
            opened.Add(visit with { VisitId = result.VisitId! });
        }
        return opened;
    }

    private static async Task<VisitSightingResult> SightAsync(ProcessCrashWorld world, OpenVisit visit, bool exit, CancellationToken ct)
    {
        var sighting = new VisitorSighting(Guid.NewGuid().ToString("N"), visit.BranchId, exit ? "exit" : "door", DateTimeOffset.UtcNow, null, 1, exit,
            new VisitorProfile(VisitorKind.New, null, null));
        return await RetryAsync(() => world.Grains.GetGrain<IVisitorGrain>(visit.VisitorId).RecordSighting(sighting), ct);
    }

    /// <summary>SIGKILLs the silo process hosting the most of these visitors; returns the visits it held.</summary>
    private static async Task<HashSet<OpenVisit>> KillBusiestAsync(ProcessCrashWorld world, List<OpenVisit> visits, CancellationToken ct)
    {
        var hosts = new Dictionary<OpenVisit, SiloProcess?>();
        foreach (var visit in visits)
        {
            hosts[visit] = await world.HostOfAsync((GrainReference)world.Grains.GetGrain<IVisitorGrain>(visit.VisitorId), ct);
        }
        var victim = hosts.Values.OfType<SiloProcess>().GroupBy(s => s).OrderByDescending(g => g.Count()).First().Key;
        victim.Kill();
        var output = TestContext.Current.TestOutputHelper!;
        output.WriteLine($"SIGKILL of silo {victim.Number} (pid {victim.ProcessId}) holding {hosts.Count(h => h.Value == victim)} of {visits.Count} visitors; tasks in Appian {world.Appian.Tasks.Count}");
        return [.. visits.Where(v => hosts[v] == victim)];
    }

    /// <summary>
    /// Waits, without calling any visitor, until each visit's task is in Appian, its SMS in the topic's
    /// queue and its record (both receipts) in the history, and every branch is empty; then that every
    /// visit closed with all its effects marked delivered. Prints the figures.
    /// </summary>
    private async Task ThenEverythingIsDeliveredAsync(ProcessCrashWorld world, List<OpenVisit> visits, HashSet<OpenVisit> killed, CancellationToken ct)
    {
        var output = TestContext.Current.TestOutputHelper!;
        var watch = Stopwatch.StartNew();
        // Death declared (seconds), the reminders' new owner reads them, the branch's backstop (a minute) or the visitor's own.
        await EventuallyAsync(async () => await AllReceiptedAsync(world, visits, ct), "every visit's task and alert are delivered and receipted", ct, TimeSpan.FromMinutes(4));
        var deliveredAfter = watch.Elapsed;
        // Still without calling a visitor: every visit closes (after the inactivity timeout, or at the exit) and
        // leaves its branch, those whose grain died woken by the branch's reminder from its durable occupants.
        var branches = visits.Select(v => v.BranchId).Distinct().ToList();
        await EventuallyAsync(async () => (await Task.WhenAll(branches.Select(b => RetryAsync(() => world.Grains.GetGrain<IBranchGrain>(b).GetOccupancy(), ct))))
            .All(o => o.Visitors.Count == 0), "every branch is empty", ct, TimeSpan.FromMinutes(3));
        var closedAfter = watch.Elapsed;
        await EventuallyAsync(async () =>
        {
            var all = await Task.WhenAll(visits.Select(v => RetryAsync(() => world.Grains.GetGrain<IVisitorGrain>(v.VisitorId).GetVisits(), ct)));
            return all.All(list => list.Count == 1 && list[0].ClosedAt is not null && list[0].Effects.All(e => e.Status == DeliveryStatus.Delivered));
        }, "every visit is closed with its effects marked delivered", ct, TimeSpan.FromMinutes(1));

        var sms = await world.SmsByVisitAsync(ct);
        var repeatedTasks = RepeatedTaskCalls(world, visits);
        output.WriteLine($"{visits.Count} visits, {killed.Count} on the killed silo; delivered and receipted {deliveredAfter.TotalSeconds:F1} s after the kill, every branch empty after {closedAfter.TotalSeconds:F1} s");
        output.WriteLine($"Appian: {world.Appian.Tasks.Count(t => visits.Any(v => v.VisitId == t.Key))} tasks, {visits.Sum(v => world.Appian.RequestsFor(v.VisitId))} requests (refused ones included), repeated requests {RepeatedTaskRequests(world, visits)} (of visits on the killed silo {RepeatedTaskRequests(world, killed)}), repeated calls answered 2xx {repeatedTasks}");
        output.WriteLine($"SMS: {visits.Sum(v => sms.GetValueOrDefault(v.VisitId))} for {visits.Count} visits, most for one visit {visits.Max(v => sms.GetValueOrDefault(v.VisitId))}");

        Assert.All(visits, v => Assert.True(world.Appian.Tasks.ContainsKey(v.VisitId), $"visit {v.VisitId} has no task"));
        Assert.All(visits, v => Assert.Equal(1, sms.GetValueOrDefault(v.VisitId)));
    }

    private async Task<bool> AllReceiptedAsync(ProcessCrashWorld world, List<OpenVisit> visits, CancellationToken ct)
    {
        using var client = dynamo.CreateClient();
        foreach (var visit in visits)
        {
            if (await world.HistoryAsync(client, visit.VisitorId, visit.VisitId, ct) is not (true, true))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Task requests that reached Appian beyond the first per visit, answered or not (the caller may have died waiting).</summary>
    private static int RepeatedTaskRequests(ProcessCrashWorld world, IEnumerable<OpenVisit> visits) =>
        visits.Sum(v => Math.Max(0, world.Appian.RequestsFor(v.VisitId) - 1));

    /// <summary>Task calls Appian took (answered 2xx) beyond the first per visit: the task delivered again.</summary>
    private static int RepeatedTaskCalls(ProcessCrashWorld world, IEnumerable<OpenVisit> visits) =>
        visits.Sum(v => Math.Max(0, world.Appian.AcceptedFor(v.VisitId) - 1));

    private static async Task<T> RetryAsync<T>(Func<Task<T>> call, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception failure) when (failure is not OutOfMemoryException && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(250, ct);
            }
        }
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what, CancellationToken ct, TimeSpan within)
    {
        var deadline = DateTimeOffset.UtcNow + within;
        while (!await condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"Timed out after {within} waiting until {what}.");
            await Task.Delay(500, ct);
        }
    }
}
