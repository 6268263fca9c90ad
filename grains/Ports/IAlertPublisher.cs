namespace NextGenCrm.Ports;

/// <summary>Tells the sales team a new visitor is in a branch (SNS topic with SMS subscribers in production).</summary>
public interface IAlertPublisher
{
    /// <summary>Publishes the alert; <see cref="NewVisitorAlert.VisitId"/> is the idempotency key.</summary>
    Task PublishAsync(NewVisitorAlert alert, CancellationToken cancellationToken);
}

/// <summary>Only what the alert needs: no customer data.</summary>
public sealed record NewVisitorAlert(string VisitId, string BranchId, DateTimeOffset SeenAt, Uri? ImageUrl);
