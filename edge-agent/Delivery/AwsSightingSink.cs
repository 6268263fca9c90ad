using NextGenCrm.Contracts;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Logging;
using NextGenCrm.Aws;
using NextGenCrm.EdgeAgent.Configuration;

namespace NextGenCrm.EdgeAgent.Delivery;

/// <summary>
/// Delivers a sighting the way the silo's SQS ingest reads it: the crop is put into S3 under the key
/// the silo's image store uses, then the sighting goes to SQS with that key as imageRef (a faceToken
/// sighting goes to SQS alone). The key is derived from the sightingId, so a retry after "S3 put
/// succeeded, SQS send failed" puts the same object again rather than leaving a second one.
/// </summary>
public sealed partial class AwsSightingSink(IAmazonS3 s3, IAmazonSQS sqs, AwsSinkOptions options, ILogger<AwsSightingSink> logger) : ISightingSink
{
    private readonly bool _fifo = options.QueueUrl.EndsWith(".fifo", StringComparison.Ordinal);

    /// <summary>
    /// An S3 client through the AWS composition (<see cref="AwsSdkSetup"/>): <paramref name="shared"/> is the agent's
    /// <c>AWS</c> section and <paramref name="serviceUrl"/> its S3 endpoint; <c>Sink:Aws:Region</c>/<c>ServiceUrl</c>, when
    /// set, win (the keys of earlier builds). Null credentials: the SDK's chain.
    /// </summary>
    public static IAmazonS3 CreateS3(AwsSinkOptions options, AWSCredentials? credentials = null, AWSOptions? shared = null, string? serviceUrl = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var sdk = Compose(options, credentials, shared, serviceUrl);
        if (sdk.DefaultClientConfig.ServiceURL is not null)
        {
            // An emulator answers on one host for every service: path-style bucket addressing.
            sdk.DefaultClientConfig.ServiceSpecificSettings["ForcePathStyle"] = "true";
        }
        return sdk.CreateServiceClient<IAmazonS3>();
    }

    /// <summary>An SQS client through the AWS composition, as <see cref="CreateS3"/>.</summary>
    public static IAmazonSQS CreateSqs(AwsSinkOptions options, AWSCredentials? credentials = null, AWSOptions? shared = null, string? serviceUrl = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Compose(options, credentials, shared, serviceUrl).CreateServiceClient<IAmazonSQS>();
    }

    private static AWSOptions Compose(AwsSinkOptions options, AWSCredentials? credentials, AWSOptions? shared, string? serviceUrl)
    {
        try
        {
            var sdk = AwsSdkSetup.ForService(shared ?? new AWSOptions(),
                string.IsNullOrEmpty(options.ServiceUrl) ? serviceUrl : options.ServiceUrl,
                string.IsNullOrEmpty(options.Region) ? null : options.Region,
                credentials);
            sdk.DefaultClientConfig.Timeout = options.RequestTimeout;
            sdk.DefaultClientConfig.MaxErrorRetry = 2;
            return sdk;
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"{e.Message} (or set {EdgeAgentOptions.SectionName}:Sink:Aws:Region)", e);
        }
    }

    /// <summary>The key the silo's image store gives the same crop (CropLocation.ToKey).</summary>
    public static string CropKey(string prefix, SightingRequest sighting)
    {
        ArgumentNullException.ThrowIfNull(sighting);
        return string.Create(CultureInfo.InvariantCulture,
            $"{prefix}{sighting.BranchId}/{sighting.CameraId}/{(sighting.CapturedAt ?? throw new ArgumentException("The sighting has no capturedAt.", nameof(sighting))).UtcDateTime:yyyy-MM-dd}/{sighting.SightingId}.jpg");
    }

    public async Task<IReadOnlyList<DeliveryOutcome>> DeliverAsync(IReadOnlyList<byte[]> sightings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sightings);
        var outcomes = new List<DeliveryOutcome>(sightings.Count);
        foreach (var record in sightings)
        {
            var outcome = await DeliverAsync(record, cancellationToken);
            outcomes.Add(outcome);
            if (outcome == DeliveryOutcome.RetryLater)
            {
                break;
            }
        }
        return outcomes;
    }

    private async Task<DeliveryOutcome> DeliverAsync(byte[] record, CancellationToken cancellationToken)
    {
        if (!TryRead(record, out var sighting, out var crop, out var problem))
        {
            LogRejected(problem);
            return DeliveryOutcome.Rejected;
        }
        var message = sighting;
        try
        {
            if (crop is not null)
            {
                var key = CropKey(options.KeyPrefix, sighting);
                await PutCropAsync(key, crop, cancellationToken);
                message = sighting with { Image = null, ImageRef = key };
            }
            var request = new SendMessageRequest
            {
                QueueUrl = options.QueueUrl,
                MessageBody = JsonSerializer.Serialize(message, EdgeJson.Default.SightingRequest),
            };
            if (_fifo)
            {
                // One camera's sightings stay in order; a resend within five minutes is dropped by SQS.
                request.MessageGroupId = $"{sighting.BranchId}:{sighting.CameraId}";
                request.MessageDeduplicationId = sighting.SightingId;
            }
            await sqs.SendMessageAsync(request, cancellationToken);
            return DeliveryOutcome.Accepted;
        }
        catch (AmazonSQSException e) when (e.ErrorCode is "InvalidMessageContents")
        {
            LogRejected(e.Message);
            return DeliveryOutcome.Rejected;
        }
        catch (Exception e) when (IsTransient(e, cancellationToken))
        {
            // Access denied, a missing bucket or queue: the setting is wrong, not the sighting; keep it.
            LogNotDelivered(sighting.SightingId ?? "", (e as AmazonServiceException)?.ErrorCode ?? e.GetType().Name, e.Message);
            return DeliveryOutcome.RetryLater;
        }
    }

    private async Task PutCropAsync(string key, byte[] jpeg, CancellationToken cancellationToken)
    {
        using var content = new MemoryStream(jpeg, writable: false);
        await s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = options.Bucket,
            Key = key,
            InputStream = content,
            ContentType = "image/jpeg",
            ServerSideEncryptionMethod = ServerSideEncryptionMethod.AES256,
            // Emulators store an aws-chunked body as it came; a plain body is fine for a crop this size.
            UseChunkEncoding = false,
        }, cancellationToken);
    }

    /// <summary>The silo would refuse these for good (it dead-letters them); no point sending.</summary>
    private static bool TryRead(byte[] record, out SightingRequest sighting, out byte[]? crop, out string problem)
    {
        sighting = null!;
        crop = null;
        try
        {
            sighting = JsonSerializer.Deserialize(record, EdgeJson.Default.SightingRequest)!;
        }
        catch (JsonException e)
        {
            problem = "not a sighting: " + e.Message;
            return false;
        }
        if (sighting is null || !SightingIds.IsValid(sighting.SightingId) || !SightingIds.IsValid(sighting.BranchId)
            || !SightingIds.IsValid(sighting.CameraId) || !SightingIds.IsValid(sighting.TrackId))
        {
            problem = "sightingId, branchId, cameraId and trackId must be ids of [A-Za-z0-9._-]";
            return false;
        }
        if (sighting.CapturedAt is null)
        {
            problem = "capturedAt is required";
            return false;
        }
        if ((sighting.Image is null ? 0 : 1) + (sighting.ImageRef is null ? 0 : 1) + (sighting.FaceToken is null ? 0 : 1) + (sighting.FaceDescriptor is null ? 0 : 1) != 1)
        {
            problem = "exactly one of image, imageRef, faceToken, faceDescriptor is required";
            return false;
        }
        if (sighting.Image is { } base64)
        {
            try
            {
                crop = Convert.FromBase64String(base64);
            }
            catch (FormatException)
            {
                problem = "image is not base64";
                return false;
            }
        }
        problem = "";
        return true;
    }

    private static bool IsTransient(Exception e, CancellationToken cancellationToken) => e switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        AmazonServiceException or AmazonClientException or HttpRequestException or IOException or SocketException => true,
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sighting dropped, it cannot succeed: {Problem}")]
    private partial void LogRejected(string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sighting {SightingId} not delivered to S3/SQS ({Error}: {Reason}); it stays in the buffer")]
    private partial void LogNotDelivered(string sightingId, string error, string reason);
}
