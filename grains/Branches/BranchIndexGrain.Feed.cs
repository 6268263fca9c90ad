using Orleans.Utilities;

namespace NextGenCrm.Branches;

/// <summary>
/// The all-branches summary feed: every count a branch reports goes to the subscribed observers (one per silo
/// serving dashboards), with the branch's peak per quarter hour of the day for the page's sparkline.
/// </summary>
public sealed partial class BranchIndexGrain
{
    /// <summary>A quarter hour: 96 points a day, enough for a sparkline.</summary>
    public static readonly TimeSpan Slot = TimeSpan.FromMinutes(15);
    private static readonly int SlotsPerDay = (int)(TimeSpan.FromDays(1) / Slot);
    private static readonly TimeSpan SubscriptionLasts = TimeSpan.FromSeconds(90);

    private readonly ChangeLog<BranchSummaryChange> _changes = new(1024);
    private ObserverManager<IBranchSummaryObserver>? _observers;

    private ObserverManager<IBranchSummaryObserver> Observers => _observers ??= new(SubscriptionLasts, logger);

    public Task Subscribe(IBranchSummaryObserver observer)
    {
        Observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(IBranchSummaryObserver observer)
    {
        Observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task<BranchSummaryPage> GetSummaryFeed(long epoch, long sequence)
    {
        if (_changes.Since(epoch, sequence) is { } changes)
        {
            return Task.FromResult(new BranchSummaryPage(null, changes));
        }
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var branches = state.State.Counts.Values.OrderBy(c => c.BranchId, StringComparer.Ordinal).Select(c => Day(c, today)).ToList();
        return Task.FromResult(new BranchSummaryPage(new BranchSummarySnapshot(_changes.Epoch, _changes.Sequence, branches), []));
    }

    /// <summary>Keeps the day's peak for the count's slot and tells the subscribers.</summary>
    private void Record(BranchCount count)
    {
        var now = clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var days = state.State.Days;
        if (!days.TryGetValue(count.BranchId, out var day) || day.Day != today)
        {
            day = new BranchDaySeries { Day = today, PeakPerSlot = new int[SlotsPerDay] };
            days[count.BranchId] = day;
        }
        var slot = Math.Clamp((int)(now.UtcDateTime.TimeOfDay / Slot), 0, SlotsPerDay - 1);
        day.PeakPerSlot[slot] = Math.Max(day.PeakPerSlot[slot], count.Occupancy);
        var change = _changes.Append((epoch, sequence) => new BranchSummaryChange(epoch, sequence, Day(count, today)));
        if (_observers is { Count: > 0 })
        {
            _observers.Notify(o => o.OnSummaryChanged(change));
        }
    }

    private BranchDay Day(BranchCount count, DateOnly today) =>
        state.State.Days.TryGetValue(count.BranchId, out var day) && day.Day == today
            ? new BranchDay(count.BranchId, count.Occupancy, count.AsOf, today, [.. day.PeakPerSlot])
            : new BranchDay(count.BranchId, count.Occupancy, count.AsOf, today, new int[SlotsPerDay]);
}

/// <summary>One branch's peak occupancy per slot of one (UTC) day.</summary>
[GenerateSerializer, Alias("NextGenCrm.Branches.BranchDaySeries")]
public sealed class BranchDaySeries
{
    [Id(0)] public DateOnly Day { get; set; }
    [Id(1)] public int[] PeakPerSlot { get; set; } = [];
}
