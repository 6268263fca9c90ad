using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.Visits;

namespace NextGenCrm.Branches;

/// <summary>
/// Who is inside one branch now, fed by the visitors. An arrival is written through before the visitor
/// writes its visit (arrivals at the same moment share one write); everything else (last seen, task
/// status, departures) is written behind, at most once a second: what a crash loses there is restored by
/// the visitors themselves, who report every visit they extend (<see cref="VisitorSeen"/>), and a
/// departure lost that way is dropped by the backstop.
/// </summary>
/// <remarks>
/// The branch is the durable backstop of its open visits: one reminder per occupied branch (not one per
/// visit) wakes the visitors not seen for the inactivity timeout, or whose effects are not settled after
/// the delivery report timeout, so a visit whose grain died with its silo still closes and still gets its
/// task. Since the arrival is durable before the visit's outbox is, no crash leaves an owed visit unwatched.
/// </remarks>
[NextGenCrm.Placement.BranchPlacement] // with its cameras and registrar (bench/README.md, scale-out)
public sealed partial class BranchGrain(
    [PersistentState("branch", StorageNames.Visits)] IPersistentState<BranchState> state,
    [FromKeyedServices(GrainClock.Key)] TimeProvider clock,
    IOptions<VisitPolicy> policy,
    ILogger<BranchGrain> logger) : Grain, IBranchGrain, IRemindable
{
    private const string BackstopReminder = "occupancy-backstop";
    private static readonly TimeSpan FlushEvery = TimeSpan.FromSeconds(1);
    private const int DeparturesRemembered = 1024;

    private readonly Dictionary<string, CameraStatus> _cameras = new(StringComparer.Ordinal);
    /// <summary>Visits that left lately: a late one-way "still here" must not bring them back.</summary>
    private readonly HashSet<string> _departed = new(StringComparer.Ordinal);
    private readonly Queue<string> _departureOrder = new();
    private bool _backstopRegistered;
    private Task? _registering;
    private Task? _unregistering;
    private readonly WriteBehind<BranchState> _writeBehind = new(state);

    private Dictionary<string, Occupant> Occupants => state.State.Occupants;
    private string BranchId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(_writeBehind.FlushAsync, FlushEvery, FlushEvery);
        this.RegisterGrainTimer(CheckCamerasAsync, FlushEvery, FlushEvery);
        if (Occupants.Count > 0)
        {
            // After a failover the index may have lost this branch's count: tell it again.
            ReportCount();
            await EnsureBackstopAsync();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (reason.ReasonCode == DeactivationReasonCode.ShuttingDown && !policy.Value.SaveOnShutdown)
        {
            return;
        }
        try
        {
            await _writeBehind.FlushAsync(cancellationToken);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            LogFlushFailed(BranchId, failure.GetType().Name);
        }
    }

    public async Task VisitorArrived(Occupant occupant)
    {
        if (!Occupants.TryGetValue(occupant.VisitorId, out var current) || current.VisitId != occupant.VisitId)
        {
            Occupants[occupant.VisitorId] = occupant;
            Changed();
            Publish(BranchChangeKind.VisitOpened, occupant.VisitorId, occupant);
        }
        // The reminder first, then the occupant: both durable before the visitor writes what the visit owes.
        await EnsureBackstopAsync();
        await _writeBehind.WrittenAsync();
    }

    public async Task VisitorSeen(Occupant occupant)
    {
        if (Occupants.TryGetValue(occupant.VisitorId, out var known) && known.VisitId == occupant.VisitId)
        {
            // Written behind: lost with a crash, it costs the visitor one wake-up from the backstop.
            Occupants[occupant.VisitorId] = known with
            {
                LastSeen = occupant.LastSeen > known.LastSeen ? occupant.LastSeen : known.LastSeen,
                LastCameraId = occupant.LastCameraId ?? known.LastCameraId,
                TaskStatus = occupant.TaskStatus,
                EffectsSettled = occupant.EffectsSettled,
            };
            var seen = Occupants[occupant.VisitorId];
            if (seen.TaskStatus != known.TaskStatus || seen.EffectsSettled != known.EffectsSettled)
            {
                Changed(); // staff see the task's status, and the backstop stops waking a settled visitor, after a restart too
            }
            if (seen.LastSeen > known.LastSeen)
            {
                PublishExtension(known, seen);
            }
            if (seen.TaskStatus != known.TaskStatus)
            {
                Publish(BranchChangeKind.TaskStatusChanged, occupant.VisitorId, seen);
            }
            return;
        }
        if (!_departed.Contains(occupant.VisitId))
        {
            // An arrival this branch lost (written behind when its silo died): the visitor's report restores it.
            await VisitorArrived(occupant);
        }
    }

    /// <summary>
    /// An erasure: the person leaves the occupancy and the live feed's kept changes (which carry their name) go, so a
    /// browser resuming from an older event id gets a fresh snapshot without them.
    /// </summary>
    public Task ForgetVisitor(string visitorId)
    {
        if (Occupants.Remove(visitorId))
        {
            Changed();
        }
        ForgetInFeed(visitorId);
        return Task.CompletedTask;
    }

    public Task VisitorLeft(string visitorId, string visitId)
    {
        Remember(visitId);
        if (Occupants.TryGetValue(visitorId, out var occupant) && occupant.VisitId == visitId)
        {
            Occupants.Remove(visitorId);
            Changed();
            Publish(BranchChangeKind.VisitClosed, visitorId, occupant);
        }
        return Task.CompletedTask;
    }

    public Task CameraReported(CameraStatus status)
    {
        _cameras[status.CameraId] = status;
        PublishCameraIfChanged(status, clock.GetUtcNow());
        return Task.CompletedTask;
    }

    public Task<Occupancy> GetOccupancy() => Task.FromResult(new Occupancy(
        BranchId, clock.GetUtcNow(), [.. Occupants.Values.OrderBy(o => o.Since).ThenBy(o => o.VisitorId, StringComparer.Ordinal)]));

    public Task<DateTimeOffset?> LastSeen(string visitorId, string visitId) =>
        Task.FromResult(Occupants.TryGetValue(visitorId, out var occupant) && occupant.VisitId == visitId ? occupant.LastSeen : (DateTimeOffset?)null);

    public Task<IReadOnlyList<CameraStatus>> GetCameras() =>
        Task.FromResult<IReadOnlyList<CameraStatus>>([.. _cameras.Values.OrderBy(c => c.CameraId, StringComparer.Ordinal)]);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        _backstopRegistered = true;
        if (Occupants.Count == 0)
        {
            // Empty for a whole period: stop ticking until someone arrives. An arrival meanwhile (arrivals
            // interleave) waits for this and registers again before it answers.
            _unregistering = UnregisterBackstopAsync();
            await _unregistering;
            return;
        }
        var now = clock.GetUtcNow();
        var rules = policy.Value;
        foreach (var occupant in Occupants.Values.ToList())
        {
            var unseenFor = now - occupant.LastSeen;
            if (unseenFor >= rules.InactivityTimeout + (2 * rules.BackstopPeriod))
            {
                // The visitor would have closed this visit and said so by now: its departure was lost.
                Occupants.Remove(occupant.VisitorId);
                Changed();
                Publish(BranchChangeKind.VisitClosed, occupant.VisitorId, occupant);
                continue;
            }
            // The visitor decides; a stale last-seen here (say, after this grain moved) only costs a wake-up.
            var effectsOverdue = !occupant.EffectsSettled && now - occupant.Since >= rules.DeliveryReportTimeout;
            if (unseenFor >= rules.InactivityTimeout || effectsOverdue)
            {
                _ = GrainFactory.GetGrain<IVisitorGrain>(occupant.VisitorId).StillListed(BranchId, occupant.VisitId);
            }
        }
    }

    private void Changed()
    {
        // A version stamp, not business time: the persisted version lags (written behind), so after a
        // failover counting on from it would fall below what the index has seen; wall-clock ticks do not.
        state.State.Version = Math.Max(state.State.Version + 1, TimeProvider.System.GetUtcNow().UtcTicks);
        _writeBehind.Changed();
        ReportCount();
    }

    private void Remember(string visitId)
    {
        if (_departed.Add(visitId))
        {
            _departureOrder.Enqueue(visitId);
            if (_departureOrder.Count > DeparturesRemembered)
            {
                _departed.Remove(_departureOrder.Dequeue());
            }
        }
    }


    private async Task EnsureBackstopAsync()
    {
        if (_unregistering is { IsCompleted: false } unregistering)
        {
            await unregistering;
        }
        if (_backstopRegistered)
        {
            return;
        }
        // Arrivals interleave: the first registers, the others await the same registration.
        if (_registering is null || _registering.IsFaulted)
        {
            _registering = RegisterBackstopAsync();
        }
        await _registering;
    }

    private async Task UnregisterBackstopAsync()
    {
        _backstopRegistered = false;
        _registering = null;
        if (await this.GetReminder(BackstopReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private async Task RegisterBackstopAsync()
    {
        await this.RegisterOrUpdateReminder(BackstopReminder, policy.Value.BackstopPeriod, policy.Value.BackstopPeriod);
        _backstopRegistered = true;
    }

    private void ReportCount() =>
        _ = GrainFactory.GetGrain<IBranchIndexGrain>(IBranchIndexGrain.Key)
            .ReportOccupancy(new BranchCount(BranchId, Occupants.Count, clock.GetUtcNow(), state.State.Version));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Branch {BranchId} occupancy not flushed on deactivation: {Error}")]
    private partial void LogFlushFailed(string branchId, string error);
}

[GenerateSerializer, Alias("NextGenCrm.Branches.BranchState")]
public sealed class BranchState
{
    [Id(0)] public Dictionary<string, Occupant> Occupants { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Grows with every arrival and departure; orders the one-way reports to the index.</summary>
    [Id(1)] public long Version { get; set; }
}
