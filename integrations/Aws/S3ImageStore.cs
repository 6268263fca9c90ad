using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Aws;

/// <summary>Face crops in S3, encrypted at rest, handed to staff as short-lived presigned links.</summary>
public sealed class S3ImageStore : IImageStore
{
    private readonly IAmazonS3 _s3;
    private readonly S3ImageStoreOptions _options;
    private readonly Protocol _linkProtocol;
    private readonly TimeProvider _time;

    public S3ImageStore(IAmazonS3 s3, IOptions<S3ImageStoreOptions> options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentNullException.ThrowIfNull(options);
        _s3 = s3;
        _options = options.Value;
        _time = timeProvider ?? TimeProvider.System;
        // An emulator endpoint is usually plain http; a presigned https link to it would not open.
        _linkProtocol = s3.Config.ServiceURL?.StartsWith("http://", StringComparison.OrdinalIgnoreCase) == true ? Protocol.HTTP : Protocol.HTTPS;
    }

    public async Task<string> PutAsync(CropLocation crop, ReadOnlyMemory<byte> jpegOrPng, CancellationToken cancellationToken)
    {
        using var span = VisitTracing.StartCall("s3", "PutObject");
        ArgumentNullException.ThrowIfNull(crop);
        var key = crop.ToKey(_options.Prefix);
        using var content = new MemoryStream(jpegOrPng.ToArray(), writable: false);
        var request = new PutObjectRequest
        {
            BucketName = _options.Bucket,
            Key = key,
            InputStream = content,
            ContentType = IsPng(jpegOrPng.Span) ? "image/png" : "image/jpeg",
            ServerSideEncryptionMethod = _options.ServerSideEncryption == "aws:kms" ? ServerSideEncryptionMethod.AWSKMS : ServerSideEncryptionMethod.AES256,
        };
        if (!string.IsNullOrEmpty(_options.KmsKeyId))
        {
            request.ServerSideEncryptionKeyManagementServiceKeyId = _options.KmsKeyId;
        }
        await _s3.PutObjectAsync(request, cancellationToken);
        return key;
    }

    public async Task<Uri?> GetLinkAsync(string imageKey, CancellationToken cancellationToken)
    {
        using var span = VisitTracing.StartCall("s3", "GetPreSignedURL");
        var url = await _s3.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = _options.Bucket,
            Key = imageKey,
            Verb = HttpVerb.GET,
            Protocol = _linkProtocol,
            Expires = _time.GetUtcNow().Add(_options.LinkExpiry).UtcDateTime,
        });
        return new Uri(url);
    }

    public async Task<bool> ExistsAsync(string imageKey, CancellationToken cancellationToken)
    {
        using var span = VisitTracing.StartCall("s3", "HeadObject");
        try
        {
            await _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _options.Bucket, Key = imageKey }, cancellationToken);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode is System.Net.HttpStatusCode.NotFound)
        {
            // A 403 is not "missing" (a role or key to mend): it throws, and the sighting is sent again, not refused.
            return false;
        }
    }

    /// <summary>
    /// S3 answers a DELETE alike whether or not the object was there, so the erasure's receipt would count keys, not
    /// crops: a HEAD first tells which were there. A crop written between the two is still deleted (not counted).
    /// </summary>
    public async Task<bool> DeleteAsync(string imageKey, CancellationToken cancellationToken)
    {
        using var span = VisitTracing.StartCall("s3", "DeleteObject");
        var existed = await ExistsAsync(imageKey, cancellationToken);
        await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _options.Bucket, Key = imageKey }, cancellationToken);
        return existed;
    }

    private static bool IsPng(ReadOnlySpan<byte> image) => image is [0x89, (byte)'P', (byte)'N', (byte)'G', ..];
}
