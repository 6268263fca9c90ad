// The contract calls the Orleans interfaces as the runtime does, without a test cancellation token.
#pragma warning disable xUnit1051

using Orleans;
using Orleans.Runtime;

namespace NextGenCrm.Orleans.Contracts;

/// <summary>
/// What every reminder table of the project promises the Orleans reminder service (DynamoDB, the local SQLite
/// store): run against each by a subclass that says how to make one.
/// </summary>
public abstract class ReminderTableContract
{
    protected abstract Task<IReminderTable> NewTableAsync();

    /// <summary>A table for many reminders (DynamoDB: small query pages, so reads page through).</summary>
    protected virtual Task<IReminderTable> NewLargeTableAsync() => NewTableAsync();

    protected static GrainId NewGrain() => GrainId.Create("visitor", $"v-{Guid.NewGuid():N}");

    [Fact]
    public async Task An_upserted_reminder_reads_back_with_the_etag_the_upsert_returned()
    {
        var table = await NewTableAsync();
        var reminder = Reminder(NewGrain(), "close-visit");

        var etag = await table.UpsertRow(reminder);

        var read = await table.ReadRow(reminder.GrainId, "close-visit");
        Assert.NotNull(read);
        Assert.Equal(etag, read.ETag);
        Assert.Equal(reminder.StartAt, read.StartAt);
        Assert.Equal(reminder.Period, read.Period);
        Assert.Equal(reminder.GrainId, read.GrainId);
    }

    [Fact]
    public async Task Upserting_again_replaces_the_reminder_and_changes_its_etag()
    {
        var table = await NewTableAsync();
        var reminder = Reminder(NewGrain(), "close-visit");
        var first = await table.UpsertRow(reminder);

        reminder.Period = TimeSpan.FromMinutes(30);
        var second = await table.UpsertRow(reminder);

        Assert.NotEqual(first, second);
        var read = await table.ReadRow(reminder.GrainId, "close-visit");
        Assert.Equal(TimeSpan.FromMinutes(30), read!.Period);
        Assert.Equal(second, read.ETag);
    }

    [Fact]
    public async Task Removing_with_a_wrong_etag_fails_and_keeps_the_reminder()
    {
        var table = await NewTableAsync();
        var reminder = Reminder(NewGrain(), "close-visit");
        var stale = await table.UpsertRow(reminder);
        var current = await table.UpsertRow(reminder);

        Assert.False(await table.RemoveRow(reminder.GrainId, "close-visit", stale!));
        Assert.False(await table.RemoveRow(reminder.GrainId, "close-visit", "not-an-etag"));
        Assert.NotNull(await table.ReadRow(reminder.GrainId, "close-visit"));

        Assert.True(await table.RemoveRow(reminder.GrainId, "close-visit", current!));
        Assert.Null(await table.ReadRow(reminder.GrainId, "close-visit"));
    }

    [Fact]
    public async Task Reading_a_grains_reminders_returns_all_of_them_and_no_others()
    {
        var table = await NewTableAsync();
        var grain = NewGrain();
        await table.UpsertRow(Reminder(grain, "close-visit"));
        await table.UpsertRow(Reminder(grain, "redrive-outbox"));
        await table.UpsertRow(Reminder(NewGrain(), "close-visit"));

        var rows = await table.ReadRows(grain);

        Assert.Equal(["close-visit", "redrive-outbox"], rows.Reminders.Select(r => r.ReminderName).Order());
        Assert.All(rows.Reminders, r => Assert.Equal(grain, r.GrainId));
    }

    [Fact]
    public async Task Hash_range_reads_over_1200_reminders_page_through_and_wrap_past_zero()
    {
        var table = await NewLargeTableAsync();
        var reminders = Enumerable.Range(0, 1_200).Select(i => Reminder(NewGrain(), $"r{i % 3}")).ToList();
        await Parallel.ForEachAsync(reminders, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (r, _) => await table.UpsertRow(r));
        var hashes = reminders.Select(r => r.GrainId.GetUniformHashCode()).Order().ToList();
        var low = hashes[300];
        var high = hashes[900];

        var whole = await table.ReadRows(0, 0);
        var inside = await table.ReadRows(low, high);
        var wrapping = await table.ReadRows(high, low);

        Assert.Equal(1_200, whole.Reminders.Count);
        Assert.Equal(Names(reminders.Where(r => Hash(r) > low && Hash(r) <= high)), Names(inside.Reminders));
        Assert.Equal(Names(reminders.Where(r => Hash(r) > high || Hash(r) <= low)), Names(wrapping.Reminders));
        Assert.Equal(1_200, inside.Reminders.Count + wrapping.Reminders.Count);
        Assert.Equal(600, inside.Reminders.Count);
    }

    private static uint Hash(ReminderEntry reminder) => reminder.GrainId.GetUniformHashCode();

    private static List<string> Names(IEnumerable<ReminderEntry> reminders) =>
        reminders.Select(r => $"{r.GrainId}#{r.ReminderName}").Order(StringComparer.Ordinal).ToList();

    protected static ReminderEntry Reminder(GrainId grain, string name) => new()
    {
        GrainId = grain,
        ReminderName = name,
        StartAt = new DateTime(2026, 11, 28, 9, 30, 0, 250, DateTimeKind.Utc),
        Period = TimeSpan.FromMinutes(15),
    };
}
