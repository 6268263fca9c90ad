using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace NextGenCrm.Visits;

/// <summary>
/// One person. Opens a visit on the first sighting at a branch, extends it with later ones and
/// closes it after the inactivity timeout or at an exit camera. Opening writes the visit's outbox
/// in the same state write; the courier delivers it and reports back here.
/// </summary>
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
    private readonly VisitMetrics _metrics;
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
        _metrics = metrics;
        _logger = logger;
    }

    private VisitorState State => _state.State!;
    private string VisitorId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await _storage.ReadStateAsync(StateName, this.GetGrainId(), _state);
        _state.State ??= new VisitorState();
        State.Upgrade();
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
        var unsaved = _unsavedDeliveries || State.OpenVisits.Exists(v => v.LastSeenAt != v.PersistedLastSeenAt);
        if (unsaved && !_writeFailed && (reason.ReasonCode != DeactivationReasonCode.ShuttingDown || _policy.SaveOnShutdown))
        {
            // Best effort: delivery marks and the exact last-seen time (a rolling deploy moves open visits).
            // If this write is lost, deliveries are made again under the same visit id, and the visit goes
            // on from the last-seen time written before.
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
        var closed = CloseExpired(now);
        var mustWrite = closed.Count > 0 || State.Profile != sighting.Profile;
        KeepCropKey(sighting.ImageKey, now);
        State.Profile = sighting.Profile;

        VisitSightingResult result;
        var addFace = false;
        Visit? opened = null;
        Visit? reopened = null;
        var visit = State.OpenAt(sighting.BranchId);
        if (visit is not null)
        {
            if (sighting.AtExit)
            {
                Close(visit, now, Visit.ExitReason);
                visit.ExitSeenAt = sighting.CapturedAt;
                closed.Add(visit);
                mustWrite = true;
                result = new(visit.VisitId, SightingOutcome.VisitClosed);
            }
            else
            {
                mustWrite |= Extend(visit, sighting);
                result = new(visit.VisitId, SightingOutcome.VisitExtended);
            }
        }
        else if (sighting.AtExit)
        {
            mustWrite |= RememberExitWithoutVisit(sighting);
            result = new(null, SightingOutcome.ExitWithoutVisit);
        }
        else if (LateSightingOf(sighting) is { } earlier)
        {
            // A sighting from inside a visit already closed (an edge buffer draining after an outage, or one
            // the exit camera's sighting overtook): it belongs to that visit. It reopens the visit only if it
            // is recent and the visit closed for inactivity; one closed at an exit stays closed.
            Extend(earlier, sighting);
            mustWrite = true;
            if (earlier.CloseReason == Visit.InactiveReason && now - earlier.LastSeenAt < _policy.InactivityTimeout)
            {
                Reopen(earlier);
                OweStaff(earlier, sighting.Profile); // a visit opened by sightings of someone long gone owed none yet
                reopened = earlier;
            }
            result = new(earlier.VisitId, SightingOutcome.VisitExtended);
        }
        else
        {
            addFace = WantsFaceOf(sighting);
            var longGone = LongGone(sighting, now);
            opened = Open(sighting, owesStaff: !longGone);
            mustWrite = true;
            if (TakeExitWithoutVisitAfter(sighting) is { } exitSeenAt)
            {
                // The exit camera saw them leave before this sighting from inside was applied: the visit
                // (task and alert included) is what the two in capture order make, closed at that exit.
                Close(opened, now, Visit.ExitReason);
                opened.ExitSeenAt = exitSeenAt;
            }
            else if (longGone)
            {
                // Closed for inactivity as it opens: later sightings of the same stay join it, and one recent
                // enough to mean the person is still inside reopens it with its task and alert.
                Close(opened, now, Visit.InactiveReason);
            }
            result = new(opened.VisitId, SightingOutcome.NewVisit);
        }

        if (mustWrite)
        {
            await WriteAsync();
        }
        if (opened is not null)
        {
            _metrics.VisitOpened();
            LogVisitOpened(opened.VisitId, sighting.BranchId, sighting.Profile.Kind);
            // The outbox is durable now: the task goes out first, the occupancy and the backstop follow.
            Dispatch(opened, now, mayBeRepeat: false);
            if (addFace)
            {
                _ = GrainFactory.GetGrain<IFaceRegistrarGrain>(opened.BranchId)
                    .AddFace(sighting.PersonId ?? VisitorId, new UnmatchedFace(null, sighting.ImageKey, sighting.FaceToken, now));
            }
            if (opened.ClosedAt is null)
            {
                await Branch(opened.BranchId).VisitorArrived(ToOccupant(opened, sighting.CameraId));
            }
        }
        else if (reopened is not null)
        {
            Dispatch(reopened, now);
            await Branch(reopened.BranchId).VisitorArrived(ToOccupant(reopened, sighting.CameraId));
        }
        else if (result.Outcome == SightingOutcome.VisitExtended && visit is not null)
        {
            _ = Branch(visit.BranchId).VisitorSeen(ToOccupant(visit, sighting.CameraId));
        }
        await AnnounceClosedAsync(closed);
        await SettleAsync(now);
        return result;
    }

    public Task<IReadOnlyList<VisitSummary>> GetVisits() =>
        Task.FromResult<IReadOnlyList<VisitSummary>>(
            [.. State.AllVisits.OrderByDescending(v => v.OpenedAt).Select(v => v.ToSummary())]);

    public async Task RecordDeliveries(string visitId, IReadOnlyList<DeliveryReport> reports)
    {
        var visit = State.AllVisits.FirstOrDefault(v => v.VisitId == visitId);
        if (visit is null)
        {
            if (State.MergedInto is { } survivorId)
            {
                // A courier's report of a visit handed over meanwhile: the survivor owes those effects now.
                await GrainFactory.GetGrain<IVisitorGrain>(survivorId).RecordDeliveries(visitId, reports);
            }
            return;
        }
        visit.WithCourierSince = null;
        var now = _clock.GetUtcNow();
        var taskStatusBefore = TaskStatus(visit);
        foreach (var report in reports)
        {
            var entry = visit.Outbox.Find(e => e.Effect == report.Effect);
            if (entry is null || entry.Status != DeliveryStatus.Pending)
            {
                continue; // a late duplicate report of an effect already settled
            }
            entry.Attempts++;
            entry.LastError = report.Error;
            entry.Status = report.Status;
            if (report.Status == DeliveryStatus.Delivered)
            {
                entry.DeliveredAt = now;
                _metrics.Delivered(report.Effect);
            }
            else
            {
                _metrics.DeliveryFailed();
                entry.NextAttemptAt = now + RetryDelay(entry.Attempts);
                LogDeliveryFailed(visitId, report.Effect, report.Status, entry.Attempts);
            }
        }
        var alertOffRecord = reports.Any(r => r.Effect == VisitEffect.NewVisitorAlert && r.Status == DeliveryStatus.Delivered && !r.OnRecord);
        if (visit.ClosedAt is null && !alertOffRecord)
        {
            // An open visit is written again (last-seen, close) anyway: the marks ride along. Lost with a
            // crash before then, the task is sent again under the same visit id (Appian deduplicates it)
            // and the courier finds the history record, with the alert's receipt in it. An SMS alert sent
            // without that receipt cannot be taken back, so its mark is written at once.
            _unsavedDeliveries = true;
        }
        else
        {
            await WriteAsync();
        }
        var taskStatus = TaskStatus(visit);
        if (taskStatus != taskStatusBefore && visit.ClosedAt is null)
        {
            _ = Branch(visit.BranchId).TaskStatusChanged(VisitorId, visitId, taskStatus);
        }
        await SettleAsync(now);
    }

    public Task Wake()
    {
        // The wake timer has fired (it may fire a hair early, finding nothing due yet): forget it, so
        // that scheduling after this wake arms a new one instead of trusting the spent one.
        _wakeTimer?.Dispose();
        _wakeTimer = null;
        _wakeAt = DateTimeOffset.MaxValue;
        return WakeAsync();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        _backstopRegistered = true; // it exists, whichever activation registered it
        return WakeAsync();
    }

    private async Task WakeAsync()
    {
        var now = _clock.GetUtcNow();
        var closed = CloseExpired(now);
        if (closed.Count > 0)
        {
            await WriteAsync();
            await AnnounceClosedAsync(closed);
        }
        foreach (var visit in State.AllVisits.Where(v => v.HasPendingEffects).ToList())
        {
            Dispatch(visit, now);
        }
        await SettleAsync(now);
    }

    /// <summary>
    /// Schedules the next wake-up, or lets the grain go when it owes nothing. Open visits are the branch's
    /// backstop to watch; only a closed visit that still owes a delivery needs a reminder of its own.
    /// </summary>
    private async Task SettleAsync(DateTimeOffset now)
    {
        if (State.Recent.Exists(v => v.HasPendingEffects))
        {
            await EnsureBackstopAsync();
        }
        else if (_backstopRegistered)
        {
            if (await this.GetReminder(BackstopReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
            _backstopRegistered = false;
        }
        if (State.HasWorkLeft)
        {
            ScheduleWake(now);
            return;
        }
        _wakeTimer?.Dispose();
        _wakeTimer = null;
        DeactivateOnIdle();
    }

    /// <summary>
    /// Whether the visit this sighting opens adds its face to the person (counted now, written with the open):
    /// not a stranger's first visit, whose face they were registered with, and not past the policy's limit.
    /// </summary>
    private bool WantsFaceOf(VisitorSighting sighting)
    {
        var firstOfStranger = sighting.Profile.Kind == VisitorKind.New && !State.AllVisits.Any();
        if (firstOfStranger || State.FacesAdded >= _policy.FacesAddedPerPerson || sighting.ImageKey is null && sighting.FaceToken is null)
        {
            return false;
        }
        State.FacesAdded++;
        return true;
    }

    private Visit Open(VisitorSighting sighting, bool owesStaff)
    {
        var visit = new Visit
        {
            VisitId = Guid.CreateVersion7(sighting.CapturedAt).ToString("N"),
            BranchId = sighting.BranchId,
            FirstCameraId = sighting.CameraId,
            OpenedAt = sighting.CapturedAt,
            LastSeenAt = sighting.CapturedAt,
            SightingCount = sighting.SightingCount,
            ImageKey = sighting.ImageKey,
            CameraIds = [sighting.CameraId],
        };
        visit.Outbox.Add(new OutboxEntry { Effect = VisitEffect.HistoryRecord });
        if (owesStaff)
        {
            OweStaff(visit, sighting.Profile);
        }
        visit.PersistedLastSeenAt = visit.LastSeenAt;
        State.OpenVisits.Add(visit);
        return visit;
    }

    /// <summary>Extends the visit; true when the extension should be written now.</summary>
    private bool Extend(Visit visit, VisitorSighting sighting)
    {
        if (sighting.CapturedAt > visit.LastSeenAt)
        {
            visit.LastSeenAt = sighting.CapturedAt;
        }
        visit.SightingCount += sighting.SightingCount;
        visit.ImageKey ??= sighting.ImageKey;
        visit.SeenBy(sighting.CameraId); // written with the next write; not worth one of its own
        return visit.LastSeenAt - visit.PersistedLastSeenAt >= _policy.LastSeenPersistStep;
    }

    private List<Visit> CloseExpired(DateTimeOffset now)
    {
        var expired = State.OpenVisits.Where(v => now - v.LastSeenAt >= _policy.InactivityTimeout).ToList();
        foreach (var visit in expired)
        {
            Close(visit, now, Visit.InactiveReason);
        }
        return expired;
    }

    private void Close(Visit visit, DateTimeOffset now, string reason)
    {
        visit.ClosedAt = now;
        visit.CloseReason = reason;
        State.OpenVisits.Remove(visit);
        State.Recent.Insert(0, visit);
        var keep = _policy.RecentVisitsKept;
        for (var i = State.Recent.Count - 1; i >= keep; i--)
        {
            if (!State.Recent[i].HasPendingEffects)
            {
                State.Recent.RemoveAt(i);
            }
        }
        _metrics.VisitClosed();
        LogVisitClosed(visit.VisitId, visit.BranchId, reason);
    }

    private async Task AnnounceClosedAsync(List<Visit> closed)
    {
        foreach (var visit in closed)
        {
            await Branch(visit.BranchId).VisitorLeft(VisitorId, visit.VisitId);
        }
    }

    private async Task WriteAsync()
    {
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

    /// <summary>
    /// Hands the visit's due, pending effects to the courier, unless it already has them. Only the first
    /// hand-over after opening is known not to repeat anything; any other makes the courier check first.
    /// </summary>
    private void Dispatch(Visit visit, DateTimeOffset now, bool mayBeRepeat = true)
    {
        if (visit.WithCourierSince is { } since && now - since < _policy.DeliveryReportTimeout)
        {
            return;
        }
        var due = visit.Outbox
            .Where(e => e.Status == DeliveryStatus.Pending && e.NextAttemptAt <= now)
            .Select(e => e.Effect)
            .ToList();
        if (due.Count == 0 || State.Profile is not { } profile)
        {
            return;
        }
        visit.WithCourierSince = now;
        var order = new DeliveryOrder(VisitorId, visit.VisitId, visit.BranchId, visit.FirstCameraId, visit.OpenedAt, visit.ImageKey, profile, due, mayBeRepeat, visit.RecordedAs);
        _ = GrainFactory.GetGrain<IVisitCourierGrain>(0).Deliver(order);
    }

    private void ScheduleWake(DateTimeOffset now)
    {
        var next = DateTimeOffset.MaxValue;
        foreach (var visit in State.OpenVisits)
        {
            next = Min(next, visit.LastSeenAt + _policy.InactivityTimeout);
        }
        foreach (var visit in State.AllVisits)
        {
            foreach (var entry in visit.Outbox.Where(e => e.Status == DeliveryStatus.Pending))
            {
                next = Min(next, visit.WithCourierSince is { } since
                    ? since + _policy.DeliveryReportTimeout
                    : entry.NextAttemptAt);
            }
        }
        if (next == DateTimeOffset.MaxValue || (_wakeTimer is not null && _wakeAt <= next && _wakeAt > now))
        {
            return; // nothing to wait for, or an earlier wake-up is already set; it reschedules when it fires
        }
        _wakeTimer?.Dispose();
        _wakeAt = next;
        var due = next > now ? next - now : TimeSpan.Zero;
        _wakeTimer = _clock.CreateTimer(static s => ((IVisitorGrain)s!).Wake(), _self, due, Timeout.InfiniteTimeSpan);
    }

    private async Task EnsureBackstopAsync()
    {
        if (_backstopRegistered)
        {
            return;
        }
        // The durable backstop for a deactivated grain or a dead silo; the timer gives the precision.
        await this.RegisterOrUpdateReminder(BackstopReminder, _policy.BackstopPeriod, _policy.BackstopPeriod);
        _backstopRegistered = true;
    }

    private TimeSpan RetryDelay(int attempts)
    {
        var exponential = _policy.DeliveryRetryBase * Math.Pow(2, Math.Min(attempts - 1, 20));
        var capped = exponential < _policy.DeliveryRetryMax ? exponential : _policy.DeliveryRetryMax;
        return capped * (0.8 + (Random.Shared.NextDouble() * 0.4));
    }

    private Occupant ToOccupant(Visit visit, string? cameraId = null) => new(
        VisitorId, State.Profile!.Kind, State.Profile.CustomerName, visit.OpenedAt, visit.LastSeenAt, visit.VisitId, TaskStatus(visit), cameraId);

    private static DeliveryStatus TaskStatus(Visit visit) =>
        visit.Outbox.Find(e => e.Effect == VisitEffect.StaffTask)?.Status ?? DeliveryStatus.Pending;

    private IBranchGrain Branch(string branchId) => GrainFactory.GetGrain<IBranchGrain>(branchId);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    [LoggerMessage(Level = LogLevel.Information, Message = "Visit {VisitId} opened at {BranchId} for a {Kind} visitor")]
    private partial void LogVisitOpened(string visitId, string branchId, VisitorKind kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Visit {VisitId} at {BranchId} closed: {Reason}")]
    private partial void LogVisitClosed(string visitId, string branchId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Visitor {VisitorId}: state not saved on deactivation ({Error}); deliveries since the last write are made again")]
    private partial void LogStateUnsaved(string visitorId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Visitor {VisitorId}: branch not asked for the last-seen time ({Error}); going on from the written one")]
    private partial void LogBranchNotAsked(string visitorId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Visit {VisitId}: {Effect} {Status} after {Attempts} attempt(s)")]
    private partial void LogDeliveryFailed(string visitId, VisitEffect effect, DeliveryStatus status, int attempts);
}
