using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Hosting;
using SkiaSharp;

namespace NextGenCrm.EdgeAgent.Cameras;

/// <summary>
/// A video file or RTSP stream decoded by ffmpeg, which pipes raw RGBA frames of a fixed size at
/// FramesPerSecond to stdout. A file ends. A live stream that drops (the camera restarts, the network
/// goes) or hangs with its connection open (no frame for StallTimeout) is reopened after a pause that
/// doubles from ReconnectDelay to MaxReconnectDelay while it stays away, and starts again once frames flow.
/// </summary>
public sealed partial class FfmpegSource(CameraOptions camera, AgentMetrics metrics, TimeProvider time, ILogger logger) : ICameraSource
{
    public const string MissingMessage =
        "ffmpeg was not found on PATH: video files and RTSP cameras need it (Debian/Ubuntu: apt-get install ffmpeg; " +
        "scripts/setup.sh installs it). Folder, HttpSnapshot and Simulate cameras work without it.";

    /// <summary>ffmpeg reads up to 5 s of a stream to learn its format before the first frame comes out.</summary>
    private static readonly TimeSpan FirstFrameAllowance = TimeSpan.FromSeconds(10);

    public static string? FindFfmpeg() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "ffmpeg"))
            .FirstOrDefault(File.Exists);

    public async IAsyncEnumerable<CameraFrame> ReadFramesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var status = metrics.Camera(camera.Id);
        var ffmpeg = FindFfmpeg();
        if (ffmpeg is null)
        {
            status.Problem = "ffmpeg missing";
            LogMissing(camera.Id, MissingMessage);
            yield break;
        }
        var live = camera.Url.Contains("://", StringComparison.Ordinal);
        var delay = camera.ReconnectDelay;
        while (true)
        {
            var frames = 0;
            await foreach (var frame in RunOnceAsync(ffmpeg, cancellationToken))
            {
                frames++;
                status.Problem = null;
                yield return frame;
            }
            if (!live || cancellationToken.IsCancellationRequested)
            {
                break;
            }
            if (frames > 0)
            {
                delay = camera.ReconnectDelay;
            }
            status.Problem = "stream interrupted";
            LogInterrupted(camera.Id, frames, delay);
            await Task.Delay(delay, time, cancellationToken);
            status.Reconnecting();
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, camera.MaxReconnectDelay.Ticks));
        }
        LogEnded(camera.Id);
        status.Finished = !live;
    }

    private async IAsyncEnumerable<CameraFrame> RunOnceAsync(string ffmpeg, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(ffmpeg)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in Arguments())
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start");
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var frameBytes = camera.Width * camera.Height * 4;
        var buffer = new byte[frameBytes];
        var stdout = process.StandardOutput.BaseStream;
        // A stream can hang with its connection open: no frame within StallTimeout ends this run. ffmpeg's
        // own socket timeout is not used: its option changed meaning between versions (in 4.x it makes
        // ffmpeg listen as a server).
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var wait = camera.StallTimeout + FirstFrameAllowance;
        try
        {
            while (await ReadFrameAsync(stdout, buffer, stall, wait, cancellationToken))
            {
                wait = camera.StallTimeout;
                var bitmap = new SKBitmap(new SKImageInfo(camera.Width, camera.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
                Marshal.Copy(buffer, 0, bitmap.GetPixels(), frameBytes);
                yield return new CameraFrame(bitmap, time.GetUtcNow());
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        await process.WaitForExitAsync(CancellationToken.None);
        var text = await errors;
        if (process.ExitCode != 0 && !cancellationToken.IsCancellationRequested && !stall.IsCancellationRequested)
        {
            LogFailed(camera.Id, process.ExitCode, text.Length > 500 ? text[^500..] : text);
        }
    }

    private async Task<bool> ReadFrameAsync(Stream stdout, byte[] buffer, CancellationTokenSource stall, TimeSpan wait, CancellationToken cancellationToken)
    {
        stall.CancelAfter(wait);
        try
        {
            return await stdout.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, stall.Token) == buffer.Length;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogStalled(camera.Id, wait);
            return false;
        }
    }

    private IEnumerable<string> Arguments()
    {
        string[] common = ["-hide_banner", "-loglevel", "error", "-nostdin"];
        string[] input = camera.Url.StartsWith("rtsp://", StringComparison.OrdinalIgnoreCase)
            ? ["-rtsp_transport", "tcp", "-i", camera.Url]
            : ["-i", camera.Url];
        var filter = FormattableString.Invariant($"fps={camera.FramesPerSecond},scale={camera.Width}:{camera.Height}");
        return [.. common, .. input, "-an", "-vf", filter, "-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1"];
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Camera {CameraId}: {Message}")]
    private partial void LogMissing(string cameraId, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera {CameraId}: ffmpeg exited with {ExitCode}: {Errors}")]
    private partial void LogFailed(string cameraId, int exitCode, string errors);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera {CameraId}: stream interrupted after {Frames} frames; reopening in {Delay}")]
    private partial void LogInterrupted(string cameraId, int frames, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera {CameraId}: no frame for {Wait}; closing the stream")]
    private partial void LogStalled(string cameraId, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {CameraId}: video ended")]
    private partial void LogEnded(string cameraId);
}
