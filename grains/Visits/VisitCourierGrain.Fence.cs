using Microsoft.Extensions.Logging;
using NextGenCrm.Ports;

namespace NextGenCrm.Visits;

/// <summary>
/// The erasure's fence in the courier: a delivery under way when the person's erasure began does not recreate
/// what it removed. Before each effect the tombstone is read, and no task, alert or record goes out for an erased
/// person. A history record written in the moment between that read and the erasure's own delete of the history is
/// taken back: the tombstone is read again after the write (the erasure writes it before deleting anything).
/// A task or SMS already on its way when the erasure began cannot be called back.
/// </summary>
public sealed partial class VisitCourierGrain
{
    private const string ErasedError = "the visitor is erased";
    private const int TakeBackAttempts = 3;

    private async Task<bool> ErasedAsync(DeliveryOrder order, CancellationToken cancellationToken) =>
        await tombstones.IsErasedAsync(order.VisitorId, cancellationToken)
        || (order.HistoryVisitorId != order.VisitorId && await tombstones.IsErasedAsync(order.HistoryVisitorId, cancellationToken));

    private async Task<bool> VisitorItselfErasedAsync(DeliveryOrder order)
    {
        try
        {
            return await tombstones.IsErasedAsync(order.VisitorId, CancellationToken.None);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            return false; // reported: an erased grain's report changes nothing
        }
    }

    /// <summary>After the history record is written: if the person's erasure has begun, the record is deleted again; true then.</summary>
    private async Task<bool> TakeBackIfErasedAsync(DeliveryOrder order, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (!await ErasedAsync(order, cancellationToken))
                {
                    return false;
                }
                await history.EraseAsync(order.HistoryVisitorId, cancellationToken);
                LogTakenBack(order.VisitId);
                return true;
            }
            catch (Exception failure) when (attempt < TakeBackAttempts && failure is not OutOfMemoryException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), CancellationToken.None);
            }
        }
    }

    private DeliveryReport ErasedReport(DeliveryOrder order, VisitEffect effect)
    {
        LogFenced(order.VisitId, effect);
        return new DeliveryReport(effect, DeliveryStatus.Failed, ErasedError);
    }

    private static bool IsErasedReport(DeliveryReport report) => report.Error == ErasedError;

    [LoggerMessage(Level = LogLevel.Information, Message = "Visit {VisitId}: {Effect} not delivered, the visitor is erased")]
    private partial void LogFenced(string visitId, VisitEffect effect);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Visit {VisitId}: history record written during the visitor's erasure, taken back")]
    private partial void LogTakenBack(string visitId);
}
