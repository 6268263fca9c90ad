using Microsoft.Extensions.Logging;
using NextGenCrm.Ports;
using Orleans.Concurrency;

namespace NextGenCrm.Visits;

/// <summary>
/// Delivers a visit's side effects (history record, staff task, new-visitor alert) and reports each
/// outcome to the visitor's outbox. Stateless and reentrant: a slow Appian holds up neither the
/// visitor nor other visits' deliveries. Retrying is the visitor's job, with backoff.
/// </summary>
[StatelessWorker, Reentrant]
public sealed partial class VisitCourierGrain(
    IVisitHistory history,
    ITaskAssigner tasks,
    IAlertPublisher alerts,
    IImageStore images,
    ILogger<VisitCourierGrain> logger) : Grain, IVisitCourierGrain
{
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(60);

    public async Task Deliver(DeliveryOrder order)
    {
        using var timeout = new CancellationTokenSource(DeliveryTimeout);
        var reports = new List<DeliveryReport>(order.Effects.Count);
        Uri? imageUrl = null;
        if (order.ImageKey is not null && order.Effects.Any(e => e != VisitEffect.HistoryRecord))
        {
            imageUrl = await LinkAsync(order, timeout.Token);
        }
        foreach (var effect in order.Effects)
        {
            reports.Add(await DeliverAsync(order, effect, imageUrl, timeout.Token));
        }
        await GrainFactory.GetGrain<IVisitorGrain>(order.VisitorId).RecordDeliveries(order.VisitId, reports);
    }

    private async Task<DeliveryReport> DeliverAsync(DeliveryOrder order, VisitEffect effect, Uri? imageUrl, CancellationToken cancellationToken)
    {
        try
        {
            switch (effect)
            {
                case VisitEffect.HistoryRecord:
                    await history.AppendAsync(new VisitHistoryRecord(
                        order.VisitId, order.VisitorId, order.Profile.CustomerId, order.BranchId, order.CameraId, order.OpenedAt, order.ImageKey), cancellationToken);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Visit {VisitId}: {Effect} failed ({Error}), will retry")]
    private partial void LogWillRetry(string visitId, VisitEffect effect, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Visit {VisitId}: no image link ({Error})")]
    private partial void LogNoImageLink(string visitId, string error);
}
