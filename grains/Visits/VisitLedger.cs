namespace NextGenCrm.Visits;

/// <summary>
/// The rules of a person's stays, as plain code over their <see cref="VisitorState"/>: a sighting opens,
/// extends, closes or reopens a visit; time closes it. No storage, no timers, no calls: the
/// <see cref="VisitorGrain"/> writes, tells the branch and hands the outbox to the courier from what this
/// returns, and the rules are tested without a cluster (tests/NextGenCrm.Tests/Visits).
/// </summary>
public sealed class VisitLedger(VisitorState state, VisitPolicy policy)
{
    public VisitorState State => state;

    /// <summary>Applies one sighting at <paramref name="now"/>; what changed says what must be written and told.</summary>
    public SightingChange Sight(VisitorSighting sighting, DateTimeOffset now)
    {
        var closed = CloseExpired(now);
        var mustWrite = closed.Count > 0 || state.Profile != sighting.Profile;
        state.Profile = sighting.Profile;

        var visit = state.OpenAt(sighting.BranchId);
        if (visit is not null)
        {
            if (sighting.AtExit)
            {
                Close(visit, now, Visit.ExitReason);
                visit.ExitSeenAt = sighting.CapturedAt;
                closed.Add(visit);
                return new(new(visit.VisitId, SightingOutcome.VisitClosed), true, closed);
            }
            mustWrite |= Extend(visit, sighting);
            return new(new(visit.VisitId, SightingOutcome.VisitExtended), mustWrite, closed, Extended: visit);
        }
        if (sighting.AtExit)
        {
            mustWrite |= RememberExitWithoutVisit(sighting);
            return new(new(null, SightingOutcome.ExitWithoutVisit), mustWrite, closed);
        }
        if (LateSightingOf(sighting) is { } earlier)
        {
            // A sighting from inside a visit already closed (an edge buffer draining after an outage, or one
            // the exit camera's sighting overtook): it belongs to that visit. It reopens the visit only if it
            // is recent and the visit closed for inactivity; one closed at an exit stays closed.
            Extend(earlier, sighting);
            Visit? reopened = null;
            if (earlier.CloseReason == Visit.InactiveReason && now - earlier.LastSeenAt < policy.InactivityTimeout)
            {
                Reopen(earlier);
                OweStaff(earlier, sighting.Profile); // a visit opened by sightings of someone long gone owed none yet
                reopened = earlier;
            }
            return new(new(earlier.VisitId, SightingOutcome.VisitExtended), true, closed, Reopened: reopened);
        }

        var addsFace = WantsFaceOf(sighting);
        var longGone = LongGone(sighting, now);
        var opened = Open(sighting, owesStaff: !longGone);
        if (TakeExitWithoutVisitAfter(sighting) is { } exitSeenAt)
        {
            // The exit camera saw them leave before this sighting from inside was applied: the visit
            // (task and alert included) is what the two in capture order make, closed at that exit.
            Close(opened, now, Visit.ExitReason);
            opened.ExitSeenAt = exitSeenAt;
        }
        else if (longGone)
        {
            // Closed for inactivity as it opens: later sightings of the same stay join it, and one recent
            // enough to mean the person is still inside reopens it with its task and alert.
            Close(opened, now, Visit.InactiveReason);
        }
        return new(new(opened.VisitId, SightingOutcome.NewVisit), true, closed, Opened: opened, AddsFace: addsFace);
    }

    /// <summary>Closes the open visits not sighted for the inactivity timeout; returns them.</summary>
    public List<Visit> CloseExpired(DateTimeOffset now)
    {
        var expired = state.OpenVisits.Where(v => now - v.LastSeenAt >= policy.InactivityTimeout).ToList();
        foreach (var visit in expired)
        {
            Close(visit, now, Visit.InactiveReason);
        }
        return expired;
    }

    /// <summary>When the next open visit runs out of time, if any is open.</summary>
    public DateTimeOffset? NextCloseAt() =>
        state.OpenVisits.Count == 0 ? null : state.OpenVisits.Min(v => v.LastSeenAt) + policy.InactivityTimeout;

    /// <summary>
    /// Adds what staff are owed for a visit they can still act on, unless it has it: the task, and for a
    /// stranger the alert.
    /// </summary>
    public static void OweStaff(Visit visit, VisitorProfile profile)
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

    private Visit Open(VisitorSighting sighting, bool owesStaff)
    {
        var visit = new Visit
        {
            VisitId = Guid.CreateVersion7(sighting.CapturedAt).ToString("N"),
            BranchId = sighting.BranchId,
            FirstCameraId = sighting.CameraId,
            OpenedAt = sighting.CapturedAt,
            LastSeenAt = sighting.CapturedAt,
            SightingCount = sighting.SightingCount,
            ImageKey = sighting.ImageKey,
            CameraIds = [sighting.CameraId],
        };
        visit.Outbox.Add(new OutboxEntry { Effect = VisitEffect.HistoryRecord });
        if (owesStaff)
        {
            OweStaff(visit, sighting.Profile);
        }
        visit.PersistedLastSeenAt = visit.LastSeenAt;
        state.OpenVisits.Add(visit);
        return visit;
    }

    /// <summary>Extends the visit; true when the extension should be written now.</summary>
    private bool Extend(Visit visit, VisitorSighting sighting)
    {
        if (sighting.CapturedAt > visit.LastSeenAt)
        {
            visit.LastSeenAt = sighting.CapturedAt;
        }
        visit.SightingCount += sighting.SightingCount;
        visit.ImageKey ??= sighting.ImageKey;
        visit.SeenBy(sighting.CameraId); // written with the next write; not worth one of its own
        return visit.LastSeenAt - visit.PersistedLastSeenAt >= policy.LastSeenPersistStep;
    }

    private void Close(Visit visit, DateTimeOffset now, string reason)
    {
        visit.ClosedAt = now;
        visit.CloseReason = reason;
        state.OpenVisits.Remove(visit);
        state.Recent.Insert(0, visit);
        for (var i = state.Recent.Count - 1; i >= policy.RecentVisitsKept; i--)
        {
            if (!state.Recent[i].HasPendingEffects)
            {
                state.Recent.RemoveAt(i);
            }
        }
    }

    private void Reopen(Visit visit)
    {
        state.Recent.Remove(visit);
        visit.ClosedAt = null;
        visit.CloseReason = null;
        visit.PersistedLastSeenAt = visit.LastSeenAt;
        state.OpenVisits.Add(visit);
    }

    /// <summary>
    /// Whether the visit this sighting opens adds its face to the person (counted now, written with the open):
    /// not a stranger's first visit, whose face they were registered with, and not past the policy's limit.
    /// </summary>
    private bool WantsFaceOf(VisitorSighting sighting)
    {
        var firstOfStranger = sighting.Profile.Kind == VisitorKind.New && !state.AllVisits.Any();
        if (firstOfStranger || state.FacesAdded >= policy.FacesAddedPerPerson || sighting.ImageKey is null && sighting.FaceToken is null && sighting.FaceDescriptor is null)
        {
            return false;
        }
        state.FacesAdded++;
        return true;
    }

    /// <summary>
    /// Captured longer ago than the inactivity timeout (an edge buffer draining after hours offline): by the
    /// visit's own rule the person has left, so a visit it opens is history only, with no task and no SMS.
    /// </summary>
    private bool LongGone(VisitorSighting sighting, DateTimeOffset now) => now - sighting.CapturedAt >= policy.InactivityTimeout;

    /// <summary>
    /// The closed visit at this branch that a late sighting belongs to, if any: one closed for inactivity
    /// whose time window holds it, or one closed at an exit sighted at or after it. Of several, the one
    /// whose window ends first: one stay at a branch ends before the next begins.
    /// </summary>
    private Visit? LateSightingOf(VisitorSighting sighting)
    {
        var timeout = policy.InactivityTimeout;
        var at = sighting.CapturedAt;
        Visit? found = null;
        var foundEnd = DateTimeOffset.MaxValue;
        foreach (var visit in state.Recent)
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
    /// Remembers an exit sighting that found no visit open at its branch: a sighting from inside captured
    /// before it may be applied after it. Not when a visit at the branch closed at an exit sighted at or
    /// after it (what was inside before belongs to that visit), nor twice. True when the state changed.
    /// </summary>
    private bool RememberExitWithoutVisit(VisitorSighting sighting)
    {
        var at = sighting.CapturedAt;
        if (state.Recent.Exists(v => v.BranchId == sighting.BranchId && v.ExitSeenAt >= at)
            || state.ExitsWithoutVisit?.Exists(e => e.BranchId == sighting.BranchId && e.CapturedAt == at) == true)
        {
            return false;
        }
        var exits = state.ExitsWithoutVisit ??= [];
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
        if (state.ExitsWithoutVisit is not { } exits)
        {
            return null;
        }
        var at = sighting.CapturedAt;
        var exit = exits
            .Where(e => e.BranchId == sighting.BranchId && e.CapturedAt >= at && e.CapturedAt - at < policy.InactivityTimeout)
            .MinBy(e => e.CapturedAt);
        if (exit is null)
        {
            return null;
        }
        exits.Remove(exit);
        if (exits.Count == 0)
        {
            state.ExitsWithoutVisit = null;
        }
        return exit.CapturedAt;
    }
}

/// <summary>
/// What one sighting changed: the answer, whether the state must be written now, the visits it closed
/// (time-outs first, then an exit), and the one it opened, reopened or extended.
/// </summary>
public sealed record SightingChange(
    VisitSightingResult Result,
    bool MustWrite,
    IReadOnlyList<Visit> Closed,
    Visit? Opened = null,
    Visit? Reopened = null,
    Visit? Extended = null,
    bool AddsFace = false)
{
    /// <summary>The visit that arrives at its branch with this sighting: opened (and not closed at once) or reopened.</summary>
    public Visit? Arrived => Reopened ?? (Opened is { ClosedAt: null } opened ? opened : null);
}
