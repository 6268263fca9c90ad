using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Embedded;

/// <summary>
/// Staff tasks when no Appian is configured: logged (without names or images) and kept in memory,
/// one per visit id, as Appian keeps one per idempotency key.
/// </summary>
public sealed partial class RecordingTaskAssigner(ILogger<RecordingTaskAssigner> logger) : ITaskAssigner
{
    private readonly ConcurrentDictionary<string, TaskAssignment> _byVisitId = new(StringComparer.Ordinal);
    private long _calls;

    public IReadOnlyCollection<TaskAssignment> Assigned => [.. _byVisitId.Values];

    /// <summary>Calls received, duplicates included: more calls than tasks means a visit was delivered twice.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    public Task<TaskReceipt> AssignAsync(TaskAssignment assignment, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        if (_byVisitId.TryAdd(assignment.VisitId, assignment))
        {
            LogAssigned(assignment.VisitId, assignment.BranchId, assignment.AssignTo);
        }
        return Task.FromResult(new TaskReceipt(assignment.VisitId));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Task for visit {VisitId} at {BranchId} assigned to {Role}")]
    private partial void LogAssigned(string visitId, string branchId, StaffRole role);
}
