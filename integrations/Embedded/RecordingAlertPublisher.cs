using Microsoft.Extensions.Logging;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Embedded;

/// <summary>
/// New-visitor alerts when no SNS topic is configured: logged and kept in memory, one per visit id. Only the
/// most recent <see cref="Kept"/> visits' alerts and call counts are kept (the log has them all).
/// </summary>
public sealed partial class RecordingAlertPublisher(ILogger<RecordingAlertPublisher> logger, int kept = RecordingTaskAssigner.DefaultKept) : IAlertPublisher
{
    private readonly RecentByVisit<NewVisitorAlert> _byVisitId = new(kept);
    private readonly RecentByVisit<int> _callsByVisitId = new(kept);
    private long _calls;

    /// <summary>The most recent alerts, at most <see cref="Kept"/>.</summary>
    public IReadOnlyCollection<NewVisitorAlert> Published => _byVisitId.Values;

    /// <summary>How many alerts are kept: older ones are forgotten.</summary>
    public int Kept => _byVisitId.Capacity;

    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>How many times the alert of this visit was published (among the most recent visits): more than one is an SMS sent twice.</summary>
    public int CallsFor(string visitId) => _callsByVisitId.Get(visitId);

    public Task PublishAsync(NewVisitorAlert alert, CancellationToken cancellationToken)
    {
        using var span = VisitTracing.StartCall("sns", "Publish (recorded)");
        Interlocked.Increment(ref _calls);
        _callsByVisitId.AddOrUpdate(alert.VisitId, 1, n => n + 1);
        if (_byVisitId.TryAdd(alert.VisitId, alert))
        {
            LogPublished(alert.VisitId, alert.BranchId);
        }
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "New-visitor alert for visit {VisitId} at {BranchId}")]
    private partial void LogPublished(string visitId, string branchId);
}
