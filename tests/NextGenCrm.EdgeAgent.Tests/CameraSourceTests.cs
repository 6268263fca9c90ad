using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NextGenCrm.EdgeAgent.Cameras;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Detection;
using NextGenCrm.EdgeAgent.Hosting;

namespace NextGenCrm.EdgeAgent.Tests;

public sealed class CameraSourceTests : IDisposable
{
    private readonly BlazeFaceDetector _detector = new(new DetectionOptions { ModelPath = TestImages.ModelPath });
    private readonly string _work = Directory.CreateTempSubdirectory("edge-sources-").FullName;

    [Fact]
    public async Task A_snapshot_camera_gives_frames_with_faces_and_skips_a_broken_snapshot()
    {
        var photo = TestImages.Scaled(TestImages.Photo("sample3.jpg"), 960, 675);
        var requests = 0;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var camera = builder.Build();
        // Every other snapshot is cut short, as a flaky camera does.
        camera.MapGet("/snapshot.jpg", () => Interlocked.Increment(ref requests) % 2 == 0
            ? Results.Bytes(photo[..(photo.Length / 3)], "image/jpeg")
            : Results.Bytes(photo, "image/jpeg"));
        await camera.StartAsync(TestContext.Current.CancellationToken);
        var options = new CameraOptions { Id = "counter", Source = CameraSourceKind.HttpSnapshot, Url = camera.Urls.First() + "/snapshot.jpg", PollInterval = TimeSpan.FromMilliseconds(20) };
        using var http = new HttpClient();
        using var metrics = new AgentMetrics();
        var source = new HttpSnapshotSource(options, http, metrics, TimeProvider.System, NullLogger.Instance);

        var faces = new List<int>();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(30));
        await foreach (var frame in source.ReadFramesAsync(cts.Token))
        {
            using (frame)
            {
                faces.Add(_detector.Detect(frame.Bitmap).Count);
            }
            if (faces.Count == 3)
            {
                break;
            }
        }

        Assert.Equal(3, faces.Count);
        Assert.All(faces, count => Assert.True(count >= 1));
        Assert.True(requests >= 5, $"{requests} requests: broken snapshots are skipped, not returned as frames");
    }

    [Fact]
    public async Task A_video_file_is_read_through_ffmpeg_at_the_configured_rate()
    {
        if (FfmpegSource.FindFfmpeg() is not { } ffmpeg)
        {
            Assert.Skip(FfmpegSource.MissingMessage);
            return;
        }
        // Three seconds of a still photo at 10 fps, as a video file.
        var video = Path.Combine(_work, "lobby.mp4");
        var make = Process.Start(ffmpeg, ["-hide_banner", "-loglevel", "error", "-y", "-loop", "1", "-i", TestImages.Photo("sample3.jpg"),
            "-t", "3", "-r", "10", "-vf", "scale=640:450", "-c:v", "mpeg4", "-pix_fmt", "yuv420p", video]);
        await make.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, make.ExitCode);
        var options = new CameraOptions { Id = "lobby", Source = CameraSourceKind.Ffmpeg, Url = video, FramesPerSecond = 2, Width = 640, Height = 450 };
        using var metrics = new AgentMetrics();
        var source = new FfmpegSource(options, metrics, TimeProvider.System, NullLogger.Instance);

        var faces = new List<int>();
        await foreach (var frame in source.ReadFramesAsync(TestContext.Current.CancellationToken))
        {
            using (frame)
            {
                Assert.Equal((640, 450), (frame.Bitmap.Width, frame.Bitmap.Height));
                faces.Add(_detector.Detect(frame.Bitmap).Count);
            }
        }

        Assert.InRange(faces.Count, 5, 7); // 3 s at 2 fps
        Assert.All(faces, count => Assert.True(count >= 1));
        Assert.True(metrics.Camera("lobby").Finished);
    }

    public void Dispose()
    {
        _detector.Dispose();
        Directory.Delete(_work, recursive: true);
    }
}
