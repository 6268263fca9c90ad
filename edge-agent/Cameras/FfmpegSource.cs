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
/// FramesPerSecond to stdout. A live stream that drops is reopened after a pause; a file ends.
/// </summary>
public sealed partial class FfmpegSource(CameraOptions camera, AgentMetrics metrics, TimeProvider time, ILogger logger) : ICameraSource
{
    public const string MissingMessage =
        "ffmpeg was not found on PATH: video files and RTSP cameras need it (Debian/Ubuntu: apt-get install ffmpeg). " +
        "Folder, HttpSnapshot and Simulate cameras work without it.";

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
        do
        {
            await foreach (var frame in RunOnceAsync(ffmpeg, cancellationToken))
            {
                status.Problem = null;
                yield return frame;
            }
            if (live && !cancellationToken.IsCancellationRequested)
            {
                status.Problem = "stream interrupted";
                await Task.Delay(TimeSpan.FromSeconds(5), time, cancellationToken);
            }
        }
        while (live && !cancellationToken.IsCancellationRequested);
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
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        var frameBytes = camera.Width * camera.Height * 4;
        var buffer = new byte[frameBytes];
        var stdout = process.StandardOutput.BaseStream;
        try
        {
            while (await stdout.ReadAtLeastAsync(buffer, frameBytes, throwOnEndOfStream: false, cancellationToken) == frameBytes)
            {
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
        if (process.ExitCode != 0 && !cancellationToken.IsCancellationRequested)
        {
            var text = await errors;
            LogFailed(camera.Id, process.ExitCode, text.Length > 500 ? text[^500..] : text);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {CameraId}: video ended")]
    private partial void LogEnded(string cameraId);
}
