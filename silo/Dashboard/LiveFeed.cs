using System.Threading.Channels;

namespace NextGenCrm.Silo.Dashboard;

/// <summary>
/// One grain's change feed as this silo's browsers share it: a single observer subscription to the grain, fanned
/// out to a bounded buffer per browser. Offering a change never waits: a browser whose buffer is full is dropped
/// (its stream ends, and its EventSource reconnects and resumes from its Last-Event-ID), so a slow tablet cannot
/// slow the grain, the ingest, or the other browsers.
/// </summary>
public sealed partial class LiveFeed<TChange>(
    string name, Func<LiveFeed<TChange>, Task> subscribe, Func<LiveFeed<TChange>, Task> unsubscribe,
    Action<LiveFeed<TChange>> onIdle, ILogger logger) : IAsyncDisposable
    where TChange : class, IFeedItem
{
    private readonly Lock _gate = new();
    private readonly HashSet<FeedClient<TChange>> _clients = [];
    private Task _subscribed = Task.CompletedTask;
    private bool _active;
    private Timer? _renewal;

    /// <summary>Observers expire in the grain after 90 s: renewed well within it (and a renewal that fails is retried at the next).</summary>
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(20);

    public string Name => name;

    public int ClientCount
    {
        get { lock (_gate) return _clients.Count; }
    }

    /// <summary>Adds a browser; its buffer receives every change from now on. Await <see cref="FeedClient{T}.Ready"/> before reading the grain.</summary>
    public FeedClient<TChange> Join(int capacity)
    {
        var client = new FeedClient<TChange>(this, capacity);
        lock (_gate)
        {
            _clients.Add(client);
            if (!_active)
            {
                _active = true;
                _subscribed = SubscribeAsync();
                _renewal = new Timer(_ => _ = RenewAsync(), null, RenewEvery, RenewEvery);
            }
            client.Ready = _subscribed;
        }
        return client;
    }

    internal void Leave(FeedClient<TChange> client)
    {
        lock (_gate)
        {
            if (!_clients.Remove(client) || _clients.Count > 0)
            {
                return;
            }
        }
        // The owner retires the feed under its own lock, so a browser joining at this moment gets a new one.
        onIdle(this);
    }

    /// <summary>Ends the subscription if no browser joined meanwhile; true when it did.</summary>
    public bool TryRetire()
    {
        Timer? renewal;
        lock (_gate)
        {
            if (_clients.Count > 0 || !_active)
            {
                return false;
            }
            _active = false;
            renewal = _renewal;
            _renewal = null;
        }
        renewal?.Dispose();
        _ = UnsubscribeQuietlyAsync();
        return true;
    }

    /// <summary>A change from the grain: offered to every browser, never waiting for one.</summary>
    public void Offer(TChange change)
    {
        FeedClient<TChange>[] clients;
        lock (_gate)
        {
            clients = [.. _clients];
        }
        foreach (var client in clients)
        {
            if (!client.TryOffer(change))
            {
                LogSlowClientDropped(name);
                Leave(client);
            }
        }
    }

    private async Task SubscribeAsync()
    {
        await subscribe(this);
    }

    private async Task RenewAsync()
    {
        try
        {
            await subscribe(this);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            LogRenewalFailed(name, failure.GetType().Name);
        }
    }

    private async Task UnsubscribeQuietlyAsync()
    {
        try
        {
            await unsubscribe(this);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            // The grain drops an observer that stops renewing anyway.
            LogUnsubscribeFailed(name, failure.GetType().Name);
        }
    }

    public async ValueTask DisposeAsync()
    {
        FeedClient<TChange>[] clients;
        lock (_gate)
        {
            clients = [.. _clients];
        }
        foreach (var client in clients)
        {
            client.Close();
        }
        if (_renewal is not null)
        {
            await _renewal.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A dashboard client of {Feed} fell behind and was dropped; it reconnects and resumes")]
    private partial void LogSlowClientDropped(string feed);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dashboard subscription to {Feed} not ended: {Error}")]
    private partial void LogUnsubscribeFailed(string feed, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dashboard subscription to {Feed} not renewed: {Error}")]
    private partial void LogRenewalFailed(string feed, string error);
}

/// <summary>One browser's bounded buffer of changes.</summary>
public sealed class FeedClient<TChange> : IDisposable
    where TChange : class, IFeedItem
{
    private readonly LiveFeed<TChange> _feed;
    private readonly Channel<TChange> _buffer;

    internal FeedClient(LiveFeed<TChange> feed, int capacity)
    {
        _feed = feed;
        _buffer = Channel.CreateBounded<TChange>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails instead of waiting: that is when the client is dropped
        });
    }

    /// <summary>Completes once the grain knows this silo is listening: changes after it reach the buffer.</summary>
    public Task Ready { get; internal set; } = Task.CompletedTask;

    /// <summary>True when the client was dropped for falling behind.</summary>
    public bool FellBehind { get; private set; }

    public ChannelReader<TChange> Changes => _buffer.Reader;

    internal bool TryOffer(TChange change)
    {
        if (_buffer.Writer.TryWrite(change))
        {
            return true;
        }
        FellBehind = true;
        _buffer.Writer.TryComplete();
        return false;
    }

    internal void Close() => _buffer.Writer.TryComplete();

    public void Dispose()
    {
        _buffer.Writer.TryComplete();
        _feed.Leave(this);
    }
}
