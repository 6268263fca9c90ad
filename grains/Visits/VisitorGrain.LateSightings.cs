namespace NextGenCrm.Visits;

/// <summary>
/// Sightings applied out of capture order: a draining edge buffer, or a batch whose cameras are applied
/// side by side, so that the exit camera's sighting can overtake one from inside. A late sighting goes
/// to the visit it was captured in, rather than opening a visit (and a task) of its own.
/// </summary>
public sealed partial class VisitorGrain
{
    /// <summary>
    /// The closed visit at this branch that a late sighting belongs to, if any: one closed for inactivity
    /// whose time window holds it, or one closed at an exit sighted at or after it. Of several, the one
    /// whose window ends first: one stay at a branch ends before the next begins.
    /// </summary>
    private Visit? LateSightingOf(VisitorSighting sighting)
    {
        var timeout = _policy.InactivityTimeout;
        var at = sighting.CapturedAt;
        Visit? found = null;
        var foundEnd = DateTimeOffset.MaxValue;
        foreach (var visit in State.Recent)
        {
            if (visit.BranchId != sighting.BranchId || at <= visit.OpenedAt - timeout)
            {
                continue;
            }
            DateTimeOffset? end = visit.CloseReason switch
            {
                Visit.InactiveReason when at < visit.LastSeenAt + timeout => visit.LastSeenAt + timeout,
                Visit.ExitReason when visit.ExitSeenAt is { } exit && at <= exit => exit,
                _ => null,
            };
            if (end is { } windowEnd && windowEnd < foundEnd)
            {
                found = visit;
                foundEnd = windowEnd;
            }
        }
        return found;
    }

    private void Reopen(Visit visit)
    {
        State.Recent.Remove(visit);
        visit.ClosedAt = null;
        visit.CloseReason = null;
        visit.PersistedLastSeenAt = visit.LastSeenAt;
        State.OpenVisits.Add(visit);
    }
}
