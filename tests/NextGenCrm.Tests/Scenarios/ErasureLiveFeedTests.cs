using System.Net;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Scenarios;

/// <summary>
/// An erased person leaves the live feed too: the branch's kept changes carry their name, and a browser resuming
/// from an event id before the erasure would otherwise be shown them again.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ErasureLiveFeedTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_browser_resuming_after_an_erasure_gets_a_snapshot_without_the_person()
    {
        var ct = TestContext.Current.CancellationToken;
        var branch = World.NewBranch("erased-feed");
        var feed = fixture.Grains.GetGrain<IBranchGrain>(branch);
        // A browser is watching (kept changes of a branch nobody watches are let go by themselves).
        var watcher = fixture.Grains.CreateObjectReference<IBranchObserver>(new Watcher());
        await feed.Subscribe(watcher);
        var before = (await feed.GetFeed(0, 0)).Snapshot!;
        var seen = await fixture.Grains.RecordAsync(Sightings.Of($"erased-feed-{Guid.NewGuid():N}", branch, "lobby", "t1"));
        var kept = await feed.GetFeed(before.Epoch, before.Sequence);
        Assert.Contains(kept.Changes, c => c.VisitorId == seen.VisitorId); // what a resuming browser would be sent

        using var erased = await fixture.Http.DeleteAsync($"/api/v1/visitors/{seen.VisitorId}", ct);
        var resumed = await feed.GetFeed(before.Epoch, before.Sequence);

        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        Assert.DoesNotContain(resumed.Changes, c => c.VisitorId == seen.VisitorId);
        Assert.NotNull(resumed.Snapshot);
        Assert.DoesNotContain(resumed.Snapshot!.Occupancy.Visitors, o => o.VisitorId == seen.VisitorId);
        await feed.Unsubscribe(watcher);
    }

    private sealed class Watcher : IBranchObserver
    {
        public Task OnBranchChanged(BranchChange change) => Task.CompletedTask;
    }
}
