using System.Collections.Concurrent;

namespace NextGenCrm.Silo.Dashboard;

/// <summary>
/// This silo's live feeds: one per branch watched from here, and the all-branches summary. Each is a grain
/// observer of its grain (see the README on why observers rather than streams).
/// </summary>
public sealed class BranchFeeds(IGrainFactory grains, ILoggerFactory loggers) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, LiveFeed<BranchChange>> _branches = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly ILogger _logger = loggers.CreateLogger("NextGenCrm.Silo.Dashboard.BranchFeeds");
    private LiveFeed<BranchSummaryChange>? _summary;

    public IGrainFactory Grains => grains;

    public FeedClient<BranchChange> JoinBranch(string branchId, int capacity)
    {
        lock (_gate)
        {
            var feed = _branches.GetOrAdd(branchId, id => NewBranchFeed(id));
            return feed.Join(capacity);
        }
    }

    public FeedClient<BranchSummaryChange> JoinSummary(int capacity)
    {
        lock (_gate)
        {
            _summary ??= NewSummaryFeed();
            return _summary.Join(capacity);
        }
    }

    private LiveFeed<BranchChange> NewBranchFeed(string branchId)
    {
        var observer = new BranchObserver();
        IBranchObserver? reference = null;
        var feed = new LiveFeed<BranchChange>(
            $"branch {branchId}",
            subscribe: async f =>
            {
                observer.Feed = f;
                reference ??= grains.CreateObjectReference<IBranchObserver>(observer);
                await grains.GetGrain<IBranchGrain>(branchId).Subscribe(reference);
            },
            unsubscribe: async _ =>
            {
                if (reference is not null)
                {
                    await grains.GetGrain<IBranchGrain>(branchId).Unsubscribe(reference);
                    grains.DeleteObjectReference<IBranchObserver>(reference);
                }
            },
            onIdle: f =>
            {
                lock (_gate)
                {
                    if (f.TryRetire())
                    {
                        _branches.TryRemove(new KeyValuePair<string, LiveFeed<BranchChange>>(branchId, f));
                    }
                }
            },
            _logger);
        return feed;
    }

    private LiveFeed<BranchSummaryChange> NewSummaryFeed()
    {
        var observer = new SummaryObserver();
        IBranchSummaryObserver? reference = null;
        var index = grains.GetGrain<IBranchIndexGrain>(IBranchIndexGrain.Key);
        return new LiveFeed<BranchSummaryChange>(
            "all branches",
            subscribe: async f =>
            {
                observer.Feed = f;
                reference ??= grains.CreateObjectReference<IBranchSummaryObserver>(observer);
                await index.Subscribe(reference);
            },
            unsubscribe: async _ =>
            {
                if (reference is not null)
                {
                    await index.Unsubscribe(reference);
                    grains.DeleteObjectReference<IBranchSummaryObserver>(reference);
                }
            },
            onIdle: f =>
            {
                lock (_gate)
                {
                    if (_summary == f && f.TryRetire())
                    {
                        _summary = null;
                    }
                }
            },
            _logger);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var feed in _branches.Values)
        {
            await feed.DisposeAsync();
        }
        if (_summary is not null)
        {
            await _summary.DisposeAsync();
        }
    }

    private sealed class BranchObserver : IBranchObserver
    {
        public LiveFeed<BranchChange>? Feed { get; set; }

        public Task OnBranchChanged(BranchChange change)
        {
            Feed?.Offer(change);
            return Task.CompletedTask;
        }
    }

    private sealed class SummaryObserver : IBranchSummaryObserver
    {
        public LiveFeed<BranchSummaryChange>? Feed { get; set; }

        public Task OnSummaryChanged(BranchSummaryChange change)
        {
            Feed?.Offer(change);
            return Task.CompletedTask;
        }
    }
}
