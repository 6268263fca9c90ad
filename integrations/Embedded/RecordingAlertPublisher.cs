using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Embedded;

/// <summary>New-visitor alerts when no SNS topic is configured: logged and kept in memory, one per visit id.</summary>
public sealed partial class RecordingAlertPublisher(ILogger<RecordingAlertPublisher> logger) : IAlertPublisher
{
    private readonly ConcurrentDictionary<string, NewVisitorAlert> _byVisitId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _callsByVisitId = new(StringComparer.Ordinal);
    private long _calls;

    public IReadOnlyCollection<NewVisitorAlert> Published => [.. _byVisitId.Values];

    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>How many times the alert of this visit was published: more than one is an SMS sent twice.</summary>
    public int CallsFor(string visitId) => _callsByVisitId.GetValueOrDefault(visitId);

    public Task PublishAsync(NewVisitorAlert alert, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        _callsByVisitId.AddOrUpdate(alert.VisitId, 1, (_, n) => n + 1);
        if (_byVisitId.TryAdd(alert.VisitId, alert))
        {
            LogPublished(alert.VisitId, alert.BranchId);
        }
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "New-visitor alert for visit {VisitId} at {BranchId}")]
    private partial void LogPublished(string visitId, string branchId);
}
