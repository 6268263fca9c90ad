using Microsoft.Extensions.Logging;

namespace NextGenCrm.Visits;

/// <summary>
/// Driving the outbox: claimed orders to the courier, its reports back, the timer and the reminder that
/// look again. The rules are <see cref="VisitOutbox"/>'s; this part holds the calls, the writes and the timers.
/// </summary>
public sealed partial class VisitorGrain
{
    public async Task RecordDeliveries(string visitId, string? claimId, IReadOnlyList<DeliveryReport> reports)
    {
        var visit = State.AllVisits.FirstOrDefault(v => v.VisitId == visitId);
        if (visit is null)
        {
            if (State.MergedInto is { } survivorId)
            {
                // A courier's report of a visit handed over meanwhile: the survivor owes those effects now.
                await GrainFactory.GetGrain<IVisitorGrain>(survivorId).RecordDeliveries(visitId, claimId, reports);
            }
            return;
        }
        var now = _clock.GetUtcNow();
        var outcome = _outbox.Record(visit, claimId, reports, now);
        foreach (var effect in outcome.Delivered)
        {
            _metrics.Delivered(effect);
        }
        foreach (var entry in outcome.Failed)
        {
            _metrics.DeliveryFailed();
            LogDeliveryFailed(visitId, entry.Effect, entry.Status, entry.Attempts);
        }
        if (outcome.MustWrite)
        {
            await WriteAsync();
        }
        else if (outcome.Delivered.Count + outcome.Failed.Count > 0)
        {
            _unsavedDeliveries = true;
        }
        if (visit.ClosedAt is null && (outcome.TaskStatusChanged || !visit.HasPendingEffects))
        {
            // The task's status for staff, and whether the branch's backstop still has to watch this visit.
            _ = Branch(visit.BranchId).VisitorSeen(ToOccupant(visit));
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
        foreach (var visit in State.OpenVisits.Where(v => !v.HasPendingEffects))
        {
            // The branch's backstop may have woken us on a stale "not settled" (written behind, or overtaken).
            _ = Branch(visit.BranchId).VisitorSeen(ToOccupant(visit));
        }
        return WakeAsync();
    }

    public async Task StillListed(string branchId, string visitId)
    {
        await Wake();
        if (!State.OpenVisits.Exists(v => v.VisitId == visitId))
        {
            await Branch(branchId).VisitorLeft(VisitorId, visitId);
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        _backstopRegistered = true; // it exists, whichever activation registered it
        return WakeAsync();
    }

    private async Task WakeAsync()
    {
        var now = _clock.GetUtcNow();
        var closed = Ledger.CloseExpired(now);
        var claims = new List<(Visit Visit, DeliveryClaim Claim)>();
        foreach (var visit in State.AllVisits)
        {
            if (_outbox.Claim(visit, now) is { } claim)
            {
                claims.Add((visit, claim));
            }
        }
        if (closed.Count > 0 || claims.Count > 0)
        {
            await WriteAsync();
        }
        foreach (var visit in closed)
        {
            Closed(visit);
        }
        foreach (var (visit, claim) in claims)
        {
            Send(visit, claim);
        }
        await AnnounceClosedAsync(closed);
        await SettleAsync(now);
    }

    /// <summary>
    /// Schedules the next wake-up, or lets the grain go when it owes nothing. An open visit is its branch's
    /// to watch; a closed one that owes a delivery has this grain's reminder, registered before it was
    /// written (<see cref="WriteAsync"/>), and kept until nothing is owed.
    /// </summary>
    private async Task SettleAsync(DateTimeOffset now)
    {
        ReportOwed();
        if (VisitOutbox.NeedsOwnReminder(State))
        {
            await EnsureBackstopAsync();
        }
        else if (_backstopRegistered && !State.OpenVisits.Exists(v => v.HasPendingEffects))
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

    /// <summary>What each visit owes, for the outbox backlog and the age of its oldest item.</summary>
    private void ReportOwed()
    {
        var owing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var visit in State.AllVisits)
        {
            var pending = visit.Outbox.Count(e => e.Status == DeliveryStatus.Pending);
            _metrics.VisitOwes(visit.VisitId, pending);
            if (pending > 0)
            {
                owing.Add(visit.VisitId);
            }
        }
        // A visit erased, trimmed or handed over since owes nothing here any more.
        _reportedOwed.ExceptWith(owing);
        ForgetOwed();
        _reportedOwed = owing;
    }

    private void ForgetOwed()
    {
        foreach (var visitId in _reportedOwed)
        {
            _metrics.VisitOwes(visitId, 0);
        }
        _reportedOwed.Clear();
    }

    /// <summary>Hands a claimed order to the courier; the claim is written by now.</summary>
    private void Send(Visit visit, DeliveryClaim claim)
    {
        if (State.Profile is not { } profile)
        {
            return; // never seen without a profile; the claim runs out and the outbox is looked at again
        }
        var order = new DeliveryOrder(VisitorId, visit.VisitId, visit.BranchId, visit.FirstCameraId, visit.OpenedAt, visit.ImageKey, profile,
            claim.Effects, claim.MayBeRepeat, visit.RecordedAs, claim.Id, claim.Until);
        _ = GrainFactory.GetGrain<IVisitCourierGrain>(0).Deliver(order);
    }

    private void ScheduleWake(DateTimeOffset now)
    {
        var next = Ledger.NextCloseAt() ?? DateTimeOffset.MaxValue;
        foreach (var visit in State.AllVisits)
        {
            if (VisitOutbox.NextLookAt(visit) is { } at && at < next)
            {
                next = at;
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Visit {VisitId}: {Effect} {Status} after {Attempts} attempt(s)")]
    private partial void LogDeliveryFailed(string visitId, VisitEffect effect, DeliveryStatus status, int attempts);
}
