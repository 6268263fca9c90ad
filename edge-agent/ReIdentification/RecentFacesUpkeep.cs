using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.EdgeAgent.Configuration;

namespace NextGenCrm.EdgeAgent.ReIdentification;

/// <summary>
/// Drops the descriptors whose window has passed even when no new track comes to trigger it (a quiet branch at
/// night keeps nobody's face), and all of them when the agent stops.
/// </summary>
public sealed partial class RecentFacesUpkeep(
    RecentFaces recentFaces, IOptions<EdgeAgentOptions> options, TimeProvider clock, ILogger<RecentFacesUpkeep> logger,
    IFaceDescriber? describer = null) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reId = options.Value.ReIdentification;
        if (describer is null)
        {
            LogNoDescriber();
        }
        else
        {
            LogOn(reId.Window, reId.MinSimilarity, reId.MaxTracks);
        }
        var every = TimeSpan.FromTicks(Math.Clamp(reId.Window.Ticks / 10, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromMinutes(1).Ticks));
        using var timer = new PeriodicTimer(every, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                recentFaces.Expire(clock.GetUtcNow());
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            recentFaces.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-identification across cameras on: window {Window}, similarity at least {MinSimilarity}, at most {MaxTracks} tracks kept")]
    private partial void LogOn(TimeSpan window, float minSimilarity, int maxTracks);

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-identification across cameras off: no face describer (the embedder of face-detection/) is available; every track is searched by the silo")]
    private partial void LogNoDescriber();
}
