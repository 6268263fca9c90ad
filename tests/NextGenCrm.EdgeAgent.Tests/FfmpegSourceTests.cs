using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using NextGenCrm.EdgeAgent.Cameras;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Detection;
using NextGenCrm.EdgeAgent.Hosting;
using NextGenCrm.EdgeAgent.Tests.Rtsp;

namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>
/// The Ffmpeg camera source on real ffmpeg (installed by scripts/setup.sh): a video file it made itself
/// from a demo photograph, and an RTSP camera served on 127.0.0.1 that drops, comes back and hangs.
/// </summary>
public sealed class FfmpegSourceTests : IDisposable
{
    private const int Width = 640;
    private const int Height = 448;

    private readonly BlazeFaceDetector _detector = new(new DetectionOptions { ModelPath = TestImages.ModelPath });
    private readonly string _work = Directory.CreateTempSubdirectory("edge-ffmpeg-").FullName;
    private readonly string _ffmpeg = FfmpegSource.FindFfmpeg() ?? throw new InvalidOperationException(FfmpegSource.MissingMessage);

    [Fact]
    public async Task A_video_file_is_read_through_ffmpeg_at_the_configured_rate()
    {
        // Three seconds of a still photo at 10 fps, as a video file.
        var video = Path.Combine(_work, "lobby.mp4");
        await Ffmpeg("-loop", "1", "-i", TestImages.Photo("sample3.jpg"), "-t", "3", "-r", "10",
            "-vf", $"scale={Width}:{Height}", "-c:v", "mpeg4", "-pix_fmt", "yuv420p", video);
        var options = new CameraOptions { Id = "lobby", Source = CameraSourceKind.Ffmpeg, Url = video, FramesPerSecond = 2, Width = Width, Height = Height };
        using var metrics = new AgentMetrics();
        var source = new FfmpegSource(options, metrics, TimeProvider.System, NullLogger.Instance);

        var faces = new List<int>();
        await foreach (var frame in source.ReadFramesAsync(TestContext.Current.CancellationToken))
        {
            using (frame)
            {
                Assert.Equal((Width, Height), (frame.Bitmap.Width, frame.Bitmap.Height));
                faces.Add(_detector.Detect(frame.Bitmap).Count);
            }
        }

        Assert.InRange(faces.Count, 5, 7); // 3 s at 2 fps
        Assert.All(faces, count => Assert.True(count >= 1));
        Assert.True(metrics.Camera("lobby").Finished);
    }

    [Fact]
    public async Task An_rtsp_camera_gives_frames_with_faces()
    {
        var ct = TestContext.Current.CancellationToken;
        using var camera = await RtspCamera.StartAsync(await Picture(), fps: 5, ct);
        using var metrics = new AgentMetrics();
        await using var reader = new FrameReader(new FfmpegSource(Rtsp(camera), metrics, TimeProvider.System, NullLogger.Instance), _detector, metrics.Camera("door"));

        var frames = await reader.WaitForAsync(3);

        Assert.All(frames, f => Assert.True(f.Faces >= 1, $"{f.Faces} faces in a frame of a photograph of three people"));
        Assert.Null(metrics.Camera("door").Problem);
        Assert.False(metrics.Camera("door").Finished);
    }

    [Fact]
    public async Task An_rtsp_camera_that_drops_is_reopened_with_backoff_and_its_frames_come_back()
    {
        var ct = TestContext.Current.CancellationToken;
        using var camera = await RtspCamera.StartAsync(await Picture(), fps: 5, ct);
        using var metrics = new AgentMetrics();
        var status = metrics.Camera("door");
        await using var reader = new FrameReader(new FfmpegSource(Rtsp(camera), metrics, TimeProvider.System, NullLogger.Instance), _detector, status);
        await reader.WaitForAsync(2);

        camera.Kill();
        await reader.WaitUntilAsync(() => status.Problem == "stream interrupted");
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        var attempts = status.Reconnects;
        await camera.RestartAsync(ct);
        var after = await reader.WaitForAsync(2, reconnected: true);

        // Waits of 0.2, 0.4, 0.8, 1, 1 s: about five attempts in the 3 s outage. A fixed 0.2 s pause would
        // make some twelve, a loop without a pause hundreds.
        Assert.InRange(attempts, 2, 8);
        Assert.All(after, f => Assert.True(f.Faces >= 1));
        Assert.Null(status.Problem);
        Assert.False(reader.Ended, "the source keeps running through the outage");
    }

    [Fact]
    public async Task An_rtsp_camera_that_hangs_with_its_connection_open_is_closed_and_reopened()
    {
        var ct = TestContext.Current.CancellationToken;
        using var camera = await RtspCamera.StartAsync(await Picture(), fps: 5, ct);
        using var metrics = new AgentMetrics();
        var status = metrics.Camera("door");
        await using var reader = new FrameReader(new FfmpegSource(Rtsp(camera), metrics, TimeProvider.System, NullLogger.Instance), _detector, status);
        await reader.WaitForAsync(2);

        camera.Freeze();
        // Without a stall timeout ffmpeg waits on the open connection for ever and the camera shows no problem.
        await reader.WaitUntilAsync(() => status.Problem == "stream interrupted");
        camera.Thaw();
        var after = await reader.WaitForAsync(2, reconnected: true);

        Assert.All(after, f => Assert.True(f.Faces >= 1));
        Assert.Null(status.Problem);
        Assert.False(reader.Ended);
    }

    private static CameraOptions Rtsp(RtspCamera camera) => new()
    {
        Id = "door",
        Source = CameraSourceKind.Ffmpeg,
        Url = camera.Url,
        FramesPerSecond = 2,
        Width = Width,
        Height = Height,
        ReconnectDelay = TimeSpan.FromMilliseconds(200),
        MaxReconnectDelay = TimeSpan.FromSeconds(1),
        StallTimeout = TimeSpan.FromSeconds(1),
    };

    /// <summary>A demo photograph (three faces) at the camera's size, made by ffmpeg.</summary>
    private async Task<string> Picture()
    {
        var picture = Path.Combine(_work, "door.jpg");
        await Ffmpeg("-i", TestImages.Photo("sample3.jpg"), "-vf", $"scale={Width}:{Height}", "-q:v", "3", picture);
        return picture;
    }

    private async Task Ffmpeg(params string[] args)
    {
        using var make = Process.Start(_ffmpeg, ["-hide_banner", "-loglevel", "error", "-y", .. args]);
        await make.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, make.ExitCode);
    }

    public void Dispose()
    {
        _detector.Dispose();
        Directory.Delete(_work, recursive: true);
    }

    private sealed record Frame(int Faces, long ReconnectsBefore);

    /// <summary>Reads a source in the background, as the camera worker does, counting faces per frame.</summary>
    private sealed class FrameReader : IAsyncDisposable
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
        private readonly ConcurrentQueue<Frame> _frames = new();
        private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        private readonly Task _loop;

        public FrameReader(ICameraSource source, BlazeFaceDetector detector, CameraStatus status)
        {
            _loop = Task.Run(async () =>
            {
                await foreach (var frame in source.ReadFramesAsync(_stop.Token))
                {
                    using (frame)
                    {
                        _frames.Enqueue(new Frame(detector.Detect(frame.Bitmap).Count, status.Reconnects));
                    }
                }
            });
        }

        public bool Ended => _loop.IsCompleted;

        /// <summary>The first <paramref name="count"/> frames read (after a reconnection, if asked).</summary>
        public async Task<IReadOnlyList<Frame>> WaitForAsync(int count, bool reconnected = false)
        {
            IReadOnlyList<Frame> Matching() => [.. _frames.Where(f => !reconnected || f.ReconnectsBefore > 0).Take(count)];
            await WaitUntilAsync(() => Matching().Count == count);
            return Matching();
        }

        public async Task WaitUntilAsync(Func<bool> condition)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                if (_loop.IsCompleted)
                {
                    await _loop; // surfaces the source's exception
                    Assert.Fail("the source ended");
                }
                Assert.True(clock.Elapsed < Patience, $"waited {Patience} in vain");
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
            _stop.Dispose();
        }
    }
}
