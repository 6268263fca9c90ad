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

    /// <summary>
    /// Captured longer ago than the inactivity timeout (an edge buffer draining after hours offline): by the
    /// visit's own rule the person has left, so a visit it opens is history only, with no task and no SMS.
    /// </summary>
    private bool LongGone(VisitorSighting sighting, DateTimeOffset now) => now - sighting.CapturedAt >= _policy.InactivityTimeout;

    /// <summary>
    /// Adds what staff are owed for a visit they can still act on, unless it has it: the task, and for a
    /// stranger the alert.
    /// </summary>
    private static void OweStaff(Visit visit, VisitorProfile profile)
    {
        if (!visit.Outbox.Exists(e => e.Effect == VisitEffect.StaffTask))
        {
            visit.Outbox.Add(new OutboxEntry { Effect = VisitEffect.StaffTask });
        }
        if (profile.Kind == VisitorKind.New && !visit.Outbox.Exists(e => e.Effect == VisitEffect.NewVisitorAlert))
        {
            visit.Outbox.Add(new OutboxEntry { Effect = VisitEffect.NewVisitorAlert });
        }
    }

    private void Reopen(Visit visit)
    {
        State.Recent.Remove(visit);
        visit.ClosedAt = null;
        visit.CloseReason = null;
        visit.PersistedLastSeenAt = visit.LastSeenAt;
        State.OpenVisits.Add(visit);
    }

    /// <summary>
    /// Remembers an exit sighting that found no visit open at its branch: a sighting from inside captured
    /// before it may be applied after it. Not when a visit at the branch closed at an exit sighted at or
    /// after it (what was inside before belongs to that visit), nor twice. True when the state changed.
    /// </summary>
    private bool RememberExitWithoutVisit(VisitorSighting sighting)
    {
        var at = sighting.CapturedAt;
        if (State.Recent.Exists(v => v.BranchId == sighting.BranchId && v.ExitSeenAt >= at)
            || State.ExitsWithoutVisit?.Exists(e => e.BranchId == sighting.BranchId && e.CapturedAt == at) == true)
        {
            return false;
        }
        var exits = State.ExitsWithoutVisit ??= [];
        exits.Add(new ExitWithoutVisit { BranchId = sighting.BranchId, CapturedAt = at });
        if (exits.Count > VisitorState.ExitsWithoutVisitKept)
        {
            exits.RemoveAt(0);
        }
        return true;
    }

    /// <summary>
    /// The capture time of the first remembered exit at the sighting's branch at or after it (within the
    /// inactivity timeout), taken off the list: the visit this sighting opens closed there. Null if none.
    /// </summary>
    private DateTimeOffset? TakeExitWithoutVisitAfter(VisitorSighting sighting)
    {
        if (State.ExitsWithoutVisit is not { } exits)
        {
            return null;
        }
        var at = sighting.CapturedAt;
        var exit = exits
            .Where(e => e.BranchId == sighting.BranchId && e.CapturedAt >= at && e.CapturedAt - at < _policy.InactivityTimeout)
            .MinBy(e => e.CapturedAt);
        if (exit is null)
        {
            return null;
        }
        exits.Remove(exit);
        if (exits.Count == 0)
        {
            State.ExitsWithoutVisit = null;
        }
        return exit.CapturedAt;
    }
}
