using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Hosting;

namespace NextGenCrm.EdgeAgent.Delivery;

/// <summary>
/// Tells the silo, per camera and at a fixed interval, that the agent is alive and how each camera
/// fares. A missed heartbeat is not buffered: the next one supersedes it.
/// </summary>
public sealed partial class HeartbeatSender(
    SiloClient silo,
    SightingBuffer buffer,
    AgentMetrics metrics,
    TimeProvider time,
    IOptions<EdgeAgentOptions> options,
    ILogger<HeartbeatSender> logger) : BackgroundService
{
    public static readonly string AgentVersion =
        typeof(HeartbeatSender).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var interval = settings.Silo.HeartbeatInterval;
        var previous = new Dictionary<string, (long Frames, DateTimeOffset At)>(StringComparer.Ordinal);
        using var timer = new PeriodicTimer(interval, time);
        do
        {
            var now = time.GetUtcNow();
            foreach (var camera in settings.Cameras)
            {
                var status = metrics.Camera(camera.Id);
                var (frames, at) = previous.GetValueOrDefault(camera.Id, (0, now - interval));
                var seconds = Math.Max(0.001, (now - at).TotalSeconds);
                previous[camera.Id] = (status.Frames, now);
                var heartbeat = new CameraHeartbeat(
                    now,
                    Math.Round((status.Frames - frames) / seconds, 2),
                    status.FacesSeen,
                    status.SightingsSent,
                    buffer.Depth,
                    buffer.Dropped,
                    Describe(status, camera, now),
                    AgentVersion);
                if (!await silo.SendHeartbeatAsync(settings.BranchId, camera.Id, heartbeat, stoppingToken))
                {
                    LogHeartbeatFailed(camera.Id);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>offline: the source cannot deliver; degraded: frames are late or sightings pile up.</summary>
    private string Describe(CameraStatus status, CameraOptions camera, DateTimeOffset now)
    {
        if (status.Finished)
        {
            return "ok";
        }
        if (status.Problem is not null)
        {
            return "offline";
        }
        var quiet = status.LastFrameAt is { } last ? now - last : TimeSpan.MaxValue;
        var expectedGap = camera.Source is CameraSourceKind.Folder ? TimeSpan.MaxValue : TimeSpan.FromSeconds(Math.Max(10, 5 / camera.FramesPerSecond));
        return quiet > expectedGap || buffer.Depth > 1000 ? "degraded" : "ok";
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Heartbeat for camera {CameraId} not delivered")]
    private partial void LogHeartbeatFailed(string cameraId);
}
