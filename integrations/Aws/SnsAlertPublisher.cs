using System.Globalization;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.Aws;
using NextGenCrm.Aws.SimpleNotificationService;
using NextGenCrm.Aws.SimpleNotificationService.Model;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Aws;

/// <summary>
/// Publishes new-visitor alerts to an SNS topic. The message holds the branch, the time and the photo link, never
/// customer data; the visit id rides along as a message attribute, and as the deduplication id on a FIFO topic.
/// Retries and timeouts are the SNS client's (its HttpClient's resilience handler).
/// </summary>
public sealed partial class SnsAlertPublisher(IAmazonSimpleNotificationService sns, IOptions<SnsOptions> options, ILogger<SnsAlertPublisher> logger)
    : IAlertPublisher
{
    private readonly SnsOptions _options = options.Value;

    /// <summary>The SMS text: short, and nothing in it identifies the visitor.</summary>
    public static string FormatMessage(NewVisitorAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var text = string.Create(CultureInfo.InvariantCulture, $"New visitor at branch {alert.BranchId} at {alert.SeenAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC.");
        return alert.ImageUrl is null ? text : $"{text} Photo: {alert.ImageUrl.AbsoluteUri}";
    }

    public async Task PublishAsync(NewVisitorAlert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var request = new PublishRequest
        {
            TopicArn = _options.TopicArn,
            Message = FormatMessage(alert),
            MessageAttributes = new()
            {
                ["visitId"] = new MessageAttributeValue { DataType = "String", StringValue = alert.VisitId },
                ["branchId"] = new MessageAttributeValue { DataType = "String", StringValue = alert.BranchId },
            },
        };
        if (_options.TopicArn!.EndsWith(".fifo", StringComparison.Ordinal))
        {
            // Standard topics reject these; on FIFO topics SNS drops a repeat of the same visit for 5 minutes.
            request.MessageDeduplicationId = alert.VisitId;
            request.MessageGroupId = alert.BranchId;
        }

        PublishResponse published;
        try
        {
            published = await sns.PublishAsync(request, cancellationToken);
        }
        catch (AmazonServiceException e) when (AwsErrors.IsRefusedAccess(e))
        {
            // The silo's credentials, the role's rights or the topic: not the alert's fault, and mended by an operator.
            LogBlocked(alert.VisitId, e.ErrorCode);
            throw new DeliveryBlockedException("sns", e.ErrorCode ?? "", $"SNS did not take the alert for visit {alert.VisitId}: {e.ErrorCode}", e);
        }
        catch (AmazonServiceException e) when (!AwsErrors.IsTransient(e))
        {
            // InvalidParameter and the like: publishing this alert again will not help.
            throw new PermanentDeliveryException($"SNS refused the alert for visit {alert.VisitId}: {e.ErrorCode}", e);
        }
        LogPublished(alert.VisitId, alert.BranchId, published.MessageId
            ?? throw new InvalidOperationException("SNS Publish answered without a MessageId."));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "New-visitor alert for visit {VisitId} at {BranchId} published as {MessageId}")]
    private partial void LogPublished(string visitId, string branchId, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SNS did not take the alert for visit {VisitId} ({ErrorCode}): credentials, rights or topic; the outbox tries again")]
    private partial void LogBlocked(string visitId, string? errorCode);
}
