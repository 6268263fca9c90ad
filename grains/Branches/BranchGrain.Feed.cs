using Microsoft.Extensions.Logging;
using Orleans.Utilities;

namespace NextGenCrm.Branches;

/// <summary>
/// The branch's change feed: every visit opened, extended (at most once a minute, or seen by another camera),
/// closed, every task status and camera health change goes to the subscribed observers (one per silo serving
/// dashboards) as a one-way call, so a slow subscriber never holds up a sighting.
/// </summary>
public sealed partial class BranchGrain
{
    /// <summary>How often an extension is told: the page shows minutes in branch, not seconds.</summary>
    private static readonly TimeSpan ExtensionEvery = TimeSpan.FromMinutes(1);

    /// <summary>A camera with no heartbeat for this long is offline (agents send one every few seconds).</summary>
    internal static readonly TimeSpan CameraSilentAfter = TimeSpan.FromSeconds(60);

    /// <summary>Subscribers renew every 30 s; one that stopped (its silo died) is dropped after this.</summary>
    private static readonly TimeSpan SubscriptionLasts = TimeSpan.FromSeconds(90);

    private const int ChangesKept = 512;

    /// <summary>Nobody watching for this long: the changes kept for a resuming browser are let go (memory of idle branches).</summary>
    private static readonly TimeSpan KeepChangesUnwatched = TimeSpan.FromMinutes(2);

    private readonly ChangeLog<BranchChange> _changes = new(ChangesKept);
    private readonly Dictionary<string, DateTimeOffset> _extensionTold = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CameraHealth> _cameraHealth = new(StringComparer.Ordinal);
    private ObserverManager<IBranchObserver>? _observers;
    private DateTimeOffset _lastWatched;

    private ObserverManager<IBranchObserver> Observers => _observers ??= new(SubscriptionLasts, logger);

    public Task Subscribe(IBranchObserver observer)
    {
        Observers.Subscribe(observer, observer);
        _lastWatched = TimeProvider.System.GetUtcNow();
        return Task.CompletedTask;
    }

    public Task Unsubscribe(IBranchObserver observer)
    {
        Observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task<BranchFeedPage> GetFeed(long epoch, long sequence)
    {
        if (_changes.Since(epoch, sequence) is { } changes)
        {
            return Task.FromResult(new BranchFeedPage(null, changes));
        }
        var now = clock.GetUtcNow();
        var snapshot = new BranchSnapshot(_changes.Epoch, _changes.Sequence,
            new Occupancy(BranchId, now, [.. Occupants.Values.OrderBy(o => o.Since).ThenBy(o => o.VisitorId, StringComparer.Ordinal)]),
            [.. _cameras.Values.OrderBy(c => c.CameraId, StringComparer.Ordinal).Select(c => ToBranchCamera(c, now))]);
        return Task.FromResult(new BranchFeedPage(snapshot, []));
    }

    private void Publish(BranchChangeKind kind, string? visitorId, Occupant? occupant = null, BranchCamera? camera = null)
    {
        var change = _changes.Append((epoch, sequence) =>
            new BranchChange(BranchId, epoch, sequence, kind, clock.GetUtcNow(), visitorId, occupant, camera));
        if (kind == BranchChangeKind.VisitOpened || kind == BranchChangeKind.VisitExtended)
        {
            _extensionTold[visitorId!] = occupant!.LastSeen;
        }
        else if (kind == BranchChangeKind.VisitClosed)
        {
            _extensionTold.Remove(visitorId!);
        }
        if (_observers is { Count: > 0 })
        {
            _observers.Notify(o => o.OnBranchChanged(change));
        }
    }

    /// <summary>An extension is told when a minute passed since the last one told, or another camera saw them.</summary>
    private void ForgetInFeed(string visitorId)
    {
        _changes.Forget();
        _extensionTold.Remove(visitorId);
    }

    private void PublishExtension(Occupant before, Occupant now)
    {
        var told = _extensionTold.TryGetValue(now.VisitorId, out var at) ? at : before.Since;
        if (now.LastSeen - told >= ExtensionEvery || (now.LastCameraId is not null && now.LastCameraId != before.LastCameraId))
        {
            Publish(BranchChangeKind.VisitExtended, now.VisitorId, now);
        }
    }

    private void PublishCameraIfChanged(CameraStatus status, DateTimeOffset now)
    {
        var camera = ToBranchCamera(status, now);
        if (!_cameraHealth.TryGetValue(status.CameraId, out var known) || known != camera.Health)
        {
            _cameraHealth[status.CameraId] = camera.Health;
            Publish(BranchChangeKind.CameraChanged, null, camera: camera);
        }
    }

    /// <summary>Called every second: a camera whose heartbeats stopped goes offline without anyone telling, and an unwatched branch lets its kept changes go.</summary>
    private Task CheckCamerasAsync(CancellationToken cancellationToken)
    {
        if (_observers is not { Count: > 0 } && TimeProvider.System.GetUtcNow() - _lastWatched > KeepChangesUnwatched)
        {
            _changes.Forget();
        }
        if (_cameras.Count > 0)
        {
            var now = clock.GetUtcNow();
            foreach (var status in _cameras.Values)
            {
                PublishCameraIfChanged(status, now);
            }
        }
        return Task.CompletedTask;
    }

    private static BranchCamera ToBranchCamera(CameraStatus status, DateTimeOffset now)
    {
        var health = status.LastHeartbeatAt is not { } at || now - at >= CameraSilentAfter || status.LastHeartbeat?.Status == "offline"
            ? CameraHealth.Offline
            : status.LastHeartbeat?.Status == "degraded" ? CameraHealth.Degraded : CameraHealth.Online;
        return new BranchCamera(status.CameraId, health, status.LastHeartbeatAt, status.LastHeartbeat?.FramesPerSecond ?? 0, status.IsExit);
    }
}
