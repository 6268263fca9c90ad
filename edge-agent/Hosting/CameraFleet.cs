using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NextGenCrm.EdgeAgent.Cameras;
using NextGenCrm.EdgeAgent.Configuration;

namespace NextGenCrm.EdgeAgent.Hosting;

/// <summary>Starts and stops one worker per configured camera.</summary>
public sealed class CameraFleet(IServiceProvider services, IReadOnlyList<CameraOptions> cameras) : IHostedService, IDisposable
{
    private readonly List<BackgroundService> _workers = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var metrics = services.GetRequiredService<AgentMetrics>();
        var time = services.GetRequiredService<TimeProvider>();
        var loggers = services.GetRequiredService<ILoggerFactory>();
        foreach (var camera in cameras)
        {
            metrics.Camera(camera.Id);
            var logger = loggers.CreateLogger($"NextGenCrm.EdgeAgent.Cameras.{camera.Source}");
            BackgroundService worker = camera.Source switch
            {
                CameraSourceKind.Simulate => ActivatorUtilities.CreateInstance<SimulatedCamera>(services, camera),
                CameraSourceKind.Folder => Worker(camera, new DropFolderSource(camera, metrics, time, logger)),
                CameraSourceKind.HttpSnapshot => Worker(camera, new HttpSnapshotSource(camera, Snapshots(), metrics, time, logger)),
                CameraSourceKind.Ffmpeg => Worker(camera, new FfmpegSource(camera, metrics, time, logger)),
                _ => throw new InvalidOperationException($"Camera {camera.Id}: unknown source {camera.Source}"),
            };
            _workers.Add(worker);
            await worker.StartAsync(cancellationToken);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken) =>
        await Task.WhenAll(_workers.Select(w => w.StopAsync(cancellationToken)));

    public void Dispose()
    {
        foreach (var worker in _workers)
        {
            worker.Dispose();
        }
    }

    private CameraWorker Worker(CameraOptions camera, ICameraSource source) =>
        ActivatorUtilities.CreateInstance<CameraWorker>(services, camera, source);

    private HttpClient Snapshots() => services.GetRequiredService<IHttpClientFactory>().CreateClient(EdgeHttpClients.CameraSnapshots);
}
