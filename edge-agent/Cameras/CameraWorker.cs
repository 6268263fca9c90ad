using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Delivery;
using NextGenCrm.EdgeAgent.Detection;
using NextGenCrm.EdgeAgent.Hosting;
using NextGenCrm.EdgeAgent.ReIdentification;
using NextGenCrm.EdgeAgent.Tracking;

namespace NextGenCrm.EdgeAgent.Cameras;

/// <summary>
/// One camera's loop: frame → faces → tracks → a sighting (with the JPEG crop of the track's best face)
/// when a track's first sighting or a refresh is due. Frames that fail are logged and skipped; the loop
/// only ends on shutdown.
/// </summary>
public sealed partial class CameraWorker(
    CameraOptions camera,
    ICameraSource source,
    BlazeFaceDetector detector,
    SightingOutbox outbox,
    AgentMetrics metrics,
    IOptions<EdgeAgentOptions> options,
    ILogger<CameraWorker> logger,
    RecentFaces? recentFaces = null,
    IFaceDescriber? describer = null) : BackgroundService
{
    /// <summary>Distinguishes this run's track ids from those of earlier runs of the agent.</summary>
    private static readonly string RunStamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString("x", System.Globalization.CultureInfo.InvariantCulture);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Leave the host's start-up path at once: detection is CPU work.
        await Task.Yield();
        var detection = options.Value.Detection;
        var sendDescriptors = options.Value.Sink.SendFaceAs == FaceForm.Descriptor;
        if (sendDescriptors && describer is null)
        {
            throw new InvalidOperationException("EdgeAgent:Sink:SendFaceAs=Descriptor needs a face describer (the embedder)");
        }
        var sightings = new CameraSightings(detection, options.Value.Tracking, $"t{RunStamp}-", camera.Id, recentFaces, describer, sendDescriptors);
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
                        var result = sightings.Frame(frame.Bitmap, faces, frame.CapturedAt);
                        foreach (var face in result.Faces.Where(f => f.IsNewTrack))
                        {
                            LogTrackStarted(camera.Id, face.TrackId, (int)face.Box.Width);
                        }
                        foreach (var sighting in result.Sightings)
                        {
                            if (sighting.Descriptor is { } descriptor)
                            {
                                outbox.EnqueueDescriptor(camera.Id, sighting.TrackId, sighting.CapturedAt, descriptor, sighting.SameTrackAs);
                                Array.Clear(descriptor); // in the buffer now; not left in memory
                            }
                            else
                            {
                                outbox.EnqueueCrop(camera.Id, sighting.TrackId, sighting.CapturedAt, sighting.Crop, sighting.SameTrackAs);
                            }
                        }
                        foreach (var trackId in result.EndedNotSearched)
                        {
                            status.TrackNotSearched();
                            LogTrackNotSearched(camera.Id, trackId);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {CameraId}: track {TrackId} ended without a face good enough to search (too small or blurred); not searched")]
    private partial void LogTrackNotSearched(string cameraId, string trackId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {CameraId}: track {TrackId} started (face {Width}px wide)")]
    private partial void LogTrackStarted(string cameraId, string trackId, int width);

    [LoggerMessage(Level = LogLevel.Error, Message = "Camera {CameraId}: a frame failed; skipped")]
    private partial void LogFrameFailed(Exception exception, string cameraId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {CameraId}: source has no more frames")]
    private partial void LogSourceEnded(string cameraId);
}
