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

    public void Dispose() => _detector.Dispose();
}
