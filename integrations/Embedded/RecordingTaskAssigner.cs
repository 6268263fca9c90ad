using Microsoft.Extensions.Logging;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Embedded;

/// <summary>
/// Staff tasks when no Appian is configured: logged (without names or images) and kept in memory, one per
/// visit id, as Appian keeps one per idempotency key. Only the most recent <see cref="Kept"/> are kept (the log
/// has them all), so a silo that runs for weeks does not grow with every visit.
/// </summary>
public sealed partial class RecordingTaskAssigner(ILogger<RecordingTaskAssigner> logger, int kept = RecordingTaskAssigner.DefaultKept) : ITaskAssigner
{
    public const int DefaultKept = 10_000;

    private readonly RecentByVisit<TaskAssignment> _byVisitId = new(kept);
    private long _calls;

    /// <summary>The most recent tasks, at most <see cref="Kept"/>.</summary>
    public IReadOnlyCollection<TaskAssignment> Assigned => _byVisitId.Values;

    /// <summary>How many tasks are kept: older ones are forgotten.</summary>
    public int Kept => _byVisitId.Capacity;

    /// <summary>Calls received, duplicates included: more calls than tasks means a visit was delivered twice.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    public Task<TaskReceipt> AssignAsync(TaskAssignment assignment, CancellationToken cancellationToken)
    {
        // Stands where the Appian call would be: a trace shows the task's delivery the same way.
        using var span = VisitTracing.StartCall("appian", "CreateTask (recorded)");
        span?.SetTag("nextgencrm.visit_id", assignment.VisitId);
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
