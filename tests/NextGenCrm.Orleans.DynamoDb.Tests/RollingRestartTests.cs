using Orleans;

namespace NextGenCrm.Orleans.DynamoDb.Tests;

/// <summary>
/// A rollout on the local three-silo cluster (real silo processes on DynamoDB Local, wired as on EKS) while
/// sightings flow through the HTTP API with the edge agent's retrying: every silo replaced in turn with SIGTERM
/// loses no sighting beyond the 503s the agent sends again, no visit, and repeats no task; a SIGKILL of one
/// leaves every branch served again within 15 s.
/// </summary>
[Collection(VisitClusterCollection.Name)]
public sealed class RollingRestartTests(DynamoDbLocalFixture dynamo)
{
    private const int Branches = 6;
    private const int PeoplePerBranch = 6;

    /// <summary>Longer than <see cref="ApiFront.ProbePeriod"/> and a request's time: the front has stopped sending before the port closes.</summary>
    private static readonly TimeSpan DrainDelay = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task Restarting_every_silo_in_turn_with_sigterm_fails_no_sighting_and_loses_or_repeats_no_visit()
    {
        var ct = TestContext.Current.CancellationToken;
        var output = TestContext.Current.TestOutputHelper!;
        await using var world = await RolloutWorld.StartAsync(dynamo.Dynamo.ServiceUrl, DrainDelay, ct);
        var load = new SightingLoad(world.Front, world.EdgeToken, Branches, PeoplePerBranch, $"roll-{world.Suffix}");
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(stop.Token, ct);

        await Task.Delay(TimeSpan.FromSeconds(8), ct);
        foreach (var old in world.Silos.Silos.Take(3).ToList())
        {
            var exitedAfter = await world.ReplaceAsync(old, ct);
            output.WriteLine($"{load.Now.TotalSeconds:F1} s: silo {old.Number} exited {exitedAfter.TotalSeconds:F1} s after SIGTERM; silo {world.Silos.Silos[^1].Number} serves in its place");
            await Task.Delay(TimeSpan.FromSeconds(4), ct);
        }
        await Task.Delay(TimeSpan.FromSeconds(4), ct);
        await stop.CancelAsync();
        await running;

        var attempts = load.Attempts;
        var unavailable = attempts.Count(a => a.Status == 503);
        var failed = attempts.Where(a => a.Status is not (200 or 503)).ToList();
        output.WriteLine($"SIGTERM rollout of 3 silos: {attempts.Count} requests, {load.Accepted} sightings accepted, {unavailable} answered 503 (retried), {failed.Count} failed otherwise");
        foreach (var failure in failed.Take(10))
        {
            output.WriteLine($"  failed: {failure.BranchId} at {failure.SentAt.TotalSeconds:F1} s: {failure.Status} {failure.Error}");
        }
        var (visits, lost, repeatedVisits, repeatedTasks) = await VisitsAndTasksAsync(world, load, TimeSpan.FromSeconds(60), ct);
        output.WriteLine($"visits {visits}, lost {lost}, repeated visits {repeatedVisits}, repeated tasks {repeatedTasks}; Appian tasks {world.Appian.Tasks.Count}, requests {world.Appian.Requests}");

        Assert.Empty(failed);
        Assert.Equal(Branches * PeoplePerBranch, visits);
        Assert.Equal(0, lost);
        Assert.Equal(0, repeatedVisits);
        Assert.Equal(0, repeatedTasks);
    }

    [Fact]
    public async Task Killing_a_silo_leaves_every_branch_served_again_within_15_seconds()
    {
        var ct = TestContext.Current.CancellationToken;
        var output = TestContext.Current.TestOutputHelper!;
        await using var world = await RolloutWorld.StartAsync(dynamo.Dynamo.ServiceUrl, DrainDelay, ct);
        var load = new SightingLoad(world.Front, world.EdgeToken, Branches, PeoplePerBranch, $"kill-{world.Suffix}");
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(stop.Token, ct);

        await Task.Delay(TimeSpan.FromSeconds(8), ct);
        var victim = world.Silos.Silos[1];
        var killedAt = load.Now;
        victim.Kill();
        await Task.Delay(TimeSpan.FromSeconds(30), ct);
        await stop.CancelAsync();
        await running;

        // A branch is served again from the answer of its first accepted sighting after its last failed request.
        var servedAgain = new Dictionary<string, double>();
        foreach (var branch in load.BranchIds)
        {
            var after = load.Attempts.Where(a => a.BranchId == branch && a.AnsweredAt >= killedAt).OrderBy(a => a.AnsweredAt).ToList();
            var lastFailure = after.LastOrDefault(a => a.Status != 200);
            var recovered = after.FirstOrDefault(a => a.Status == 200 && (lastFailure is null || a.AnsweredAt > lastFailure.AnsweredAt));
            Assert.True(recovered is not null, $"{branch} was not served again after the kill");
            servedAgain[branch] = lastFailure is null ? 0 : (recovered.AnsweredAt - killedAt).TotalSeconds;
        }
        var attempts = load.Attempts.Where(a => a.AnsweredAt >= killedAt).ToList();
        output.WriteLine($"SIGKILL of silo {victim.Number}: after it {attempts.Count} requests, {attempts.Count(a => a.Status == 503)} answered 503, {attempts.Count(a => a.Status is not (200 or 503))} failed otherwise (all retried); {load.Accepted} sightings accepted in the run");
        output.WriteLine($"seconds until each branch was served again: {string.Join(", ", servedAgain.Select(b => $"{b.Key[^8..]} {b.Value:F1}"))}; max {servedAgain.Values.Max():F1}");
        // A task whose delivery died with the silo goes out again once its report is overdue (Visits:DeliveryReportTimeout,
        // 2 minutes by default) after the cluster has declared the silo dead: minutes, not seconds.
        var (visits, lost, repeatedVisits, repeatedTasks) = await VisitsAndTasksAsync(world, load, TimeSpan.FromMinutes(4), ct);
        output.WriteLine($"visits {visits}, lost {lost}, repeated visits {repeatedVisits}, repeated tasks {repeatedTasks}; Appian tasks {world.Appian.Tasks.Count}, requests {world.Appian.Requests}");

        Assert.All(servedAgain, b => Assert.True(b.Value <= 15, $"{b.Key} was served again only {b.Value:F1} s after the kill"));
        Assert.Equal(0, lost);
        Assert.Equal(0, repeatedVisits);
    }

    /// <summary>
    /// Each person the silo answered for: one visitor, one visit, kept by the visitor grain; each visit's task in
    /// Appian (waited for), taken once. Lost: a visit answered but not kept. Repeated: a second visitor or visit for
    /// one person, a task call Appian took twice.
    /// </summary>
    private static async Task<(int Visits, int Lost, int RepeatedVisits, int RepeatedTasks)> VisitsAndTasksAsync(
        RolloutWorld world, SightingLoad load, TimeSpan tasksWithin, CancellationToken ct)
    {
        var grains = await world.ConnectAsync(ct);
        int visits = 0, lost = 0, repeatedVisits = 0;
        var answeredVisits = new List<string>();
        foreach (var (_, answers) in load.Answers)
        {
            var kept = new HashSet<string>(StringComparer.Ordinal);
            foreach (var visitor in answers.Keys.Select(a => a.VisitorId).Distinct())
            {
                var list = await RetryAsync(() => grains.GetGrain<IVisitorGrain>(visitor).GetVisits(), ct);
                kept.UnionWith(list.Select(v => v.VisitId));
            }
            var answered = answers.Keys.Select(a => a.VisitId).ToHashSet(StringComparer.Ordinal);
            answeredVisits.AddRange(answered);
            visits += answered.Count;
            lost += answered.Count(v => !kept.Contains(v));
            repeatedVisits += Math.Max(0, kept.Union(answered).Count() - 1);
        }
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!answeredVisits.All(world.Appian.Tasks.ContainsKey) && waited.Elapsed < tasksWithin)
        {
            await Task.Delay(500, ct);
        }
        TestContext.Current.TestOutputHelper!.WriteLine($"every visit's task in Appian {waited.Elapsed.TotalSeconds:F1} s after the visits were read");
        Assert.All(answeredVisits, v => Assert.True(world.Appian.Tasks.ContainsKey(v), $"visit {v} has no task in Appian"));
        var repeatedTasks = answeredVisits.Sum(v => Math.Max(0, world.Appian.AcceptedFor(v) - 1));
        return (visits, lost, repeatedVisits, repeatedTasks);
    }

    private static async Task<T> RetryAsync<T>(Func<Task<T>> call, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
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
}
