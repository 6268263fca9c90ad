namespace NextGenCrm.Visits;

/// <summary>An operator's re-drive of a visit's effects, once what refused them is mended.</summary>
public sealed partial class VisitorGrain
{
    public async Task<Redelivery?> Redeliver(string visitId)
    {
        var visit = State.AllVisits.FirstOrDefault(v => v.VisitId == visitId);
        if (visit is null)
        {
            // Its open visits went over to the survivor under the same ids; its closed ones stayed here.
            return State.MergedInto is { } survivorId
                ? await GrainFactory.GetGrain<IVisitorGrain>(survivorId).Redeliver(visitId)
                : null;
        }
        var now = _clock.GetUtcNow();
        var again = visit.Outbox.Where(e => e.Status != DeliveryStatus.Delivered).ToList();
        foreach (var entry in again)
        {
            entry.Status = DeliveryStatus.Pending;
            entry.NextAttemptAt = now;
        }
        if (again.Count > 0)
        {
            // Written before the hand-over, as when the visit opened: a failed effect made pending again is owed for good.
            await WriteAsync();
            LogRedelivering(visitId, again.Count);
            Dispatch(visit, now);
            if (visit.ClosedAt is null)
            {
                _ = Branch(visit.BranchId).TaskStatusChanged(VisitorId, visitId, TaskStatus(visit));
            }
        }
        await SettleAsync(now);
        return new Redelivery([.. again.Select(e => e.Effect)], visit.ToSummary());
    }

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "Visit {VisitId}: {Count} effect(s) re-driven by an operator")]
    private partial void LogRedelivering(string visitId, int count);
}
