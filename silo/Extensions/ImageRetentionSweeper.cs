using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Embedded;

namespace NextGenCrm.Silo.Extensions;

/// <summary>Deletes local face crops older than Images:Retention, hourly: faces are kept only as long as configured.</summary>
public sealed partial class ImageRetentionSweeper(
    LocalFolderImageStore images, IOptions<LocalImageOptions> options, TimeProvider clock, ILogger<ImageRetentionSweeper> logger) : BackgroundService
{
    private static readonly TimeSpan Every = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every, clock);
        do
        {
            try
            {
                var deleted = images.DeleteOlderThan(options.Value.Retention, clock.GetUtcNow());
                if (deleted > 0)
                {
                    LogDeleted(deleted, options.Value.Retention);
                }
            }
            catch (IOException failure)
            {
                LogFailed(failure.GetType().Name);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} face crops older than {Retention}")]
    private partial void LogDeleted(int count, TimeSpan retention);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Face crop retention sweep failed: {Error}")]
    private partial void LogFailed(string error);
}
