using Microsoft.Extensions.Logging.Abstractions;
using NextGenCrm.Silo.Dashboard;

namespace NextGenCrm.Tests.Scenarios;

/// <summary>One silo's fan-out of a branch feed to its browsers: bounded per browser, never waiting for one.</summary>
public sealed class LiveFeedTests
{
    private static BranchChange Change(long sequence) =>
        new("b", 1, sequence, BranchChangeKind.VisitExtended, DateTimeOffset.UtcNow, $"v{sequence}", null, null);

    [Fact]
    public async Task A_browser_that_falls_behind_is_dropped_while_the_others_get_every_change()
    {
        var subscribed = 0;
        var unsubscribed = 0;
        LiveFeed<BranchChange>? retired = null;
        var feed = new LiveFeed<BranchChange>("test", _ => { subscribed++; return Task.CompletedTask; }, _ => { unsubscribed++; return Task.CompletedTask; },
            f => { if (f.TryRetire()) retired = f; }, NullLogger.Instance);
        using var slow = feed.Join(capacity: 8);
        using var keeping = feed.Join(capacity: 8);
        await slow.Ready;
        Assert.Equal(1, subscribed); // one subscription for the silo, not one per browser

        var received = new List<long>();
        for (var sequence = 1; sequence <= 40; sequence++)
        {
            feed.Offer(Change(sequence)); // never waits: the slow browser is not reading at all
            while (keeping.Changes.TryRead(out var change))
            {
                received.Add(change.Sequence);
            }
        }

        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), received);
        Assert.True(slow.FellBehind);
        var buffered = new List<long>();
        await foreach (var change in slow.Changes.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            buffered.Add(change.Sequence);
        }
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), buffered); // what it had, then its stream ends
        Assert.Equal(1, feed.ClientCount);

        keeping.Dispose();
        Assert.Same(feed, retired);
        Assert.Equal(1, unsubscribed);
    }
}
