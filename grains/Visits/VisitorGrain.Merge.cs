using Microsoft.Extensions.Logging;

namespace NextGenCrm.Visits;

/// <summary>
/// Identity that changes during a stay: the stay goes on as one visit under the surviving identity. The
/// visitor that merges hands its open visits over and passes later sightings on; its closed visits stay
/// here as history.
/// </summary>
public sealed partial class VisitorGrain
{
    public async Task MergeInto(string survivorId, VisitorProfile survivorProfile)
    {
        if (survivorId == VisitorId || State.MergedInto is not null)
        {
            return;
        }
        var survivor = GrainFactory.GetGrain<IVisitorGrain>(survivorId);
        var now = _clock.GetUtcNow();
        var handed = State.OpenVisits.ToList();
        foreach (var visit in handed)
        {
            // The survivor first: if this turn stops here, the visit is still open here and the merge can be repeated.
            await survivor.AdoptVisit(ToHandOver(visit), survivorProfile);
        }
        // The visits are the survivor's now, with what they owe; the closed ones stay here as this identity's history.
        State.OpenVisits.Clear();
        State.MergedInto = survivorId;
        State.MergedProfile = survivorProfile;
        await WriteAsync();
        foreach (var visit in handed)
        {
            await Branch(visit.BranchId).VisitorLeft(VisitorId, visit.VisitId);
        }
        LogMerged(VisitorId, survivorId, handed.Count);
        await SettleAsync(now);
    }

    public async Task AdoptVisit(VisitHandOver handOver, VisitorProfile profile)
    {
        if (State.MergedInto is { } survivorId)
        {
            // This visitor merged too: the stay goes where its sightings go.
            await GrainFactory.GetGrain<IVisitorGrain>(survivorId).AdoptVisit(handOver, profile);
            return;
        }
        await ThrowIfErasedAsync();
        if (State.AllVisits.Any(v => v.VisitId == handOver.VisitId))
        {
            return; // a repeated hand-over (after a crash, a repeated enrolment): taken already
        }
        var now = _clock.GetUtcNow();
        State.Profile = profile;
        State.MergedFrom ??= [];
        if (!State.MergedFrom.Contains(handOver.FromVisitorId))
        {
            State.MergedFrom.Add(handOver.FromVisitorId);
        }
        var visit = State.OpenAt(handOver.BranchId);
        if (visit is not null)
        {
            // Both identities had a visit open here (a duplicate that slipped through): one stay, the
            // earlier start; the duplicate's undelivered effects are dropped, as this visit has its own.
            visit.OpenedAt = handOver.OpenedAt < visit.OpenedAt ? handOver.OpenedAt : visit.OpenedAt;
            visit.LastSeenAt = handOver.LastSeenAt > visit.LastSeenAt ? handOver.LastSeenAt : visit.LastSeenAt;
            visit.SightingCount += handOver.SightingCount;
            foreach (var camera in handOver.CameraIds)
            {
                visit.SeenBy(camera);
            }
            await WriteAsync();
            _ = Branch(visit.BranchId).VisitorSeen(ToOccupant(visit));
        }
        else
        {
            visit = new Visit
            {
                VisitId = handOver.VisitId,
                BranchId = handOver.BranchId,
                FirstCameraId = handOver.FirstCameraId,
                OpenedAt = handOver.OpenedAt,
                LastSeenAt = handOver.LastSeenAt,
                SightingCount = handOver.SightingCount,
                ImageKey = handOver.ImageKey,
                CameraIds = handOver.CameraIds,
                RecordedAs = handOver.RecordedAs ?? handOver.FromVisitorId,
            };
            foreach (var effect in handOver.Effects)
            {
                if (effect.Status == DeliveryStatus.Pending && effect.Effect == VisitEffect.NewVisitorAlert && profile.Kind == VisitorKind.Customer)
                {
                    continue; // enrolled before the SMS went out: not a new visitor any more
                }
                visit.Outbox.Add(new OutboxEntry
                {
                    Effect = effect.Effect,
                    Status = effect.Status,
                    Attempts = effect.Attempts,
                    LastError = effect.LastError,
                    DeliveredAt = effect.DeliveredAt,
                    NextAttemptAt = now,
                });
            }
            visit.PersistedLastSeenAt = visit.LastSeenAt;
            // A courier may still be at work for the merged visitor: its report is passed on here; until it comes
            // (or its claim runs out) nothing is handed over again, and then the courier reads the history record first.
            visit.ClaimId = handOver.ClaimId;
            visit.ClaimedUntil = handOver.ClaimedUntil;
            State.OpenVisits.Add(visit);
            // As for an opening: the branch holds the visit durably before this visitor's write makes its effects owed here.
            await ArriveAsync(visit);
            var claim = _outbox.Claim(visit, now);
            await WriteAsync();
            if (claim is not null)
            {
                Send(visit, claim);
            }
        }
        LogAdopted(VisitorId, handOver.VisitId, handOver.FromVisitorId);
        await SettleAsync(now);
    }

    /// <summary>A sighting sent to a visitor that merged: passed on, and the camera told where to send the next.</summary>
    private async Task<VisitSightingResult> PassOnAsync(VisitorSighting sighting)
    {
        var survivorId = State.MergedInto!;
        var profile = State.MergedProfile ?? sighting.Profile;
        var result = await GrainFactory.GetGrain<IVisitorGrain>(survivorId).RecordSighting(sighting with { Profile = profile });
        return result with { MergedInto = result.MergedInto ?? survivorId, MergedProfile = result.MergedProfile ?? profile };
    }

    private VisitHandOver ToHandOver(Visit visit) => new(
        VisitorId, visit.VisitId, visit.BranchId, visit.FirstCameraId, visit.OpenedAt, visit.LastSeenAt, visit.CameraIds, visit.SightingCount, visit.ImageKey,
        visit.ToSummary().Effects, visit.RecordedAs ?? VisitorId, visit.ClaimedUntil, visit.ClaimId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Visitor {VisitorId} merged into {SurvivorId}; {Visits} open visits handed over")]
    private partial void LogMerged(string visitorId, string survivorId, int visits);

    [LoggerMessage(Level = LogLevel.Information, Message = "Visitor {VisitorId} took over visit {VisitId} from {FromVisitorId}")]
    private partial void LogAdopted(string visitorId, string visitId, string fromVisitorId);
}
