using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NextGenCrm.Ports;
using Orleans.Concurrency;

namespace NextGenCrm.Visits;

/// <summary>
/// Delivers a visit's side effects (history record, staff task, new-visitor alert) and reports each
/// outcome to the visitor's outbox. Stateless and reentrant: a slow Appian holds up neither the
/// visitor nor other visits' deliveries. Retrying is the visitor's job, with backoff.
/// </summary>
/// <remarks>
/// The task goes first (staff are waiting for it), then the alert, then the history record carrying
/// both receipts (<see cref="VisitHistoryRecord.TaskAssignedAt"/>, <see cref="VisitHistoryRecord.AlertSentAt"/>).
/// A repeated order (a retry, a claim that ran out, a visitor restarted before its marks were written)
/// reads the record first and sends nothing it shows receipted, so the task and the SMS go out again only
/// when the service took them and the receipt was never written (a crash in between, the record not
/// writable). The order's claim (<see cref="DeliveryOrder.ClaimedUntil"/>) bounds it: no effect starts
/// after it runs out, when the visitor may hand out the next order.
/// </remarks>
[StatelessWorker, Reentrant]
public sealed partial class VisitCourierGrain(
    IVisitHistory history,
    ITaskAssigner tasks,
    IAlertPublisher alerts,
    IImageStore images,
    IErasureTombstones tombstones,
    VisitMetrics metrics,
    [FromKeyedServices(GrainClock.Key)] TimeProvider clock,
    ILogger<VisitCourierGrain> logger) : Grain, IVisitCourierGrain
{
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Time left to write the receipts of what went out, even when the claim has just run out.</summary>
    private static readonly TimeSpan ReceiptTimeout = TimeSpan.FromSeconds(10);

    public async Task Deliver(DeliveryOrder order)
    {
        var now = clock.GetUtcNow();
        var window = order.ClaimedUntil is { } until && until - now < DeliveryTimeout ? until - now : DeliveryTimeout;
        using var claim = new CancellationTokenSource(window > TimeSpan.Zero ? window : TimeSpan.Zero);
        var due = new HashSet<VisitEffect>(order.Effects);
        var reports = new List<DeliveryReport>(order.Effects.Count);
        var receipts = new Receipts(null, null, null);
        var onRecord = false;
        if (order.MayBeRepeat)
        {
            if (await FindRecordAsync(order, claim.Token) is not { } found)
            {
                // Unreadable: nothing goes out, since whatever the record shows may have gone out already.
                reports.AddRange(due.Select(e => new DeliveryReport(e, DeliveryStatus.Pending, "history record not readable; retrying")));
                await ReportAsync(order, reports);
                return;
            }
            if (found.Record is { } record)
            {
                onRecord = true;
                receipts = new Receipts(record.TaskAssignedAt, record.TaskId, record.AlertSentAt);
                TakeOff(VisitEffect.HistoryRecord, true);
                TakeOff(VisitEffect.StaffTask, record.TaskAssignedAt is not null);
                TakeOff(VisitEffect.NewVisitorAlert, record.AlertSentAt is not null);
            }
        }
        void TakeOff(VisitEffect effect, bool receipted)
        {
            if (receipted && due.Remove(effect))
            {
                metrics.DeliveryAttempted(effect, DeliveryAttemptOutcome.Skipped);
                reports.Add(new DeliveryReport(effect, DeliveryStatus.Delivered, null, OnRecord: true));
            }
        }

        Uri? imageUrl = null;
        if (order.ImageKey is not null && (due.Contains(VisitEffect.StaffTask) || due.Contains(VisitEffect.NewVisitorAlert)))
        {
            imageUrl = await LinkAsync(order, claim.Token);
        }
        DeliveryReport? task = null, alert = null;
        if (due.Contains(VisitEffect.StaffTask))
        {
            string? taskId = null;
            task = await AttemptAsync(order, VisitEffect.StaffTask, async ct => taskId = (await tasks.AssignAsync(ToAssignment(order, imageUrl), ct)).TaskId, claim.Token);
            if (task.Status == DeliveryStatus.Delivered)
            {
                receipts = receipts with { TaskAssignedAt = clock.GetUtcNow(), TaskId = taskId };
            }
        }
        if (due.Contains(VisitEffect.NewVisitorAlert))
        {
            alert = await AttemptAsync(order, VisitEffect.NewVisitorAlert,
                ct => alerts.PublishAsync(new NewVisitorAlert(order.VisitId, order.BranchId, order.OpenedAt, imageUrl), ct), claim.Token);
            if (alert.Status == DeliveryStatus.Delivered)
            {
                receipts = receipts with { AlertSentAt = clock.GetUtcNow() };
            }
        }
        var newReceipt = task?.Status == DeliveryStatus.Delivered || alert?.Status == DeliveryStatus.Delivered;
        if (due.Contains(VisitEffect.HistoryRecord) || newReceipt)
        {
            // A receipt is written even if the claim has just run out (not written, it is a task or an SMS sent
            // again); a record without a new receipt is not, as the next order may be writing its own.
            using var receiptWindow = new CancellationTokenSource(ReceiptTimeout);
            var record = new VisitHistoryRecord(order.VisitId, order.HistoryVisitorId, order.Profile.CustomerId, order.BranchId, order.CameraId,
                order.OpenedAt, order.ImageKey, receipts.AlertSentAt, receipts.TaskAssignedAt, receipts.TaskId);
            var written = await AttemptAsync(order, VisitEffect.HistoryRecord, ct => history.AppendAsync(record, ct), newReceipt ? receiptWindow.Token : claim.Token);
            if (due.Contains(VisitEffect.HistoryRecord))
            {
                reports.Add(written);
            }
            onRecord = written.Status == DeliveryStatus.Delivered;
        }
        if (task is not null)
        {
            reports.Add(task with { OnRecord = onRecord && task.Status == DeliveryStatus.Delivered });
        }
        if (alert is not null)
        {
            reports.Add(alert with { OnRecord = onRecord && alert.Status == DeliveryStatus.Delivered });
        }
        if (reports.Exists(IsErasedReport) && await VisitorItselfErasedAsync(order))
        {
            return; // the visitor is erased: nothing to report to, and a report would only wake an empty grain
        }
        // A visit adopted from a visitor erased since (its history id fenced, the survivor alive): the survivor's
        // outbox takes the failed report and stops, rather than claiming the order again until the fence runs out.
        await ReportAsync(order, reports);
    }

    private Task ReportAsync(DeliveryOrder order, List<DeliveryReport> reports) =>
        GrainFactory.GetGrain<IVisitorGrain>(order.VisitorId).RecordDeliveries(order.VisitId, order.ClaimId, reports);

    /// <summary>The visit's history record as last written (null inside when there is none), or null when it cannot be read.</summary>
    private async Task<FoundRecord?> FindRecordAsync(DeliveryOrder order, CancellationToken cancellationToken)
    {
        try
        {
            return new FoundRecord(await history.FindAsync(order.HistoryVisitorId, order.VisitId, cancellationToken));
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            LogWillRetry(order.VisitId, VisitEffect.HistoryRecord, failure.GetType().Name);
            return null;
        }
    }

    /// <summary>
    /// One effect, once: not started when the order's claim has run out (the next order may be on its way),
    /// and every failure turned into the report the outbox retries or gives up on.
    /// </summary>
    private async Task<DeliveryReport> AttemptAsync(DeliveryOrder order, VisitEffect effect, Func<CancellationToken, Task> send, CancellationToken claim)
    {
        var report = await AttemptOnceAsync(order, effect, send, claim);
        metrics.DeliveryAttempted(effect, report.Status switch
        {
            DeliveryStatus.Delivered => DeliveryAttemptOutcome.Delivered,
            _ when report.Error is SkippedClaim || IsErasedReport(report) => DeliveryAttemptOutcome.Skipped,
            _ => DeliveryAttemptOutcome.Failed,
        });
        return report;
    }

    private const string SkippedClaim = "delivery claim ran out; left to the next order";

    private async Task<DeliveryReport> AttemptOnceAsync(DeliveryOrder order, VisitEffect effect, Func<CancellationToken, Task> send, CancellationToken claim)
    {
        if (claim.IsCancellationRequested)
        {
            return new DeliveryReport(effect, DeliveryStatus.Pending, SkippedClaim);
        }
        try
        {
            // The erasure's fence: nothing goes out, and no record stays, for a person whose erasure has begun.
            if (await ErasedAsync(order, claim))
            {
                return ErasedReport(order, effect);
            }
            await send(claim);
            if (effect == VisitEffect.HistoryRecord && await TakeBackIfErasedAsync(order, claim))
            {
                return ErasedReport(order, effect);
            }
            return new DeliveryReport(effect, DeliveryStatus.Delivered, null);
        }
        catch (DeliveryBlockedException blocked)
        {
            // Not the visit's fault: it stays pending, retried with backoff; an operator sees the metric and the log.
            metrics.DeliveryBlocked(blocked.Service, blocked.Reason);
            LogBlocked(order.VisitId, effect, blocked.Service, blocked.Reason);
            return new DeliveryReport(effect, DeliveryStatus.Pending, $"{blocked.Service} refused: {blocked.Reason}; retrying");
        }
        catch (PermanentDeliveryException refused)
        {
            LogRefused(order.VisitId, effect, refused.Message);
            return new DeliveryReport(effect, DeliveryStatus.Failed, refused.Message);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            LogWillRetry(order.VisitId, effect, failure.GetType().Name);
            return new DeliveryReport(effect, DeliveryStatus.Pending, $"{failure.GetType().Name}: {Shorten(failure.Message)}");
        }
    }

    private static TaskAssignment ToAssignment(DeliveryOrder order, Uri? imageUrl) => new(
        order.VisitId, order.Profile.CustomerId, order.Profile.CustomerName, order.BranchId, imageUrl,
        order.Profile.Kind == VisitorKind.Customer ? StaffRole.CustomerService : StaffRole.Sales);

    private async Task<Uri?> LinkAsync(DeliveryOrder order, CancellationToken cancellationToken)
    {
        try
        {
            return await images.GetLinkAsync(order.ImageKey!, cancellationToken);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            // Staff still get the task without the picture rather than no task at all.
            LogNoImageLink(order.VisitId, failure.GetType().Name);
            return null;
        }
    }

    private static string Shorten(string message) => message.Length <= 200 ? message : message[..200];

    private sealed record FoundRecord(VisitHistoryRecord? Record);

    private sealed record Receipts(DateTimeOffset? TaskAssignedAt, string? TaskId, DateTimeOffset? AlertSentAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Visit {VisitId}: {Effect} refused for good: {Reason}")]
    private partial void LogRefused(string visitId, VisitEffect effect, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Visit {VisitId}: {Effect} blocked by {Service} ({Reason}): credentials, rights, address or rate limit to mend; will retry")]
    private partial void LogBlocked(string visitId, VisitEffect effect, string service, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Visit {VisitId}: {Effect} failed ({Error}), will retry")]
    private partial void LogWillRetry(string visitId, VisitEffect effect, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Visit {VisitId}: no image link ({Error})")]
    private partial void LogNoImageLink(string visitId, string error);
}
