using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.Ports;
using Polly;

namespace NextGenCrm.Integrations.Aws;

/// <summary>
/// Publishes new-visitor alerts to an SNS topic (Query protocol, SigV4 service "sns"). The message
/// holds the branch, the time and the photo link, never customer data; the visit id rides along as a
/// message attribute, and as the deduplication id on a FIFO topic.
/// </summary>
public sealed partial class SnsAlertPublisher : IAlertPublisher
{
    private const string ContentType = "application/x-www-form-urlencoded; charset=utf-8";
    private static readonly Dictionary<string, string> NoHeaders = [];

    private readonly AwsSignedHttp _http;
    private readonly SnsOptions _options;
    private readonly ResiliencePipeline _retry;
    private readonly ILogger<SnsAlertPublisher> _logger;

    public SnsAlertPublisher(HttpClient http, AwsClients aws, IOptions<SnsOptions> options, ILogger<SnsAlertPublisher> logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger;
        _http = new AwsSignedHttp(http, aws, AwsService.Sns, "sns");
        _retry = AwsRetry.Create(_options.MaxRetryAttempts, _options.RetryDelay, timeProvider, LogRetry);
    }

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
        var form = new List<(string, string)>
        {
            ("Action", "Publish"),
            ("Version", "2010-03-31"),
            ("TopicArn", _options.TopicArn!),
            ("Message", FormatMessage(alert)),
            ("MessageAttributes.entry.1.Name", "visitId"),
            ("MessageAttributes.entry.1.Value.DataType", "String"),
            ("MessageAttributes.entry.1.Value.StringValue", alert.VisitId),
            ("MessageAttributes.entry.2.Name", "branchId"),
            ("MessageAttributes.entry.2.Value.DataType", "String"),
            ("MessageAttributes.entry.2.Value.StringValue", alert.BranchId),
        };
        if (_options.TopicArn!.EndsWith(".fifo", StringComparison.Ordinal))
        {
            // Standard topics reject these; on FIFO topics SNS drops a repeat of the same visit for 5 minutes.
            form.Add(("MessageDeduplicationId", alert.VisitId));
            form.Add(("MessageGroupId", alert.BranchId));
        }
        var body = Encoding.UTF8.GetBytes(string.Join('&', form.Select(p => $"{Uri.EscapeDataString(p.Item1)}={Uri.EscapeDataString(p.Item2)}")));

        string messageId;
        using var span = VisitTracing.StartCall("sns", "Publish");
        span?.SetTag("nextgencrm.visit_id", alert.VisitId);
        try
        {
            messageId = await _retry.ExecuteAsync(async ct => await AttemptAsync(body, ct), cancellationToken);
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
        LogPublished(alert.VisitId, alert.BranchId, messageId);
    }

    private async Task<string> AttemptAsync(byte[] body, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(_options.RequestTimeout);
        try
        {
            using var response = await _http.PostAsync(body, ContentType, NoHeaders, attempt.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw await AwsErrors.FromXmlResponseAsync(response, "SNS Publish", attempt.Token);
            }
            var document = XDocument.Parse(await response.Content.ReadAsStringAsync(attempt.Token));
            return document.Descendants().FirstOrDefault(e => e.Name.LocalName == "MessageId")?.Value
                ?? throw new InvalidOperationException("SNS Publish answered without a MessageId.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"SNS Publish did not answer within {_options.RequestTimeout.TotalSeconds:0.###} s.");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "New-visitor alert for visit {VisitId} at {BranchId} published as {MessageId}")]
    private partial void LogPublished(string visitId, string branchId, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SNS did not take the alert for visit {VisitId} ({ErrorCode}): credentials, rights or topic; the outbox tries again")]
    private partial void LogBlocked(string visitId, string? errorCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SNS attempt {Attempt} failed with {ErrorCode}; retrying in {Delay}")]
    private partial void LogRetry(int attempt, string? errorCode, TimeSpan delay);
}
