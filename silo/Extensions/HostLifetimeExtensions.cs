namespace NextGenCrm.Silo.Extensions;

public static class HostLifetimeExtensions
{
    /// <summary>
    /// Waits until the host has started (the silo serves grain calls by then); false when it stops first.
    /// For hosted services that send work into the cluster.
    /// </summary>
    public static async Task<bool> WaitForStartAsync(this IHostApplicationLifetime lifetime, CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        try
        {
            await started.Task.WaitAsync(stoppingToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
