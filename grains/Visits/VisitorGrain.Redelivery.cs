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
        var again = VisitOutbox.Redrive(visit, now);
        if (again.Count > 0)
        {
            // A failed effect made pending again is owed for good: this grain's reminder watches it (an open visit's
            // branch may hold it as settled), registered before the write, and the write comes before the hand-over.
            await EnsureBackstopAsync();
            var claim = _outbox.Claim(visit, now);
            await WriteAsync();
            LogRedelivering(visitId, again.Count);
            if (claim is not null)
            {
                Send(visit, claim);
            }
            if (visit.ClosedAt is null)
            {
                _ = Branch(visit.BranchId).VisitorSeen(ToOccupant(visit));
            }
        }
        await SettleAsync(now);
        return new Redelivery(again, visit.ToSummary());
    }

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "Visit {VisitId}: {Count} effect(s) re-driven by an operator")]
    private partial void LogRedelivering(string visitId, int count);
}
