using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace NextGenCrm.Visits;

/// <summary>
/// One person: holds their state, timers and calls around the plain rules of <see cref="VisitLedger"/>
/// (open, extend, late sighting, reopen, close) and <see cref="VisitOutbox"/> (what is owed, claimed,
/// delivered, due). Whatever crashes in between, every state in which an effect is owed is reachable from
/// durable state: an open visit from its branch's occupant list, written through on arrival before the
/// visit's own write (and the branch's reminder); a closed visit that owes anything from this grain's own
/// reminder, registered before the write that closes it.
/// </summary>
[Orleans.Placement.PreferLocalPlacement] // where first called: a camera, so with its branch (bench/README.md, scale-out)
public sealed partial class VisitorGrain : Grain, IVisitorGrain, IRemindable
{
    private const string BackstopReminder = "visit-backstop";

    private const string StateName = "visitor";

    /// <summary>
    /// The grain storage used directly rather than through <c>IPersistentState</c>, whose bridge
    /// subscribes every activation to a lifecycle and a migration list: about 300 bytes per active
    /// visitor, measured (bench/README.md). Read on activation, written by <see cref="WriteAsync"/>.
    /// </summary>
    private readonly IGrainStorage _storage;
    private readonly GrainState<VisitorState> _state = new(new VisitorState());
    private readonly TimeProvider _clock;
    private readonly VisitPolicy _policy;
    private readonly VisitOutbox _outbox;
    private readonly VisitMetrics _metrics;
    private HashSet<string> _reportedOwed = new(StringComparer.Ordinal);
    private readonly PersonalData _personalData;
    private readonly ILogger<VisitorGrain> _logger;

    private IVisitorGrain _self = null!;
    private ITimer? _wakeTimer;
    private DateTimeOffset _wakeAt = DateTimeOffset.MaxValue;
    private bool _backstopRegistered;
    private bool _unsavedDeliveries;
    private bool _writeFailed;

    public VisitorGrain(
        [FromKeyedServices(StorageNames.Visits)] IGrainStorage storage,
        [FromKeyedServices(GrainClock.Key)] TimeProvider clock,
        IOptions<VisitPolicy> policy,
        VisitMetrics metrics,
        PersonalData personalData,
        ILogger<VisitorGrain> logger)
    {
        _personalData = personalData;
        _storage = storage;
        _clock = clock;
        _policy = policy.Value;
        _outbox = new VisitOutbox(_policy);
        _metrics = metrics;
        _logger = logger;
    }

    private VisitorState State => _state.State!;
    private VisitLedger Ledger => new(State, _policy);
    private string VisitorId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await _storage.ReadStateAsync(StateName, this.GetGrainId(), _state);
        _state.State ??= new VisitorState();
        _self = GrainFactory.GetGrain<IVisitorGrain>(VisitorId);
        foreach (var visit in State.OpenVisits)
        {
            visit.PersistedLastSeenAt = visit.LastSeenAt;
            await TakeUpLastSeenAsync(visit);
        }
        if (State.HasWorkLeft)
        {
            // Reactivated after a deactivation or a silo failure: pick up where the last activation stopped.
            await WakeAsync();
        }
    }

    /// <summary>
    /// After a crash the written last-seen time can be up to <see cref="VisitPolicy.LastSeenPersistStep"/>
    /// old; the branch, told of every extension, usually knows better (unless it died too).
    /// </summary>
    private async Task TakeUpLastSeenAsync(Visit visit)
    {
        try
        {
            if (await Branch(visit.BranchId).LastSeen(VisitorId, visit.VisitId) is { } seen && seen > visit.LastSeenAt)
            {
                visit.LastSeenAt = seen;
            }
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            // The written time stands: the visit may close early, and a later sighting takes it up again.
            LogBranchNotAsked(VisitorId, failure.GetType().Name);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _wakeTimer?.Dispose();
        // Counted on this silo while the visitor is active here; its reminder brings it back where it is counted again.
        ForgetOwed();
        var unsaved = _unsavedDeliveries || State.OpenVisits.Exists(v => v.LastSeenAt != v.PersistedLastSeenAt);
        if (unsaved && !_writeFailed && (reason.ReasonCode != DeactivationReasonCode.ShuttingDown || _policy.SaveOnShutdown))
        {
            // Best effort: delivery marks and the exact last-seen time (a rolling deploy moves open visits).
            // If this write is lost, the next order reads the history record for the receipts, and the visit
            // goes on from the last-seen time written before.
            try
            {
                await _storage.WriteStateAsync(StateName, this.GetGrainId(), _state);
            }
            catch (Exception failure) when (failure is not OutOfMemoryException)
            {
                LogStateUnsaved(VisitorId, failure.GetType().Name);
            }
        }
    }

    public async Task<VisitSightingResult> RecordSighting(VisitorSighting sighting)
    {
        if (State.MergedInto is not null)
        {
            return await PassOnAsync(sighting);
        }
        await ThrowIfErasedAsync();
        var now = _clock.GetUtcNow();
        KeepCropKey(sighting.ImageKey, now);
        var change = Ledger.Sight(sighting, now);
        if (change.Arrived is { } arrived)
        {
            // The branch holds the arrival durably before this visit's outbox is written: whatever crashes
            // after this, its reminder finds the visit (a visit it finds that was never written is dropped).
            await ArriveAsync(arrived, sighting.CameraId);
        }
        var toDeliver = change.Arrived ?? change.Opened;
        var claim = toDeliver is null ? null : _outbox.Claim(toDeliver, now);
        if (change.MustWrite || claim is not null)
        {
            await WriteAsync();
        }
        if (change.Opened is { } visit)
        {
            _metrics.VisitOpened();
            LogVisitOpened(visit.VisitId, sighting.BranchId, sighting.Profile.Kind);
            if (visit.ClosedAt is not null)
            {
                Closed(visit);
            }
            if (change.AddsFace)
            {
                _ = GrainFactory.GetGrain<IFaceRegistrarGrain>(visit.BranchId)
                    .AddFace(sighting.PersonId ?? VisitorId, new UnmatchedFace(null, sighting.ImageKey, sighting.FaceToken, now, sighting.FaceDescriptor));
            }
        }
        if (claim is not null)
        {
            Send(toDeliver!, claim);
        }
        foreach (var closed in change.Closed)
        {
            Closed(closed);
        }
        if (change.Extended is { } extended)
        {
            _ = Branch(extended.BranchId).VisitorSeen(ToOccupant(extended, sighting.CameraId));
        }
        await AnnounceClosedAsync(change.Closed);
        await SettleAsync(now);
        return change.Result;
    }

    public Task<IReadOnlyList<VisitSummary>> GetVisits() =>
        Task.FromResult<IReadOnlyList<VisitSummary>>(
            [.. State.AllVisits.OrderByDescending(v => v.OpenedAt).Select(v => v.ToSummary())]);

    private async Task ArriveAsync(Visit visit, string? cameraId = null)
    {
        try
        {
            await Branch(visit.BranchId).VisitorArrived(ToOccupant(visit, cameraId));
        }
        catch
        {
            // The ledger has the visit in memory only: start over from what storage holds.
            _writeFailed = true;
            DeactivateOnIdle();
            throw;
        }
    }

    private void Closed(Visit visit)
    {
        _metrics.VisitClosed();
        LogVisitClosed(visit.VisitId, visit.BranchId, visit.CloseReason ?? "");
    }

    private async Task AnnounceClosedAsync(IReadOnlyList<Visit> closed)
    {
        foreach (var visit in closed)
        {
            await Branch(visit.BranchId).VisitorLeft(VisitorId, visit.VisitId);
        }
    }

    /// <summary>
    /// Writes the state. A closed visit that owes anything leaves its branch's watch with this write, so
    /// this grain's own reminder is registered first: no crash between the two leaves it unreachable.
    /// </summary>
    private async Task WriteAsync()
    {
        if (VisitOutbox.NeedsOwnReminder(State))
        {
            await EnsureBackstopAsync();
        }
        try
        {
            await _storage.WriteStateAsync(StateName, this.GetGrainId(), _state);
        }
        catch
        {
            // The in-memory state is ahead of storage now: start over from what storage holds.
            _writeFailed = true;
            DeactivateOnIdle();
            throw;
        }
        foreach (var visit in State.OpenVisits)
        {
            visit.PersistedLastSeenAt = visit.LastSeenAt;
        }
        _unsavedDeliveries = false;
    }

    private Occupant ToOccupant(Visit visit, string? cameraId = null) => new(
        VisitorId, State.Profile!.Kind, State.Profile.CustomerName, visit.OpenedAt, visit.LastSeenAt, visit.VisitId,
        VisitOutbox.TaskStatus(visit), cameraId, !visit.HasPendingEffects);

    private IBranchGrain Branch(string branchId) => GrainFactory.GetGrain<IBranchGrain>(branchId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Visit {VisitId} opened at {BranchId} for a {Kind} visitor")]
    private partial void LogVisitOpened(string visitId, string branchId, VisitorKind kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Visit {VisitId} at {BranchId} closed: {Reason}")]
    private partial void LogVisitClosed(string visitId, string branchId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Visitor {VisitorId}: state not saved on deactivation ({Error}); deliveries since the last write are checked against the history record")]
    private partial void LogStateUnsaved(string visitorId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Visitor {VisitorId}: branch not asked for the last-seen time ({Error}); going on from the written one")]
    private partial void LogBranchNotAsked(string visitorId, string error);
}
