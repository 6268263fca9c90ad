namespace NextGenCrm.Ports;

/// <summary>Assigns a member of staff to a visit (Appian Web API in production).</summary>
public interface ITaskAssigner
{
    /// <summary>
    /// Creates the task. <see cref="TaskAssignment.VisitId"/> is the idempotency key.
    /// Throws <see cref="PermanentDeliveryException"/> when retrying cannot help.
    /// </summary>
    Task<TaskReceipt> AssignAsync(TaskAssignment assignment, CancellationToken cancellationToken);
}

public enum StaffRole { CustomerService, Sales }

public sealed record TaskAssignment(
    string VisitId,
    string? CustomerId,
    string? CustomerName,
    string BranchId,
    Uri? ImageUrl,
    StaffRole AssignTo);

/// <summary>What the task system answered; <see cref="TaskId"/> when it returns one.</summary>
public sealed record TaskReceipt(string? TaskId);
