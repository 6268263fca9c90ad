using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Detection;
using NextGenCrm.EdgeAgent.Hosting;

namespace NextGenCrm.EdgeAgent.Cameras;

/// <summary>An IP camera's snapshot URL (a JPEG per GET), polled at PollInterval.</summary>
public sealed partial class HttpSnapshotSource(CameraOptions camera, HttpClient http, AgentMetrics metrics, TimeProvider time, ILogger logger) : ICameraSource
{
    public async IAsyncEnumerable<CameraFrame> ReadFramesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var status = metrics.Camera(camera.Id);
        var url = new Uri(camera.Url);
        LogPolling(camera.Id, url.GetLeftPart(UriPartial.Path), camera.PollInterval);
        while (!cancellationToken.IsCancellationRequested)
        {
            var started = time.GetTimestamp();
            var frame = await FetchAsync(url, status, cancellationToken);
            if (frame is not null)
            {
                yield return frame;
            }
            var wait = camera.PollInterval - time.GetElapsedTime(started);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, cancellationToken);
            }
        }
    }

    private async Task<CameraFrame?> FetchAsync(Uri url, CameraStatus status, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            response.EnsureSuccessStatusCode();
            if (response.Content.Headers.ContentLength > camera.MaxImageBytes)
            {
                throw new UnreadableImageException($"snapshot of {response.Content.Headers.ContentLength} bytes is over MaxImageBytes");
            }
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var bytes = await ReadCappedAsync(body, camera.MaxImageBytes, cancellationToken);
            var frame = new CameraFrame(ImageDecoding.Decode(bytes), time.GetUtcNow());
            if (status.Problem is not null)
            {
                LogRecovered(camera.Id);
                status.Problem = null;
            }
            return frame;
        }
        catch (UnreadableImageException e)
        {
            metrics.ImageSkipped(camera.Id);
            LogSkipped(camera.Id, e.Message);
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException && !cancellationToken.IsCancellationRequested)
        {
            if (status.Problem is null)
            {
                LogUnreachable(camera.Id, e.Message);
            }
            status.Problem = "snapshot URL unreachable";
            return null;
        }
    }

    private static async Task<byte[]> ReadCappedAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new UnreadableImageException($"snapshot is over MaxImageBytes ({limit})");
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {CameraId} polls {Url} every {Interval}")]
    private partial void LogPolling(string cameraId, string url, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera {CameraId}: snapshot skipped: {Reason}")]
    private partial void LogSkipped(string cameraId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera {CameraId}: snapshot URL unreachable ({Reason}); retrying")]
    private partial void LogUnreachable(string cameraId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {CameraId}: snapshot URL reachable again")]
    private partial void LogRecovered(string cameraId);
}
