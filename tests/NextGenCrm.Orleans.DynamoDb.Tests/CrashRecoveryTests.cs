using System.Diagnostics;
using Orleans;
using Orleans.Runtime;
using Orleans.Runtime.Placement;
using Orleans.TestingHost;

namespace NextGenCrm.Orleans.DynamoDb.Tests;

/// <summary>
/// A visitor grain lost with its silo starts again from the state it last wrote, whose last-seen time
/// can be up to Visits:PersistLastSeenEvery old; the branch, told of every extension, gives it the real one.
/// </summary>
[Collection(VisitClusterCollection.Name)]
public sealed class CrashRecoveryTests(DynamoDbLocalFixture dynamo)
{
    private static readonly TimeSpan InactivityTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ForwardInterval = TimeSpan.FromSeconds(1);
    // Nothing but the opening is written within the test: the last-seen time lives in memory only.
    private static readonly TimeSpan PersistLastSeenEvery = TimeSpan.FromSeconds(50);

    [Fact]
    public async Task A_visitor_whose_silo_dies_takes_its_last_seen_time_from_its_branch()
    {
        var ct = TestContext.Current.CancellationToken;
        var output = TestContext.Current.TestOutputHelper!;
        var world = VisitWorld.Create();
        var suffix = Guid.NewGuid().ToString("N");
        // An in-process kill still deactivates the silo's grains as a shutdown; not saving then makes it
        // the crash it stands for (the state stays as last written).
        var cluster = VisitCluster.Build(2, dynamo.Dynamo.ServiceUrl, suffix, world, InactivityTimeout, ForwardInterval, PersistLastSeenEvery, saveOnShutdown: false);
        await using var _ = cluster;
        await cluster.DeployAsync(ct);
        var grains = cluster.Client;
        var management = grains.GetGrain<IManagementGrain>(0);

        // The branch on one silo, the camera and the visitor on the other, which is the one to die.
        var person = new Person(0, suffix[..8], 1);
        var branchSilo = cluster.Silos[0];
        var victim = cluster.Silos[1];
        RequestContext.Set(IPlacementDirector.PlacementHintKey, branchSilo.SiloAddress);
        await grains.GetGrain<IBranchGrain>(person.BranchId).GetOccupancy();
        RequestContext.Set(IPlacementDirector.PlacementHintKey, victim.SiloAddress);
        await SightAsync(grains, person);
        RequestContext.Clear();
        Assert.Equal(victim.SiloAddress, await management.GetActivationAddress(grains.GetGrain<IVisitorGrain>(person.VisitorId), ct));
        Assert.Equal(branchSilo.SiloAddress, await management.GetActivationAddress(grains.GetGrain<IBranchGrain>(person.BranchId), ct));
        var opened = Assert.Single(await grains.GetGrain<IVisitorGrain>(person.VisitorId).GetVisits());

        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(6))
        {
            await Task.Delay(ForwardInterval + TimeSpan.FromMilliseconds(100), ct);
            await SightAsync(grains, person);
        }
        var lastSighted = person.LastSighted;
        var beforeKill = Assert.Single(await grains.GetGrain<IVisitorGrain>(person.VisitorId).GetVisits());
        await cluster.KillSiloAsync(victim, ct);

        var afterKill = await AnswerAfterFailoverAsync(() => grains.GetGrain<IVisitorGrain>(person.VisitorId).GetVisits(), ct);
        output.WriteLine($"opened {opened.OpenedAt:HH:mm:ss.fff}, last sighted {lastSighted:HH:mm:ss.fff}, last seen before the kill {beforeKill.LastSeenAt:HH:mm:ss.fff}, after {Assert.Single(afterKill).LastSeenAt:HH:mm:ss.fff}");

        var visit = Assert.Single(afterKill);
        Assert.Equal(opened.VisitId, visit.VisitId);
        Assert.Null(visit.ClosedAt);
        Assert.True(beforeKill.LastSeenAt - opened.OpenedAt >= TimeSpan.FromSeconds(4), "the visit was extended before the kill");
        // The branch hears of each extension one way: the very last report may still have been on its way.
        Assert.InRange(visit.LastSeenAt, beforeKill.LastSeenAt - ForwardInterval - TimeSpan.FromMilliseconds(500), beforeKill.LastSeenAt);
        Assert.Single(world.Tasks.Assigned, t => t.VisitId == visit.VisitId);
    }

    private static async Task SightAsync(IGrainFactory grains, Person person)
    {
        var at = DateTimeOffset.UtcNow;
        var result = await grains.GetGrain<ICameraGrain>(CameraKeys.Format(person.BranchId, person.CameraId)).RecordSighting(
            new Sighting(Guid.NewGuid().ToString("N"), person.BranchId, person.CameraId, person.TrackId, at, person.FaceToken, null, null));
        person.Accepted(result, at);
    }

    /// <summary>Calls until the cluster has moved past the dead silo (calls to it fail or time out meanwhile).</summary>
    private static async Task<T> AnswerAfterFailoverAsync<T>(Func<Task<T>> call, CancellationToken ct)
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
                await Task.Delay(200, ct);
            }
        }
    }
}
