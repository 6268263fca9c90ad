namespace NextGenCrm.Silo.Extensions;

/// <summary>
/// Makes sure the face collection's upkeep reminder is registered once the silo serves grain calls, where the face
/// search keeps a collection that can hold orphan faces (an <see cref="Ports.IFaceCollectionUpkeep"/> is registered:
/// Simulated, Rekognition; the on-premises descriptors go with their person and need none).
/// </summary>
public sealed partial class FaceCollectionUpkeepStarter(
    IGrainFactory grains, IHostApplicationLifetime lifetime, IServiceProviderIsService registered, ILogger<FaceCollectionUpkeepStarter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!registered.IsService(typeof(Ports.IFaceCollectionUpkeep)) || !await lifetime.WaitForStartAsync(stoppingToken))
        {
            return;
        }
        try
        {
            await grains.GetGrain<IFaceCollectionUpkeepGrain>(IFaceCollectionUpkeepGrain.Key).Start();
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            // Another silo registers it too; the reminder is cluster-wide.
            LogNotStarted(failure.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The orphan face sweep was not scheduled from this silo: {Error}")]
    private partial void LogNotStarted(string error);
}
