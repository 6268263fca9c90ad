using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Options;
using NextGenCrm.Contracts;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.Silo.Extensions;

namespace NextGenCrm.Silo.Ingest;

/// <summary>
/// Sightings from the SQS queue the edge agents' AWS sink writes (the body of POST /api/v1/sightings,
/// with imageRef). A message is deleted only after its camera grain recorded it; a redelivered one
/// extends the visit it already opened. A message that can never be recorded goes to the dead-letter
/// queue with its reason; one that failed for a passing reason comes back after the visibility timeout.
/// </summary>
public sealed partial class SqsSightingIngest(
    SqsSightingReceiver receiver,
    IAmazonSQS sqs,
    IOptions<SqsIngestOptions> options,
    SightingValidator validator,
    SightingIngest ingest,
    IHostApplicationLifetime lifetime,
    ILogger<SqsSightingIngest> logger,
    Security.AuditTrail? audit = null) : BackgroundService
{
    /// <summary>SQS's own limit; anything larger did not come from SQS.</summary>
    private const int MaxBodyChars = 256 * 1024;

    private long _recorded;
    private long _deadLettered;

    public long Recorded => Interlocked.Read(ref _recorded);
    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await lifetime.WaitForStartAsync(stoppingToken))
        {
            return;
        }
        await Task.WhenAll(Enumerable.Range(0, options.Value.Pollers).Select(_ => receiver.RunAsync(HandleAsync, stoppingToken)));
    }

    /// <summary>True when the message may be deleted: recorded, or dead-lettered with its reason.</summary>
    public async Task<bool> HandleAsync(string body, CancellationToken cancellationToken)
    {
        // The root of a queued sighting's trace: receive → camera grain → visitor → courier → adapters.
        using var span = VisitTracing.Source.StartActivity("sqs receive sighting", System.Diagnostics.ActivityKind.Consumer);
        span?.SetTag("messaging.system", "aws_sqs");
        if (body.Length > MaxBodyChars)
        {
            return await DeadLetterAsync(body[..1024], "The message is larger than 256 KiB.", cancellationToken);
        }
        SightingRequest? request;
        try
        {
            request = JsonSerializer.Deserialize<SightingRequest>(body, JsonBody.Strict);
        }
        catch (JsonException invalid)
        {
            return await DeadLetterAsync(body, JsonBody.Describe(invalid), cancellationToken);
        }
        if (request is null)
        {
            return await DeadLetterAsync(body, "The message is JSON null.", cancellationToken);
        }
        if (!validator.TryValidate(request, out var sighting, out var errors))
        {
            return await DeadLetterAsync(body, string.Join(" ", errors.SelectMany(e => e.Value)), cancellationToken);
        }
        SightingResult result;
        try
        {
            result = await ingest.RecordAsync(sighting, cancellationToken); // any other failure throws: the message stays and comes back
        }
        catch (UnprocessableSightingException unusable)
        {
            return await DeadLetterAsync(body, unusable.Message, cancellationToken);
        }
        if (audit is not null && result.VisitorId is not null)
        {
            // The identification is audited like one over HTTP (subject "sqs": the queue authenticated the agent);
            // a failed write throws, so the message stays and comes back.
            await audit.WriteAsync(audit.Entry("sqs", null, Security.AuditTrail.Actions.Identification, 200, sighting.BranchId, result.VisitorId,
                detail: $"camera {sighting.CameraId}, sighting {sighting.SightingId}, visit {result.VisitId}"), cancellationToken);
        }
        Interlocked.Increment(ref _recorded);
        return true;
    }

    private async Task<bool> DeadLetterAsync(string body, string reason, CancellationToken cancellationToken)
    {
        var deadLetters = options.Value.DeadLetterQueueUrl;
        LogRefused(reason, string.IsNullOrEmpty(deadLetters) ? "left for the queue's redrive policy" : "dead-lettered");
        if (string.IsNullOrEmpty(deadLetters))
        {
            return false;
        }
        await sqs.SendMessageAsync(new SendMessageRequest
        {
            QueueUrl = deadLetters,
            MessageBody = body,
            MessageAttributes = new Dictionary<string, MessageAttributeValue>
            {
                ["reason"] = new() { DataType = "String", StringValue = reason },
            },
        }, cancellationToken);
        Interlocked.Increment(ref _deadLettered);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sighting message refused: {Reason}; {Disposition}")]
    private partial void LogRefused(string reason, string disposition);
}
