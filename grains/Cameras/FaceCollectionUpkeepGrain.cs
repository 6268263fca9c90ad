using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.Ports;
using NextGenCrm.Visits;

namespace NextGenCrm.Cameras;

/// <summary>
/// Sweeps faces that belong to nobody out of the collection every <see cref="VisitPolicy.OrphanFaceSweepInterval"/>,
/// on a reminder, so one silo of the cluster does it. Rekognition stores a face on every IndexFaces call,
/// and a call whose answer was lost is made again: the first face is then nobody's, and biometric data
/// nobody can erase by person.
/// </summary>
public sealed partial class FaceCollectionUpkeepGrain(
    IFaceCollectionUpkeep upkeep, IOptions<VisitPolicy> policy, ILogger<FaceCollectionUpkeepGrain> logger)
    : Grain, IFaceCollectionUpkeepGrain, IRemindable
{
    private const string SweepReminder = "orphan-face-sweep";

    public async Task Start()
    {
        // Only when missing: every silo calls this at start, and re-registering would push the next sweep a whole
        // period out each time, so a cluster restarted more often than that would never sweep.
        if (await this.GetReminder(SweepReminder) is null)
        {
            var every = policy.Value.OrphanFaceSweepInterval;
            await this.RegisterOrUpdateReminder(SweepReminder, every, every);
        }
    }

    public Task<int> Sweep() => upkeep.SweepOrphanFacesAsync(CancellationToken.None);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        try
        {
            var deleted = await Sweep();
            if (deleted > 0)
            {
                LogSwept(deleted);
            }
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            LogFailed(failure.GetType().Name); // the next tick tries again
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} faces that belonged to no person")]
    private partial void LogSwept(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Orphan face sweep failed: {Error}; trying again at the next tick")]
    private partial void LogFailed(string error);
}
