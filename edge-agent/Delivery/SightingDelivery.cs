using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Hosting;

namespace NextGenCrm.EdgeAgent.Delivery;

/// <summary>
/// Drains the buffer to the sink (the silo's HTTP API, or S3 + SQS) in order. The delivered prefix
/// is acknowledged durably; the first sighting to fail for a transient reason and everything after
/// it are sent again later (at-least-once; the sightingId lets the silo spot a redelivery).
/// Sightings the sink calls invalid are dropped and counted, never retried.
/// </summary>
public sealed partial class SightingDelivery(
    SightingBuffer buffer,
    ISightingSink sink,
    AgentMetrics metrics,
    IOptions<EdgeAgentOptions> options,
    ILogger<SightingDelivery> logger) : BackgroundService
{
    /// <summary>Keeps a batch body well under what an HTTP front end accepts.</summary>
    private const long MaxBatchBytes = 8L * 1024 * 1024;

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value.Silo;
        var retryDelay = FirstRetryDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            var batch = buffer.Read(settings.BatchSize, MaxBatchBytes);
            if (batch.Count == 0)
            {
                await buffer.WaitForRecordsAsync(TimeSpan.FromSeconds(1), stoppingToken);
                continue;
            }
            var outcomes = await sink.DeliverAsync(batch.Records, stoppingToken);
            var settled = 0;
            while (settled < outcomes.Count && outcomes[settled] != DeliveryOutcome.RetryLater)
            {
                Count(batch.Records[settled], outcomes[settled]);
                settled++;
            }
            buffer.Acknowledge(batch, settled);
            if (settled < batch.Count)
            {
                LogWillRetry(batch.Count - settled, buffer.Depth, retryDelay);
                await Task.Delay(retryDelay, stoppingToken);
                retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, settings.MaxRetryDelay.Ticks));
            }
            else
            {
                retryDelay = FirstRetryDelay;
            }
        }
    }

    private void Count(byte[] record, DeliveryOutcome outcome)
    {
        if (outcome == DeliveryOutcome.Rejected)
        {
            metrics.SightingRejected();
            return;
        }
        var cameraId = ReadCameraId(record);
        metrics.SightingAccepted(cameraId ?? "");
    }

    /// <summary>Reads only the cameraId property, without materialising the (large) image string.</summary>
    private static string? ReadCameraId(byte[] record)
    {
        var reader = new Utf8JsonReader(record);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("cameraId"u8))
            {
                reader.Read();
                return reader.GetString();
            }
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth > 0)
            {
                reader.Skip();
            }
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Pending} sightings not delivered ({Depth} in buffer); next attempt in {Delay}")]
    private partial void LogWillRetry(int pending, long depth, TimeSpan delay);
}
