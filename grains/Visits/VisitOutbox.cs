namespace NextGenCrm.Visits;

/// <summary>
/// The rules of a visit's outbox, as plain code over its <see cref="OutboxEntry"/> list and its delivery
/// claim: what is owed, what is due now, who may deliver it, what a courier's report changes, when to
/// look again. No storage, no timers, no calls; tested without a cluster (tests/NextGenCrm.Tests/Visits).
/// </summary>
/// <remarks>
/// One delivery order per visit at a time: an order is handed out only under a claim (an id and an
/// expiry) that is persisted before the hand-over, so a visitor reactivated after a deactivation or a
/// crash sees the claim and waits for it to run out instead of starting a second courier beside a first
/// that may still be at work. The courier starts no effect once the claim has expired.
/// </remarks>
public sealed class VisitOutbox(VisitPolicy policy, Func<double>? random = null)
{
    private readonly Func<double> _random = random ?? Random.Shared.NextDouble;

    /// <summary>The effects due now: pending, past their backoff.</summary>
    public static List<VisitEffect> Due(Visit visit, DateTimeOffset now) =>
        [.. visit.Outbox.Where(e => e.Status == DeliveryStatus.Pending && e.NextAttemptAt <= now).Select(e => e.Effect)];

    /// <summary>Whether an order handed out for the visit may still be at work.</summary>
    public static bool IsClaimed(Visit visit, DateTimeOffset now) => visit.ClaimedUntil is { } until && now < until;

    /// <summary>
    /// Claims the visit for one delivery order of its due effects, or null when nothing is due or an earlier
    /// claim still runs. The claim must be written before the order is handed to the courier.
    /// </summary>
    public DeliveryClaim? Claim(Visit visit, DateTimeOffset now)
    {
        if (IsClaimed(visit, now))
        {
            return null;
        }
        var due = Due(visit, now);
        if (due.Count == 0)
        {
            return null;
        }
        // Only the first order of a visit that never changed hands is known to repeat nothing; any later one
        // (a retry, a claim that ran out, an order after a crash) makes the courier read the record first.
        var mayBeRepeat = visit.ClaimId is not null || visit.RecordedAs is not null || visit.Outbox.Exists(e => e.Attempts > 0);
        visit.ClaimId = Guid.NewGuid().ToString("N");
        visit.ClaimedUntil = now + policy.DeliveryReportTimeout;
        return new DeliveryClaim(visit.ClaimId, visit.ClaimedUntil.Value, due, mayBeRepeat);
    }

    /// <summary>
    /// Applies a courier's reports. Reports of an older claim still count (what went out went out), but
    /// only the report of the current claim releases it.
    /// </summary>
    public ReportOutcome Record(Visit visit, string? claimId, IReadOnlyList<DeliveryReport> reports, DateTimeOffset now)
    {
        if (claimId is not null && claimId == visit.ClaimId)
        {
            visit.ClaimedUntil = null;
        }
        var taskBefore = TaskStatus(visit);
        var delivered = new List<VisitEffect>();
        var failed = new List<OutboxEntry>();
        var offRecord = false;
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
                delivered.Add(report.Effect);
                offRecord |= !report.OnRecord && report.Effect != VisitEffect.HistoryRecord;
            }
            else
            {
                entry.NextAttemptAt = now + RetryDelay(entry.Attempts);
                failed.Add(entry);
            }
        }
        // An open visit is written again anyway (last-seen, close): its marks ride along. Lost with a crash
        // before then, the next order reads the history record, which holds the task's and the alert's
        // receipts. A task or an alert delivered without its receipt on record is written at once: sent
        // again it would be a second Appian call or a second SMS. So is every mark of a closed visit.
        var mustWrite = delivered.Count + failed.Count > 0 && (visit.ClosedAt is not null || offRecord);
        return new ReportOutcome(mustWrite, delivered, failed, TaskStatus(visit) != taskBefore);
    }

    /// <summary>
    /// Makes every effect not delivered (failed for good, or waiting for its next attempt) due now: an
    /// operator's re-drive. Returns the effects made due.
    /// </summary>
    public static List<VisitEffect> Redrive(Visit visit, DateTimeOffset now)
    {
        var again = visit.Outbox.Where(e => e.Status != DeliveryStatus.Delivered).ToList();
        foreach (var entry in again)
        {
            entry.Status = DeliveryStatus.Pending;
            entry.NextAttemptAt = now;
        }
        return [.. again.Select(e => e.Effect)];
    }

    /// <summary>
    /// Whether the visitor's own reminder must watch it: a closed visit owes something. An open visit is its
    /// branch's to watch (the arrival is durable there first); a closed one has left the branch, so the
    /// reminder is registered before the write that closes it.
    /// </summary>
    public static bool NeedsOwnReminder(VisitorState state) => state.Recent.Exists(v => v.HasPendingEffects);

    /// <summary>When the visit's outbox needs looking at again: its claim running out, or its next attempt; null when it owes nothing.</summary>
    public static DateTimeOffset? NextLookAt(Visit visit)
    {
        if (!visit.HasPendingEffects)
        {
            return null;
        }
        if (visit.ClaimedUntil is { } until)
        {
            return until;
        }
        return visit.Outbox.Where(e => e.Status == DeliveryStatus.Pending).Min(e => e.NextAttemptAt);
    }

    /// <summary>Exponential backoff from <see cref="VisitPolicy.DeliveryRetryBase"/> to <see cref="VisitPolicy.DeliveryRetryMax"/>, jittered ±20 %.</summary>
    public TimeSpan RetryDelay(int attempts)
    {
        var exponential = policy.DeliveryRetryBase * Math.Pow(2, Math.Min(Math.Max(attempts, 1) - 1, 20));
        var capped = exponential < policy.DeliveryRetryMax ? exponential : policy.DeliveryRetryMax;
        return capped * (0.8 + (_random() * 0.4));
    }

    public static DeliveryStatus TaskStatus(Visit visit) =>
        visit.Outbox.Find(e => e.Effect == VisitEffect.StaffTask)?.Status ?? DeliveryStatus.Pending;
}

/// <summary>One delivery order's claim on a visit: the effects it carries, until when it may deliver them.</summary>
public sealed record DeliveryClaim(string Id, DateTimeOffset Until, IReadOnlyList<VisitEffect> Effects, bool MayBeRepeat);

/// <summary>What a courier's reports changed: whether to write at once, what went out, what failed, whether the task's status moved.</summary>
public sealed record ReportOutcome(bool MustWrite, IReadOnlyList<VisitEffect> Delivered, IReadOnlyList<OutboxEntry> Failed, bool TaskStatusChanged);
