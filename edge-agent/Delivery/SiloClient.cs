using NextGenCrm.Contracts;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace NextGenCrm.EdgeAgent.Delivery;

/// <summary>What became of one sighting at the silo.</summary>
public enum DeliveryOutcome
{
    /// <summary>200: the silo has it.</summary>
    Accepted,

    /// <summary>400/413/422…: it will never be accepted; drop it and count it.</summary>
    Rejected,

    /// <summary>5xx, 429, timeout, connection refused: keep it and try again later.</summary>
    RetryLater,
}

/// <summary>The silo's HTTP API as the edge agent uses it (sightings, batches, heartbeats).</summary>
public sealed partial class SiloClient(HttpClient http, ILogger<SiloClient> logger) : ISightingSink
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly byte[] BatchOpening = Encoding.UTF8.GetBytes($"{{\"{SightingBatchRequest.SightingsField}\":[");

    /// <summary>One sighting alone, several through the batch endpoint.</summary>
    public async Task<IReadOnlyList<DeliveryOutcome>> DeliverAsync(IReadOnlyList<byte[]> sightings, CancellationToken cancellationToken)
    {
        if (sightings.Count > 1 && await SendBatchAsync(sightings, cancellationToken) is { } outcomes)
        {
            return outcomes;
        }
        // One sighting, or a batch the silo refused as a whole: one by one, so that only the bad
        // sighting is dropped.
        var single = new List<DeliveryOutcome>(sightings.Count);
        foreach (var record in sightings)
        {
            var outcome = await SendAsync(record, cancellationToken);
            single.Add(outcome);
            if (outcome == DeliveryOutcome.RetryLater)
            {
                break;
            }
        }
        return single;
    }

    public async Task<DeliveryOutcome> SendAsync(byte[] sightingJson, CancellationToken cancellationToken)
    {
        try
        {
            using var content = new ByteArrayContent(sightingJson);
            content.Headers.ContentType = Json;
            using var response = await http.PostAsync("api/v1/sightings", content, cancellationToken);
            var outcome = Classify(response.StatusCode);
            if (outcome == DeliveryOutcome.Rejected)
            {
                LogRejected((int)response.StatusCode, await ReadProblemTitle(response, cancellationToken));
            }
            return outcome;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException && !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(e.Message);
            return DeliveryOutcome.RetryLater;
        }
    }

    /// <summary>Per-item outcomes in order, or null when the batch as a whole was refused as malformed.</summary>
    public async Task<IReadOnlyList<DeliveryOutcome>?> SendBatchAsync(IReadOnlyList<byte[]> sightings, CancellationToken cancellationToken)
    {
        // The buffer holds each sighting's JSON as sent: splice them into the batch body (SightingBatchRequest) as they are.
        using var body = new MemoryStream();
        body.Write(BatchOpening);
        for (var i = 0; i < sightings.Count; i++)
        {
            if (i > 0)
            {
                body.WriteByte((byte)',');
            }
            body.Write(sightings[i]);
        }
        body.Write("]}"u8);
        try
        {
            using var content = new ByteArrayContent(body.GetBuffer(), 0, (int)body.Length);
            content.Headers.ContentType = Json;
            using var response = await http.PostAsync("api/v1/sightings/batch", content, cancellationToken);
            var whole = Classify(response.StatusCode);
            if (whole == DeliveryOutcome.Rejected)
            {
                LogBatchRefused((int)response.StatusCode, await ReadProblemTitle(response, cancellationToken));
                return null;
            }
            if (whole == DeliveryOutcome.RetryLater)
            {
                LogBatchRetry((int)response.StatusCode);
                return Enumerable.Repeat(DeliveryOutcome.RetryLater, sightings.Count).ToArray();
            }
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var parsed = await JsonSerializer.DeserializeAsync(stream, EdgeJson.Default.BatchResponse, cancellationToken);
            var outcomes = Enumerable.Repeat(DeliveryOutcome.RetryLater, sightings.Count).ToArray();
            foreach (var item in parsed?.Results ?? [])
            {
                if (item.Index >= 0 && item.Index < outcomes.Length)
                {
                    outcomes[item.Index] = Classify((HttpStatusCode)item.Status);
                    if (outcomes[item.Index] == DeliveryOutcome.Rejected)
                    {
                        LogRejected(item.Status, item.Error ?? "");
                    }
                }
            }
            return outcomes;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException or JsonException && !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(e.Message);
            return Enumerable.Repeat(DeliveryOutcome.RetryLater, sightings.Count).ToArray();
        }
    }

    public async Task<bool> SendHeartbeatAsync(string branchId, string cameraId, CameraHeartbeat heartbeat, CancellationToken cancellationToken)
    {
        try
        {
            var path = $"api/v1/branches/{Uri.EscapeDataString(branchId)}/cameras/{Uri.EscapeDataString(cameraId)}/heartbeat";
            using var content = new StringContent(JsonSerializer.Serialize(heartbeat, EdgeJson.Default.CameraHeartbeat), Encoding.UTF8, Json);
            using var response = await http.PostAsync(path, content, cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    internal static DeliveryOutcome Classify(HttpStatusCode status) => (int)status switch
    {
        >= 200 and < 300 => DeliveryOutcome.Accepted,
        // 401/403: the token is missing, expired or of another branch. Mending it makes the sighting welcome, so it is kept.
        401 or 403 or 408 or 429 => DeliveryOutcome.RetryLater,
        >= 400 and < 500 => DeliveryOutcome.Rejected,
        _ => DeliveryOutcome.RetryLater,
    };

    private static async Task<string> ReadProblemTitle(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        // Problem details name the field at fault; a body is capped so a misbehaving server cannot flood the log.
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return text.Length > 300 ? text[..300] : text;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo rejected a sighting with {Status}; dropped, it cannot succeed: {Problem}")]
    private partial void LogRejected(int status, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo refused a batch as a whole with {Status}: {Problem}; sending its sightings one by one")]
    private partial void LogBatchRefused(int status, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo answered a batch with {Status}; will retry")]
    private partial void LogBatchRetry(int status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo unreachable ({Reason}); sightings stay in the buffer")]
    private partial void LogUnreachable(string reason);
}
