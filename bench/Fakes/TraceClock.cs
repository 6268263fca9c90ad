namespace NextGenCrm.Bench.Fakes;

/// <summary>What the timers a grain creates on the <see cref="TraceClock"/> do.</summary>
public enum ClockTimers
{
    /// <summary>Never fire: the replay closes visits itself by moving the clock past the timeout and waking each visitor.</summary>
    Inert,

    /// <summary>
    /// Fire when the trace time passes their due time, as they would in a branch's day: a visitor's wake-up closes its
    /// visit after the inactivity timeout and the grain lets go of itself, so a person seen later elsewhere activates anew
    /// where they are seen. The callbacks run on the thread pool, never on the thread moving the clock.
    /// </summary>
    TraceTime,

    /// <summary>The system's timers, armed in wall-clock time: for the memory phase, which must weigh what a timer costs in production.</summary>
    WallClock,
}

/// <summary>
/// The visit clock during a compressed replay: it reads the trace time of the latest frame sent, so
/// the visit rules (inactivity, last-seen persistence) see branch time, not the few seconds the
/// replay takes. What its timers do is <paramref name="timers"/>: <see cref="ClockTimers.Inert"/> (the replays
/// that close visits themselves, see <see cref="Scenarios.OursPipeline"/>), <see cref="ClockTimers.TraceTime"/>
/// (the scale-out replay) or <see cref="ClockTimers.WallClock"/> (the memory phase).
/// </summary>
public sealed class TraceClock(DateTimeOffset start, ClockTimers timers = ClockTimers.Inert) : TimeProvider
{
    private readonly object _gate = new();
    private readonly PriorityQueue<(TraceTimer Timer, long Version), long> _due = new();
    private long _utcTicks = start.UtcTicks;
    private long _nextDueTicks = long.MaxValue;
    private long _fired;

    /// <summary>Timer callbacks run so far (<see cref="ClockTimers.TraceTime"/> only).</summary>
    public long TimersFired => Interlocked.Read(ref _fired);

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    /// <summary>Moves the clock forward to <paramref name="at"/>; never back. Trace-time timers now due fire.</summary>
    public void AdvanceTo(DateTimeOffset at)
    {
        var ticks = at.UtcTicks;
        var seen = Interlocked.Read(ref _utcTicks);
        while (ticks > seen)
        {
            var was = Interlocked.CompareExchange(ref _utcTicks, ticks, seen);
            if (was == seen)
            {
                break;
            }
            seen = was;
        }
        if (Interlocked.Read(ref _utcTicks) >= Volatile.Read(ref _nextDueTicks))
        {
            FireDue();
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => timers switch
    {
        ClockTimers.WallClock => System.CreateTimer(callback, state, dueTime, period),
        ClockTimers.TraceTime => new TraceTimer(this, callback, state, dueTime, period),
        _ => InertTimer.Instance,
    };

    private void Schedule(TraceTimer timer, long version, long dueTicks)
    {
        lock (_gate)
        {
            _due.Enqueue((timer, version), dueTicks);
            if (dueTicks < _nextDueTicks)
            {
                Volatile.Write(ref _nextDueTicks, dueTicks);
            }
        }
        if (dueTicks <= Interlocked.Read(ref _utcTicks))
        {
            FireDue(); // due already (a zero due time): fires now, as a system timer would
        }
    }

    private void FireDue()
    {
        List<(TraceTimer Timer, long Version, long DueTicks)>? firing = null;
        var now = Interlocked.Read(ref _utcTicks);
        lock (_gate)
        {
            while (_due.TryPeek(out var entry, out var dueTicks) && dueTicks <= now)
            {
                _due.Dequeue();
                if (entry.Timer.Version == entry.Version)
                {
                    (firing ??= []).Add((entry.Timer, entry.Version, dueTicks));
                }
            }
            Volatile.Write(ref _nextDueTicks, _due.TryPeek(out _, out var next) ? next : long.MaxValue);
        }
        foreach (var (timer, version, dueTicks) in firing ?? [])
        {
            timer.Fire(version, dueTicks);
            Interlocked.Increment(ref _fired);
        }
    }

    /// <summary>A timer armed in trace time; a change or dispose makes its queued firings stale (by version).</summary>
    private sealed class TraceTimer : ITimer
    {
        private readonly TraceClock _clock;
        private readonly TimerCallback _callback;
        private readonly object? _state;
        private long _version;
        private TimeSpan _period;

        public TraceTimer(TraceClock clock, TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            (_clock, _callback, _state) = (clock, callback, state);
            Change(dueTime, period);
        }

        public long Version => Interlocked.Read(ref _version);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var version = Interlocked.Increment(ref _version);
            _period = period;
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                _clock.Schedule(this, version, _clock.GetUtcNow().UtcTicks + Math.Max(0, dueTime.Ticks));
            }
            return true;
        }

        public void Fire(long version, long dueTicks)
        {
            var period = _period;
            if (period > TimeSpan.Zero && period != Timeout.InfiniteTimeSpan && Version == version)
            {
                _clock.Schedule(this, version, dueTicks + period.Ticks);
            }
            ThreadPool.UnsafeQueueUserWorkItem(static s =>
            {
                if (s.Timer.Version == s.Version)
                {
                    s.Timer._callback(s.Timer._state); // not disposed or changed since it came due
                }
            }, (Timer: this, Version: version), preferLocal: false);
        }

        public void Dispose() => Interlocked.Increment(ref _version);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class InertTimer : ITimer
    {
        public static readonly InertTimer Instance = new();
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;
        public void Dispose() { }
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
