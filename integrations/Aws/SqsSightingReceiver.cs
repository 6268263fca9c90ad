using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace NextGenCrm.Integrations.Aws;

/// <summary>
/// Long-polls the sightings queue and hands each message body to a handler. A message is deleted only
/// when its handler returns true; otherwise (false or an exception) it reappears after the visibility
/// timeout, and the queue's redrive policy moves it to the dead-letter queue after maxReceiveCount tries.
/// </summary>
public sealed partial class SqsSightingReceiver(IAmazonSQS sqs, IOptions<SqsIngestOptions> options, ILogger<SqsSightingReceiver> logger)
{
    private readonly SqsIngestOptions _options = options.Value;
    private readonly ILogger<SqsSightingReceiver> _logger = logger;

    /// <summary>Receives until <paramref name="cancellationToken"/> fires; a failing receive backs off up to 30 s.</summary>
    public async Task RunAsync(Func<string, CancellationToken, Task<bool>> handler, CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await ReceiveOnceAsync(handler, cancellationToken);
                backoff = TimeSpan.FromSeconds(1);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is AmazonSQSException or HttpRequestException or TimeoutException)
            {
                LogReceiveFailed(e.GetType().Name, backoff);
                await Task.Delay(backoff, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    /// <summary>One long poll; returns how many messages were handled and deleted.</summary>
    public async Task<int> ReceiveOnceAsync(Func<string, CancellationToken, Task<bool>> handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var response = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = _options.SightingsQueueUrl,
            MaxNumberOfMessages = _options.MaxMessages,
            WaitTimeSeconds = _options.WaitTimeSeconds,
        }, cancellationToken);
        var messages = response.Messages ?? [];
        if (messages.Count == 0)
        {
            return 0;
        }
        var outcomes = await Task.WhenAll(messages.Select(m => HandleAsync(handler, m, cancellationToken)));
        var done = messages.Where((_, i) => outcomes[i]).ToList();
        if (done.Count == 0)
        {
            return 0;
        }
        var deleted = await sqs.DeleteMessageBatchAsync(new DeleteMessageBatchRequest
        {
            QueueUrl = _options.SightingsQueueUrl,
            Entries = [.. done.Select((m, i) => new DeleteMessageBatchRequestEntry(i.ToString(System.Globalization.CultureInfo.InvariantCulture), m.ReceiptHandle))],
        }, cancellationToken);
        foreach (var failure in deleted.Failed ?? [])
        {
            // The message comes back and is handled again: handlers are idempotent per sighting.
            LogDeleteFailed(failure.Code);
        }
        return done.Count - (deleted.Failed?.Count ?? 0);
    }

    private async Task<bool> HandleAsync(Func<string, CancellationToken, Task<bool>> handler, Message message, CancellationToken cancellationToken)
    {
        try
        {
            return await handler(message.Body, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogHandlerFailed(message.MessageId, e.GetType().Name);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Receiving sightings failed ({Error}); next try in {Delay}")]
    private partial void LogReceiveFailed(string error, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting a handled sighting message failed ({Code}); it will be handled again")]
    private partial void LogDeleteFailed(string code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sighting message {MessageId} was not handled ({Error}); it returns after the visibility timeout")]
    private partial void LogHandlerFailed(string messageId, string error);
}
