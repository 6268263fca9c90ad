using NextGenCrm.Visits;

namespace NextGenCrm.Tests.Visits;

/// <summary>The rules of a stay, on plain state and a clock that only moves when told: no cluster, no storage.</summary>
public sealed class VisitLedgerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);
    private static readonly VisitorProfile Stranger = new(VisitorKind.New, null, null);
    private static readonly VisitorProfile Customer = new(VisitorKind.Customer, "c-1", "Ada");

    private readonly VisitPolicy _policy = new() { InactivityTimeout = TimeSpan.FromMinutes(15), RecentVisitsKept = 3 };
    private readonly VisitorState _state = new();
    private VisitLedger Ledger => new(_state, _policy);

    private static VisitorSighting Seen(DateTimeOffset at, string branch = "b1", string camera = "door", bool exit = false, VisitorProfile? profile = null, string? face = "face-1") =>
        new(Guid.NewGuid().ToString("N"), branch, camera, at, null, 1, exit, profile ?? Stranger, face);

    private static VisitEffect[] Owed(Visit visit) => [.. visit.Outbox.Where(e => e.Status == DeliveryStatus.Pending).Select(e => e.Effect).Order()];

    [Fact]
    public void A_strangers_first_sighting_opens_a_visit_owing_history_task_and_alert()
    {
        var change = Ledger.Sight(Seen(T0), T0);

        Assert.Equal(SightingOutcome.NewVisit, change.Result.Outcome);
        var visit = Assert.IsType<Visit>(change.Opened);
        Assert.Same(visit, change.Arrived);
        Assert.True(change.MustWrite);
        Assert.Equal([VisitEffect.HistoryRecord, VisitEffect.StaffTask, VisitEffect.NewVisitorAlert], Owed(visit));
        Assert.False(change.AddsFace); // their first visit's face is the one they were registered with
    }

    [Fact]
    public void A_customers_visit_owes_no_sms()
    {
        var visit = Ledger.Sight(Seen(T0, profile: Customer), T0).Opened!;

        Assert.Equal([VisitEffect.HistoryRecord, VisitEffect.StaffTask], Owed(visit));
    }

    [Fact]
    public void Later_sightings_extend_the_visit_and_are_written_only_when_last_seen_has_moved_a_persist_step()
    {
        var opened = Ledger.Sight(Seen(T0), T0).Opened!;
        var step = _policy.LastSeenPersistStep;

        var soon = Ledger.Sight(Seen(T0 + TimeSpan.FromMinutes(1), camera: "hall"), T0 + TimeSpan.FromMinutes(1));
        var later = Ledger.Sight(Seen(T0 + step), T0 + step);

        Assert.Equal(SightingOutcome.VisitExtended, soon.Result.Outcome);
        Assert.Equal(opened.VisitId, soon.Result.VisitId);
        Assert.False(soon.MustWrite);
        Assert.True(later.MustWrite);
        Assert.Equal(["door", "hall"], opened.CameraIds);
        Assert.Equal(3, opened.SightingCount);
        Assert.Null(soon.Arrived);
    }

    [Fact]
    public void A_visit_closes_after_the_inactivity_timeout_and_not_a_tick_before()
    {
        var visit = Ledger.Sight(Seen(T0), T0).Opened!;

        Assert.Empty(Ledger.CloseExpired(T0 + _policy.InactivityTimeout - TimeSpan.FromTicks(1)));
        Assert.Equal(T0 + _policy.InactivityTimeout, Ledger.NextCloseAt());
        var closed = Assert.Single(Ledger.CloseExpired(T0 + _policy.InactivityTimeout));

        Assert.Same(visit, closed);
        Assert.Equal(Visit.InactiveReason, visit.CloseReason);
        Assert.Empty(_state.OpenVisits);
        Assert.Null(Ledger.NextCloseAt());
    }

    [Fact]
    public void An_exit_camera_closes_the_open_visit()
    {
        var visit = Ledger.Sight(Seen(T0), T0).Opened!;

        var change = Ledger.Sight(Seen(T0 + TimeSpan.FromMinutes(5), camera: "exit", exit: true), T0 + TimeSpan.FromMinutes(5));

        Assert.Equal(SightingOutcome.VisitClosed, change.Result.Outcome);
        Assert.Same(visit, Assert.Single(change.Closed));
        Assert.Equal(Visit.ExitReason, visit.CloseReason);
        Assert.Equal(T0 + TimeSpan.FromMinutes(5), visit.ExitSeenAt);
    }

    [Fact]
    public void A_sighting_from_inside_applied_after_the_exit_that_followed_it_opens_a_visit_already_closed_at_that_exit()
    {
        var exitAt = T0 + TimeSpan.FromSeconds(30);
        var exit = Ledger.Sight(Seen(exitAt, camera: "exit", exit: true), exitAt);
        var inside = Ledger.Sight(Seen(T0), exitAt + TimeSpan.FromSeconds(1));

        Assert.Equal(SightingOutcome.ExitWithoutVisit, exit.Result.Outcome);
        var visit = inside.Opened!;
        Assert.Equal(Visit.ExitReason, visit.CloseReason);
        Assert.Equal(exitAt, visit.ExitSeenAt);
        Assert.Null(inside.Arrived); // never shown in the branch
        Assert.Equal([VisitEffect.HistoryRecord, VisitEffect.StaffTask, VisitEffect.NewVisitorAlert], Owed(visit));
        Assert.Null(_state.ExitsWithoutVisit);
    }

    [Fact]
    public void A_late_sighting_of_a_visit_closed_for_inactivity_reopens_the_same_visit_without_owing_anything_twice()
    {
        var visit = Ledger.Sight(Seen(T0), T0).Opened!;
        visit.Outbox.ForEach(e => e.Status = DeliveryStatus.Delivered);
        var closedAt = T0 + _policy.InactivityTimeout;
        Ledger.CloseExpired(closedAt);

        // An edge buffer drains: a sighting captured before the timeout ran out, applied just after.
        var change = Ledger.Sight(Seen(T0 + TimeSpan.FromMinutes(14)), closedAt + TimeSpan.FromSeconds(5));

        Assert.Same(visit, change.Reopened);
        Assert.Same(visit, change.Arrived);
        Assert.Equal(visit.VisitId, change.Result.VisitId);
        Assert.Null(visit.ClosedAt);
        Assert.Empty(Owed(visit));
    }

    [Fact]
    public void A_late_sighting_of_a_visit_closed_at_an_exit_joins_it_and_does_not_reopen_it()
    {
        var visit = Ledger.Sight(Seen(T0), T0).Opened!;
        Ledger.Sight(Seen(T0 + TimeSpan.FromMinutes(5), camera: "exit", exit: true), T0 + TimeSpan.FromMinutes(5));

        var change = Ledger.Sight(Seen(T0 + TimeSpan.FromMinutes(4), camera: "hall"), T0 + TimeSpan.FromMinutes(6));

        Assert.Equal(visit.VisitId, change.Result.VisitId);
        Assert.Null(change.Reopened);
        Assert.Null(change.Arrived);
        Assert.NotNull(visit.ClosedAt);
        Assert.Contains("hall", visit.CameraIds);
    }

    [Fact]
    public void A_sighting_captured_longer_ago_than_the_timeout_opens_a_closed_visit_that_owes_only_its_history_until_a_recent_one_reopens_it()
    {
        var now = T0 + TimeSpan.FromMinutes(20);
        var change = Ledger.Sight(Seen(T0), now);

        var visit = change.Opened!;
        Assert.NotNull(visit.ClosedAt);
        Assert.Null(change.Arrived);
        Assert.Equal([VisitEffect.HistoryRecord], Owed(visit));

        // The same stay, still going on: a sighting captured within the timeout reopens it, and now staff are owed.
        var reopened = Ledger.Sight(Seen(T0 + TimeSpan.FromMinutes(10)), now);
        Assert.Same(visit, reopened.Reopened);
        Assert.Same(visit, reopened.Arrived);
        Assert.Null(visit.ClosedAt);
        Assert.Equal([VisitEffect.HistoryRecord, VisitEffect.StaffTask, VisitEffect.NewVisitorAlert], Owed(visit));
    }

    [Fact]
    public void Closed_visits_kept_are_bounded_but_one_that_still_owes_a_delivery_is_never_dropped()
    {
        var owing = Ledger.Sight(Seen(T0, branch: "b0"), T0).Opened!;
        Ledger.CloseExpired(T0 + _policy.InactivityTimeout);
        for (var i = 1; i <= 5; i++)
        {
            var at = T0 + TimeSpan.FromHours(i);
            var visit = Ledger.Sight(Seen(at, branch: $"b{i}"), at).Opened!;
            visit.Outbox.ForEach(e => e.Status = DeliveryStatus.Delivered);
            Ledger.CloseExpired(at + _policy.InactivityTimeout);
        }

        Assert.Equal(4, _state.Recent.Count); // three kept, plus the one that still owes
        Assert.Contains(owing, _state.Recent);
    }

    [Fact]
    public void A_known_persons_visits_add_their_face_up_to_the_policys_limit()
    {
        _policy.FacesAddedPerPerson = 1;
        var first = Ledger.Sight(Seen(T0, profile: Customer), T0);
        Ledger.CloseExpired(T0 + TimeSpan.FromHours(1));
        var second = Ledger.Sight(Seen(T0 + TimeSpan.FromHours(2), profile: Customer), T0 + TimeSpan.FromHours(2));

        Assert.True(first.AddsFace);
        Assert.False(second.AddsFace);
        Assert.Equal(1, _state.FacesAdded);
    }
}
