using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Delivery;
using NextGenCrm.EdgeAgent.Hosting;

namespace NextGenCrm.EdgeAgent.Cameras;

/// <summary>
/// Synthetic visitors for demos and load tests. Each visitor is a track that arrives, stays
/// DwellTime and leaves; its sightings carry a faceToken (the silo's simulated face search maps
/// tokens to stable faces) and follow the same rule as real tracks: one at arrival, then one per
/// RefreshInterval while present. Tokens are drawn from a fixed population, so people come back.
/// </summary>
public sealed partial class SimulatedCamera(
    CameraOptions camera,
    SightingOutbox outbox,
    AgentMetrics metrics,
    TimeProvider time,
    IOptions<EdgeAgentOptions> options,
    ILogger<SimulatedCamera> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var simulation = camera.Simulation;
        var refresh = options.Value.Tracking.RefreshInterval;
        var tick = TimeSpan.FromSeconds(1 / camera.FramesPerSecond);
        var arrivalGap = TimeSpan.FromMinutes(1 / simulation.ArrivalsPerMinute);
        var random = new Random(camera.Id.GetHashCode(StringComparison.Ordinal));
        var runStamp = time.GetUtcNow().ToUnixTimeSeconds().ToString("x", System.Globalization.CultureInfo.InvariantCulture);
        var present = new List<Visitor>();
        var status = metrics.Camera(camera.Id);
        var arrived = 0;
        var nextArrival = time.GetUtcNow();
        LogStarted(camera.Id, simulation.Visitors, simulation.ArrivalsPerMinute);
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            present.RemoveAll(v => now >= v.LeavesAt);
            while (now >= nextArrival && (simulation.Visitors == 0 || arrived < simulation.Visitors))
            {
                arrived++;
                var token = $"sim-person-{random.Next(simulation.Population):D5}";
                present.Add(new Visitor($"s{runStamp}-{arrived}", token, now + simulation.DwellTime));
                nextArrival += arrivalGap;
            }
            foreach (var visitor in present.Where(v => v.LastSightingAt is null || now - v.LastSightingAt >= refresh))
            {
                visitor.LastSightingAt = now;
                outbox.EnqueueFaceToken(camera.Id, visitor.TrackId, now, visitor.FaceToken);
            }
            status.FrameProcessed(present.Count, now);
            if (simulation.Visitors > 0 && arrived >= simulation.Visitors && present.Count == 0)
            {
                status.Finished = true;
                LogFinished(camera.Id, arrived);
                return;
            }
            await Task.Delay(tick, time, stoppingToken);
        }
    }

    private sealed class Visitor(string trackId, string faceToken, DateTimeOffset leavesAt)
    {
        public string TrackId { get; } = trackId;

        public string FaceToken { get; } = faceToken;

        public DateTimeOffset LeavesAt { get; } = leavesAt;

        public DateTimeOffset? LastSightingAt { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {CameraId}: simulating {Visitors} visitors (0 = without end) at {PerMinute} a minute")]
    private partial void LogStarted(string cameraId, int visitors, double perMinute);

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {CameraId}: simulation finished after {Visitors} visitors")]
    private partial void LogFinished(string cameraId, int visitors);
}
