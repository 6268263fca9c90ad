using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Ports;

namespace NextGenCrm.LocalStore.Tests;

/// <summary>The embedded mode's records do not grow with every visit: recorders keep a recent window, history expires.</summary>
public sealed class BoundedRecordsTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task The_task_recorder_keeps_the_most_recent_tasks_and_counts_every_call()
    {
        var tasks = new RecordingTaskAssigner(NullLogger<RecordingTaskAssigner>.Instance, kept: 3);

        for (var i = 1; i <= 5; i++)
        {
            await tasks.AssignAsync(new TaskAssignment($"visit-{i}", null, null, "main-st", null, StaffRole.Sales), None);
        }
        await tasks.AssignAsync(new TaskAssignment("visit-5", null, null, "main-st", null, StaffRole.Sales), None);

        Assert.Equal(["visit-3", "visit-4", "visit-5"], tasks.Assigned.Select(t => t.VisitId).Order());
        Assert.Equal(6, tasks.Calls);
    }

    [Fact]
    public async Task The_alert_recorder_keeps_the_most_recent_alerts_and_their_call_counts()
    {
        var alerts = new RecordingAlertPublisher(NullLogger<RecordingAlertPublisher>.Instance, kept: 2);

        await alerts.PublishAsync(new NewVisitorAlert("visit-1", "main-st", DateTimeOffset.UtcNow, null), None);
        await alerts.PublishAsync(new NewVisitorAlert("visit-2", "main-st", DateTimeOffset.UtcNow, null), None);
        await alerts.PublishAsync(new NewVisitorAlert("visit-2", "main-st", DateTimeOffset.UtcNow, null), None);
        await alerts.PublishAsync(new NewVisitorAlert("visit-3", "main-st", DateTimeOffset.UtcNow, null), None);

        Assert.Equal(["visit-2", "visit-3"], alerts.Published.Select(a => a.VisitId).Order());
        Assert.Equal(2, alerts.CallsFor("visit-2"));
        Assert.Equal(0, alerts.CallsFor("visit-1"));
        Assert.Equal(4, alerts.Calls);
    }

    [Fact]
    public async Task A_history_record_is_gone_once_its_visit_started_longer_ago_than_the_retention()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
        var history = new InMemoryVisitHistory(TimeSpan.FromDays(30), clock);
        await history.AppendAsync(Record("old", clock.GetUtcNow()), None);
        clock.Advance(TimeSpan.FromDays(20));
        await history.AppendAsync(Record("recent", clock.GetUtcNow()), None);

        clock.Advance(TimeSpan.FromDays(11));
        await history.AppendAsync(Record("today", clock.GetUtcNow()), None);

        Assert.Null(await history.FindAsync("v-1", "old", None));
        Assert.NotNull(await history.FindAsync("v-1", "recent", None));
        Assert.Equal(["today", "recent"], (await history.QueryAsync("v-1", 10, None)).Select(r => r.VisitId));
        Assert.Equal(2, history.Count);
    }

    private static VisitHistoryRecord Record(string visitId, DateTimeOffset start) => new(visitId, "v-1", null, "main-st", "entrance", start, null);
}
