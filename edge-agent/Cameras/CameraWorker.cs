using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Delivery;
using NextGenCrm.EdgeAgent.Detection;
using NextGenCrm.EdgeAgent.Hosting;
using NextGenCrm.EdgeAgent.Tracking;

namespace NextGenCrm.EdgeAgent.Cameras;

/// <summary>
/// One camera's loop: frame → faces → tracks → a sighting (with a JPEG crop) when a track starts or
/// is due for a refresh. Frames that fail are logged and skipped; the loop only ends on shutdown.
/// </summary>
public sealed partial class CameraWorker(
    CameraOptions camera,
    ICameraSource source,
    BlazeFaceDetector detector,
    SightingOutbox outbox,
    AgentMetrics metrics,
    IOptions<EdgeAgentOptions> options,
    ILogger<CameraWorker> logger) : BackgroundService
{
    /// <summary>Distinguishes this run's track ids from those of earlier runs of the agent.</summary>
    private static readonly string RunStamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString("x", System.Globalization.CultureInfo.InvariantCulture);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Leave the host's start-up path at once: detection is CPU work.
        await Task.Yield();
        var detection = options.Value.Detection;
        var tracker = new FaceTracker(options.Value.Tracking, $"t{RunStamp}-");
        var status = metrics.Camera(camera.Id);
        try
        {
            await foreach (var frame in source.ReadFramesAsync(stoppingToken))
            {
                using (frame)
                {
                    try
                    {
                        var faces = detector.Detect(frame.Bitmap);
                        status.FrameProcessed(faces.Count, frame.CapturedAt);
                        foreach (var face in tracker.Update(faces, frame.CapturedAt))
                        {
                            if (face.IsNewTrack)
                            {
                                LogTrackStarted(camera.Id, face.TrackId, (int)face.Box.Width);
                            }
                            if (face.SightingDue)
                            {
                                var crop = FaceCrops.CropJpeg(frame.Bitmap, face.Box, detection.CropMargin, detection.MaxCropSide, detection.JpegQuality);
                                outbox.EnqueueCrop(camera.Id, face.TrackId, frame.CapturedAt, crop);
                            }
                        }
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        LogFrameFailed(e, camera.Id);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        LogSourceEnded(camera.Id);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {CameraId}: track {TrackId} started (face {Width}px wide)")]
    private partial void LogTrackStarted(string cameraId, string trackId, int width);

    [LoggerMessage(Level = LogLevel.Error, Message = "Camera {CameraId}: a frame failed; skipped")]
    private partial void LogFrameFailed(Exception exception, string cameraId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {CameraId}: source has no more frames")]
    private partial void LogSourceEnded(string cameraId);
}
