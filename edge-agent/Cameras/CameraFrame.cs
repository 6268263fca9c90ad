using SkiaSharp;

namespace NextGenCrm.EdgeAgent.Cameras;

/// <summary>One decoded picture from a camera, owned by whoever holds it last.</summary>
public sealed class CameraFrame(SKBitmap bitmap, DateTimeOffset capturedAt) : IDisposable
{
    public SKBitmap Bitmap { get; } = bitmap;

    public DateTimeOffset CapturedAt { get; } = capturedAt;

    public void Dispose() => Bitmap.Dispose();
}

/// <summary>A camera as the agent sees it: a sequence of frames until stopped.</summary>
public interface ICameraSource
{
    IAsyncEnumerable<CameraFrame> ReadFramesAsync(CancellationToken cancellationToken);
}
