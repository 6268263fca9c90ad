using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using NextGenCrm.Visits;

namespace NextGenCrm.Tests.Visits;

/// <summary>
/// The outbox's rules on plain state: what is owed, who may deliver it, what a report changes, backoff, and
/// the visit as a crash leaves it in each window (the state as last written, read back by a new activation).
/// </summary>
public sealed class VisitOutboxTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    private readonly VisitPolicy _policy = new()
    {
        DeliveryRetryBase = TimeSpan.FromSeconds(2),
        DeliveryRetryMax = TimeSpan.FromMinutes(5),
        DeliveryReportTimeout = TimeSpan.FromMinutes(2),
    };

    private VisitOutbox Outbox(double random = 0.5) => new(_policy, () => random);

    private static Visit StrangersVisit()
    {
        var visit = new Visit { VisitId = "v1", BranchId = "b1", FirstCameraId = "door", OpenedAt = T0, LastSeenAt = T0 };
        visit.Outbox.Add(new OutboxEntry { Effect = VisitEffect.HistoryRecord });
        VisitLedger.OweStaff(visit, new VisitorProfile(VisitorKind.New, null, null));
        return visit;
    }

    /// <summary>What a new activation reads after a crash: the state as written, nothing held in memory.</summary>
    private static Visit AsWritten(Visit visit) => Serializer.Deserialize<Visit>(Serializer.SerializeToArray(visit))!;

    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    private static DeliveryReport[] AllDelivered(bool onRecord = true) =>
    [
        new(VisitEffect.StaffTask, DeliveryStatus.Delivered, null, onRecord),
        new(VisitEffect.NewVisitorAlert, DeliveryStatus.Delivered, null, onRecord),
        new(VisitEffect.HistoryRecord, DeliveryStatus.Delivered, null),
    ];

    [Fact]
    public void A_new_visits_first_order_carries_everything_owed_and_is_known_not_to_repeat()
    {
        var claim = Outbox().Claim(StrangersVisit(), T0)!;

        Assert.Equal([VisitEffect.HistoryRecord, VisitEffect.StaffTask, VisitEffect.NewVisitorAlert], claim.Effects);
        Assert.False(claim.MayBeRepeat);
        Assert.Equal(T0 + _policy.DeliveryReportTimeout, claim.Until);
    }

    [Fact]
    public void No_second_order_is_handed_out_while_the_first_may_still_be_at_work()
    {
        var visit = StrangersVisit();
        var outbox = Outbox();
        outbox.Claim(visit, T0);

        Assert.Null(outbox.Claim(visit, T0 + TimeSpan.FromSeconds(1)));
        Assert.Null(outbox.Claim(visit, T0 + _policy.DeliveryReportTimeout - TimeSpan.FromTicks(1)));
        var next = outbox.Claim(visit, T0 + _policy.DeliveryReportTimeout);
        Assert.NotNull(next);
        Assert.True(next.MayBeRepeat); // the first may have delivered: the courier reads the record first
    }

    [Fact]
    public void A_report_settles_what_went_out_and_releases_the_claim_it_ran_under()
    {
        var visit = StrangersVisit();
        var outbox = Outbox();
        var claim = outbox.Claim(visit, T0)!;

        var outcome = outbox.Record(visit, claim.Id, AllDelivered(), T0 + TimeSpan.FromSeconds(1));

        Assert.False(visit.HasPendingEffects);
        Assert.Null(visit.ClaimedUntil);
        Assert.All(visit.Outbox, e => Assert.Equal(T0 + TimeSpan.FromSeconds(1), e.DeliveredAt));
        Assert.True(outcome.TaskStatusChanged);
        Assert.Equal(3, outcome.Delivered.Count);
        Assert.Null(VisitOutbox.NextLookAt(visit));
    }

    [Fact]
    public void A_late_report_of_an_older_order_counts_but_does_not_release_the_current_claim()
    {
        var visit = StrangersVisit();
        var outbox = Outbox();
        var first = outbox.Claim(visit, T0)!;
        var second = outbox.Claim(visit, T0 + _policy.DeliveryReportTimeout)!;

        outbox.Record(visit, first.Id, [new(VisitEffect.StaffTask, DeliveryStatus.Delivered, null, true)], T0 + _policy.DeliveryReportTimeout + TimeSpan.FromSeconds(1));

        Assert.Equal(DeliveryStatus.Delivered, visit.Outbox.Single(e => e.Effect == VisitEffect.StaffTask).Status);
        Assert.Equal(second.Until, visit.ClaimedUntil);
        Assert.True(VisitOutbox.IsClaimed(visit, T0 + _policy.DeliveryReportTimeout + TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Marks_of_an_open_visit_ride_along_when_the_history_record_holds_the_receipts()
    {
        var visit = StrangersVisit();
        var outbox = Outbox();
        var claim = outbox.Claim(visit, T0)!;

        Assert.False(outbox.Record(visit, claim.Id, AllDelivered(onRecord: true), T0).MustWrite);
    }

    [Fact]
    public void A_task_or_an_sms_that_went_out_without_its_receipt_on_record_is_marked_at_once()
    {
        var visit = StrangersVisit();
        var outbox = Outbox();
        var claim = outbox.Claim(visit, T0)!;

        var outcome = outbox.Record(visit, claim.Id,
            [new(VisitEffect.StaffTask, DeliveryStatus.Delivered, null, OnRecord: false), new(VisitEffect.HistoryRecord, DeliveryStatus.Pending, "table down")], T0);

        Assert.True(outcome.MustWrite);
    }

    [Fact]
    public void Every_mark_of_a_closed_visit_is_written_at_once()
    {
        var visit = StrangersVisit();
        visit.ClosedAt = T0;
        var outbox = Outbox();
        var claim = outbox.Claim(visit, T0)!;

        Assert.True(outbox.Record(visit, claim.Id, AllDelivered(), T0).MustWrite);
    }

    [Fact]
    public void A_failed_attempt_waits_a_jittered_backoff_that_doubles_up_to_the_maximum()
    {
        var visit = StrangersVisit();
        var outbox = Outbox(random: 1.0); // the top of the jitter: +20 %
        var now = T0;
        var waits = new List<TimeSpan>();
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var claim = outbox.Claim(visit, now)!;
            outbox.Record(visit, claim.Id, [new(VisitEffect.StaffTask, DeliveryStatus.Pending, "503")], now);
            var task = visit.Outbox.Single(e => e.Effect == VisitEffect.StaffTask);
            waits.Add(task.NextAttemptAt - now);
            Assert.DoesNotContain(VisitEffect.StaffTask, VisitOutbox.Due(visit, task.NextAttemptAt - TimeSpan.FromTicks(1)));
            Assert.Contains(VisitEffect.StaffTask, VisitOutbox.Due(visit, task.NextAttemptAt));
            now = task.NextAttemptAt;
        }

        Assert.Equal(TimeSpan.FromSeconds(2.4), waits[0]);
        Assert.Equal(TimeSpan.FromSeconds(4.8), waits[1]);
        Assert.Equal(TimeSpan.FromMinutes(6), waits[^1]); // five minutes at most, +20 %
        Assert.Equal(10, visit.Outbox.Single(e => e.Effect == VisitEffect.StaffTask).Attempts);
    }

    [Fact]
    public void A_refusal_for_good_is_not_retried_until_an_operator_redrives_it()
    {
        var visit = StrangersVisit();
        var outbox = Outbox();
        var claim = outbox.Claim(visit, T0)!;
        outbox.Record(visit, claim.Id,
            [new(VisitEffect.StaffTask, DeliveryStatus.Failed, "400"), new(VisitEffect.NewVisitorAlert, DeliveryStatus.Delivered, null, true), new(VisitEffect.HistoryRecord, DeliveryStatus.Delivered, null)], T0);

        Assert.False(visit.HasPendingEffects);
        Assert.Null(outbox.Claim(visit, T0 + TimeSpan.FromDays(1)));

        Assert.Equal([VisitEffect.StaffTask], VisitOutbox.Redrive(visit, T0 + TimeSpan.FromDays(1)));
        var again = outbox.Claim(visit, T0 + TimeSpan.FromDays(1))!;
        Assert.Equal([VisitEffect.StaffTask], again.Effects);
        Assert.True(again.MayBeRepeat);
    }

    // The crash windows: each test is the state a new activation reads after a crash at that point.

    [Fact]
    public void Crash_after_the_opening_write_before_any_report_the_next_activation_waits_for_the_claim_then_repeats_with_a_check()
    {
        var visit = StrangersVisit();
        Outbox().Claim(visit, T0); // written with the opening, then the order is handed to the courier
        var read = AsWritten(visit);
        var outbox = Outbox();

        Assert.Null(outbox.Claim(read, T0 + TimeSpan.FromSeconds(5))); // the first courier may still be at work
        Assert.Equal(T0 + _policy.DeliveryReportTimeout, VisitOutbox.NextLookAt(read));
        var repeat = outbox.Claim(read, T0 + _policy.DeliveryReportTimeout)!;
        Assert.True(repeat.MayBeRepeat);
        Assert.Equal([VisitEffect.HistoryRecord, VisitEffect.StaffTask, VisitEffect.NewVisitorAlert], repeat.Effects);
    }

    [Fact]
    public void Crash_after_the_report_before_its_marks_were_written_the_effects_are_owed_again_and_the_order_reads_the_receipts_first()
    {
        var visit = StrangersVisit();
        var outbox = Outbox();
        var claim = outbox.Claim(visit, T0)!;
        var written = AsWritten(visit); // the report's marks ride along with the next write, which never comes
        outbox.Record(visit, claim.Id, AllDelivered(), T0 + TimeSpan.FromSeconds(1));

        Assert.True(written.HasPendingEffects);
        var repeat = Outbox().Claim(written, T0 + _policy.DeliveryReportTimeout)!;
        Assert.True(repeat.MayBeRepeat);
    }

    [Fact]
    public void Crash_after_an_unreceipted_sms_its_mark_is_already_written()
    {
        var visit = StrangersVisit();
        var outbox = Outbox();
        var claim = outbox.Claim(visit, T0)!;
        var outcome = outbox.Record(visit, claim.Id,
            [new(VisitEffect.NewVisitorAlert, DeliveryStatus.Delivered, null, OnRecord: false), new(VisitEffect.HistoryRecord, DeliveryStatus.Pending, "table down")], T0);

        Assert.True(outcome.MustWrite); // so the state read after a crash holds it
        var read = AsWritten(visit);
        Assert.Equal(DeliveryStatus.Delivered, read.Outbox.Single(e => e.Effect == VisitEffect.NewVisitorAlert).Status);
        var next = Outbox().Claim(read, T0 + TimeSpan.FromMinutes(10))!;
        Assert.DoesNotContain(VisitEffect.NewVisitorAlert, next.Effects);
    }

    [Fact]
    public void Crash_after_a_merge_handed_the_visit_over_the_survivor_checks_the_record_before_its_first_order()
    {
        var visit = StrangersVisit();
        var adopted = new Visit { VisitId = visit.VisitId, BranchId = "b1", FirstCameraId = "door", RecordedAs = "v-merged" };
        adopted.Outbox.AddRange(visit.Outbox);

        Assert.True(Outbox().Claim(adopted, T0)!.MayBeRepeat);
    }

    [Fact]
    public void Crash_after_a_close_while_the_task_is_still_owed_the_visitors_own_reminder_was_registered_before_the_close_was_written()
    {
        var policy = new VisitPolicy { InactivityTimeout = TimeSpan.FromMinutes(15) };
        var state = new VisitorState();
        var ledger = new VisitLedger(state, policy);
        var visit = ledger.Sight(new VisitorSighting("s1", "b1", "door", T0, null, 1, false, new VisitorProfile(VisitorKind.New, null, null)), T0).Opened!;

        Assert.False(VisitOutbox.NeedsOwnReminder(state)); // open: the branch holds the arrival and wakes it
        ledger.Sight(new VisitorSighting("s2", "b1", "exit", T0 + TimeSpan.FromMinutes(1), null, 1, true, new VisitorProfile(VisitorKind.New, null, null)), T0 + TimeSpan.FromMinutes(1));

        Assert.NotNull(visit.ClosedAt);
        Assert.True(VisitOutbox.NeedsOwnReminder(state)); // closed and owing: the grain registers it before it writes
        visit.Outbox.ForEach(e => e.Status = DeliveryStatus.Delivered);
        Assert.False(VisitOutbox.NeedsOwnReminder(state)); // nothing owed: let go
    }
}
