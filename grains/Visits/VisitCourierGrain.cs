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
/// the alert's receipt. An SMS cannot be taken back, so the visitor would have to write its mark at
/// once; with the receipt in the history record it need not, and a repeated order (a retry, or a
/// visitor restarted before its marks were written) reads the record first and skips what it shows.
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

    public async Task Deliver(DeliveryOrder order)
    {
        using var timeout = new CancellationTokenSource(DeliveryTimeout);
        var reports = new List<DeliveryReport>(order.Effects.Count);
        var due = new HashSet<VisitEffect>(order.Effects);
        if (order.MayBeRepeat && (due.Contains(VisitEffect.HistoryRecord) || due.Contains(VisitEffect.NewVisitorAlert)))
        {
            await SkipWhatIsOnRecordAsync(order, due, reports, timeout.Token);
        }
        Uri? imageUrl = null;
        if (order.ImageKey is not null && (due.Contains(VisitEffect.StaffTask) || due.Contains(VisitEffect.NewVisitorAlert)))
        {
            imageUrl = await LinkAsync(order, timeout.Token);
        }
        if (due.Contains(VisitEffect.StaffTask))
        {
            reports.Add(await DeliverAsync(order, VisitEffect.StaffTask, imageUrl, null, timeout.Token));
        }
        var alert = due.Contains(VisitEffect.NewVisitorAlert)
            ? await DeliverAsync(order, VisitEffect.NewVisitorAlert, imageUrl, null, timeout.Token)
            : null;
        if (due.Contains(VisitEffect.HistoryRecord))
        {
            var alertSentAt = alert?.Status == DeliveryStatus.Delivered ? clock.GetUtcNow() : (DateTimeOffset?)null;
            var record = await DeliverAsync(order, VisitEffect.HistoryRecord, imageUrl, alertSentAt, timeout.Token);
            reports.Add(record);
            if (alertSentAt is not null && record.Status == DeliveryStatus.Delivered)
            {
                alert = alert! with { OnRecord = true };
            }
        }
        if (alert is not null)
        {
            reports.Add(alert);
        }
        if (reports.Exists(IsErasedReport))
        {
            return; // the visitor is erased: nothing to report to, and a report would only wake an empty grain
        }
        await GrainFactory.GetGrain<IVisitorGrain>(order.VisitorId).RecordDeliveries(order.VisitId, reports);
    }

    /// <summary>
    /// Reads the visit's history record and takes off <paramref name="due"/> what it shows delivered. If
    /// the record cannot be read, the alert and the record wait for the next attempt: an alert sent
    /// again is an SMS sent twice. The task goes ahead (Appian deduplicates it on the visit id).
    /// </summary>
    private async Task SkipWhatIsOnRecordAsync(DeliveryOrder order, HashSet<VisitEffect> due, List<DeliveryReport> reports, CancellationToken cancellationToken)
    {
        VisitHistoryRecord? onRecord;
        try
        {
            onRecord = await history.FindAsync(order.HistoryVisitorId, order.VisitId, cancellationToken);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            LogWillRetry(order.VisitId, VisitEffect.HistoryRecord, failure.GetType().Name);
            var error = $"history record not readable: {failure.GetType().Name}";
            foreach (var effect in new[] { VisitEffect.NewVisitorAlert, VisitEffect.HistoryRecord })
            {
                if (due.Remove(effect))
                {
                    reports.Add(new DeliveryReport(effect, DeliveryStatus.Pending, error));
                }
            }
            return;
        }
        if (onRecord is null)
        {
            return;
        }
        if (due.Remove(VisitEffect.HistoryRecord))
        {
            reports.Add(new DeliveryReport(VisitEffect.HistoryRecord, DeliveryStatus.Delivered, null, OnRecord: true));
        }
        if (onRecord.AlertSentAt is not null && due.Remove(VisitEffect.NewVisitorAlert))
        {
            reports.Add(new DeliveryReport(VisitEffect.NewVisitorAlert, DeliveryStatus.Delivered, null, OnRecord: true));
        }
    }

    private async Task<DeliveryReport> DeliverAsync(DeliveryOrder order, VisitEffect effect, Uri? imageUrl, DateTimeOffset? alertSentAt, CancellationToken cancellationToken)
    {
        try
        {
            if (await ErasedAsync(order, cancellationToken))
            {
                return ErasedReport(order, effect);
            }
            switch (effect)
            {
                case VisitEffect.HistoryRecord:
                    await history.AppendAsync(new VisitHistoryRecord(
                        order.VisitId, order.HistoryVisitorId, order.Profile.CustomerId, order.BranchId, order.CameraId, order.OpenedAt, order.ImageKey, alertSentAt), cancellationToken);
                    if (await TakeBackIfErasedAsync(order, cancellationToken))
                    {
                        return ErasedReport(order, effect);
                    }
                    break;
                case VisitEffect.StaffTask:
                    var known = order.Profile.Kind == VisitorKind.Customer;
                    await tasks.AssignAsync(new TaskAssignment(
                        order.VisitId, order.Profile.CustomerId, order.Profile.CustomerName, order.BranchId, imageUrl,
                        known ? StaffRole.CustomerService : StaffRole.Sales), cancellationToken);
                    break;
                case VisitEffect.NewVisitorAlert:
                    await alerts.PublishAsync(new NewVisitorAlert(order.VisitId, order.BranchId, order.OpenedAt, imageUrl), cancellationToken);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(effect), effect, "Unknown visit effect.");
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Visit {VisitId}: {Effect} refused for good: {Reason}")]
    private partial void LogRefused(string visitId, VisitEffect effect, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Visit {VisitId}: {Effect} blocked by {Service} ({Reason}): credentials, rights, address or rate limit to mend; will retry")]
    private partial void LogBlocked(string visitId, VisitEffect effect, string service, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Visit {VisitId}: {Effect} failed ({Error}), will retry")]
    private partial void LogWillRetry(string visitId, VisitEffect effect, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Visit {VisitId}: no image link ({Error})")]
    private partial void LogNoImageLink(string visitId, string error);
}
