using System.Diagnostics;

namespace NextGenCrm.Bench.Scenarios;

/// <summary>Closed-loop drivers: at most <c>window</c> calls in flight, bounded in count and in time.</summary>
public static class Replay
{
    public static async Task<(long Done, TimeSpan Elapsed)> RunAsync(long maxCount, TimeSpan maxTime, int window, Func<long, Task> send)
    {
        var ring = new Task?[window];
        var watch = Stopwatch.StartNew();
        long i = 0;
        for (; i < maxCount; i++)
        {
            if ((i & 255) == 0 && watch.Elapsed >= maxTime)
            {
                break;
            }
            var slot = (int)(i % window);
            if (ring[slot] is { } busy)
            {
                await busy;
            }
            ring[slot] = send(i);
        }
        foreach (var task in ring)
        {
            if (task is not null)
            {
                await task;
            }
        }
        return (i, watch.Elapsed);
    }

    /// <summary>Polls until <paramref name="done"/> holds or the time is up; returns how long it took.</summary>
    public static async Task<TimeSpan> WaitUntilAsync(Func<bool> done, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        while (!done() && watch.Elapsed < limit)
        {
            await Task.Delay(20);
        }
        return watch.Elapsed;
    }
}
