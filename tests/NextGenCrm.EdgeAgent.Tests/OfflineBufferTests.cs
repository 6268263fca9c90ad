using System.Globalization;

namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>The agent as a real process: silo down, kill -9, restarts, silo back.</summary>
public sealed class OfflineBufferTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("edge-offline-").FullName;

    [Fact]
    public async Task Sightings_buffered_while_the_silo_is_down_survive_kill_9_and_arrive_in_order()
    {
        const int visitors = 500;
        var timeout = TimeSpan.FromSeconds(90);
        var port = FakeSilo.FreeLoopbackPort();
        var siloUrl = new Uri($"http://127.0.0.1:{port}/");
        var buffer = Path.Combine(_work, "buffer");
        var quietFolder = Directory.CreateDirectory(Path.Combine(_work, "quiet")).FullName;
        // Run 1: 500 synthetic visitors arrive while nothing listens on the silo's port.
        var simulate = AgentConfig.Write(_work, "simulate.json", siloUrl, buffer,
        [
            new { Id = "sim1", Source = "Simulate", FramesPerSecond = 50, Simulation = new { Visitors = visitors, ArrivalsPerMinute = 60000, DwellTime = "00:00:00", Population = 100000 } },
        ]);
        // Later runs: same agent, its camera sees nobody; only the buffer has something to say.
        var drain = AgentConfig.Write(_work, "drain.json", siloUrl, buffer,
        [
            new { Id = "door", Source = "Folder", Path = quietFolder },
        ]);

        using (var first = AgentProcess.Start(simulate))
        {
            await first.WaitForLineAsync($"simulation finished after {visitors} visitors", timeout);
            first.KillHard();
        }

        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var silo = await FakeSilo.StartAsync(port, hold);
        using (var second = AgentProcess.Start(drain))
        {
            // The silo records the first batch; the agent is killed before it hears back.
            await silo.FirstBatchReceived.Task.WaitAsync(timeout, TestContext.Current.CancellationToken);
            second.KillHard();
        }
        hold.SetResult();
        var firstBatch = silo.Sightings.Select(s => s.SightingId).ToHashSet();

        using var third = AgentProcess.Start(drain);
        var deadline = DateTime.UtcNow + timeout;
        while (silo.Sightings.Select(s => s.SightingId).Distinct().Count() < visitors && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        await Task.Delay(1500, TestContext.Current.CancellationToken); // anything sent twice would show up now

        var received = silo.Sightings.ToList();
        var distinct = received.DistinctBy(s => s.SightingId).ToList();
        var duplicates = received.Count - distinct.Count;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"buffered {visitors}; received {received.Count} ({distinct.Count} distinct, {duplicates} redelivered) in {silo.Batches} batches; first batch {firstBatch.Count}");

        Assert.Empty(silo.Invalid);
        Assert.Equal(visitors, distinct.Count);
        Assert.Equal(visitors, distinct.Select(s => s.TrackId).Distinct().Count());
        var order = distinct.Select(s => int.Parse(s.TrackId.Split('-')[1], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(1, visitors), order);
        // At least once: only the batch whose acknowledgement was lost may come twice.
        Assert.InRange(duplicates, 0, firstBatch.Count);
        Assert.All(received.GroupBy(s => s.SightingId).Where(g => g.Count() > 1), g => Assert.Contains(g.Key, firstBatch));
        Assert.All(received.GroupBy(s => s.SightingId), g => Assert.InRange(g.Count(), 1, 2));
        Assert.False(third.HasExited);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
