namespace NextGenCrm.Bench.Fakes;

/// <summary>
/// The visit clock during a compressed replay: it reads the trace time of the latest frame sent, so
/// the visit rules (inactivity, last-seen persistence) see branch time, not the few seconds the
/// replay takes. Its timers never fire: the replay closes visits itself by moving the clock past the
/// timeout and waking each visitor (see <see cref="Scenarios.OursPipeline"/>). With
/// <paramref name="realTimers"/> its timers are the system's (armed in wall-clock time), for the
/// memory phase, which must weigh what a timer costs in production.
/// </summary>
public sealed class TraceClock(DateTimeOffset start, bool realTimers = false) : TimeProvider
{
    private long _utcTicks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    /// <summary>Moves the clock forward to <paramref name="at"/>; never back.</summary>
    public void AdvanceTo(DateTimeOffset at)
    {
        var ticks = at.UtcTicks;
        var seen = Interlocked.Read(ref _utcTicks);
        while (ticks > seen)
        {
            var was = Interlocked.CompareExchange(ref _utcTicks, ticks, seen);
            if (was == seen)
            {
                return;
            }
            seen = was;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        realTimers ? System.CreateTimer(callback, state, dueTime, period) : InertTimer.Instance;

    private sealed class InertTimer : ITimer
    {
        public static readonly InertTimer Instance = new();
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;
        public void Dispose() { }
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
