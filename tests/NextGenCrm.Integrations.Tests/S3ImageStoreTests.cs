using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Tests;

public sealed class S3ImageStoreTests(FauxqsFixture emulator) : IAsyncLifetime
{
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5, 0xFF, 0xD9];
    private readonly IAmazonS3 _s3 = emulator.Aws.CreateS3();
    private readonly string _bucket = "crops-" + Guid.NewGuid().ToString("N")[..8];
    private readonly HttpClient _http = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await _s3.PutBucketAsync(_bucket, Ct);

    public ValueTask DisposeAsync()
    {
        _s3.Dispose();
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    private S3ImageStore Store(TimeSpan? expiry = null) => new(_s3, Options.Create(new S3ImageStoreOptions
    {
        Bucket = _bucket,
        LinkExpiry = expiry ?? TimeSpan.FromMinutes(15),
    }));

    private static CropLocation Crop(string sightingId) => new("b-1", "cam-2", new DateTimeOffset(2026, 11, 28, 23, 30, 0, TimeSpan.FromHours(-2)), sightingId);

    [Fact]
    public async Task A_crop_is_stored_under_the_original_key_layout()
    {
        var key = await Store().PutAsync(Crop("s-1"), Jpeg, Ct);

        Assert.Equal("DeepLens Images/b-1/cam-2/2026-11-29/s-1.jpg", key);
        var metadata = await _s3.GetObjectMetadataAsync(_bucket, key, Ct);
        Assert.Equal("image/jpeg", metadata.Headers.ContentType);
        Assert.Equal(Jpeg.Length, metadata.ContentLength);
    }

    [Theory]
    [InlineData("AES256", null)]
    [InlineData("aws:kms", "alias/crops")]
    public async Task Crops_are_written_with_server_side_encryption(string method, string? kmsKeyId)
    {
        // fauxqs ignores the encryption headers, so the test looks at what went over the wire.
        var recorder = new RecordingHttpClientFactory();
        using var s3 = new AmazonS3Client(new Amazon.Runtime.BasicAWSCredentials("test", "test"), new AmazonS3Config
        {
            ServiceURL = emulator.Fauxqs.ServiceUrl, ForcePathStyle = true, AuthenticationRegion = "us-east-1", HttpClientFactory = recorder,
        });
        var store = new S3ImageStore(s3, Options.Create(new S3ImageStoreOptions { Bucket = _bucket, ServerSideEncryption = method, KmsKeyId = kmsKeyId }));

        await store.PutAsync(Crop("s-enc"), Jpeg, Ct);

        var put = Assert.Single(recorder.Requests, r => r.Method == HttpMethod.Put);
        Assert.Equal(method, put.Headers["x-amz-server-side-encryption"]);
        Assert.Equal(kmsKeyId, put.Headers.GetValueOrDefault("x-amz-server-side-encryption-aws-kms-key-id"));
    }

    [Fact]
    public async Task Staff_open_the_crop_through_a_short_lived_link()
    {
        var store = Store(TimeSpan.FromMinutes(5));
        var key = await store.PutAsync(Crop("s-2"), Jpeg, Ct);

        var link = await store.GetLinkAsync(key, Ct);

        Assert.NotNull(link);
        // The SDK rounds the remaining lifetime up to whole seconds.
        var expires = System.Web.HttpUtility.ParseQueryString(link.Query)["X-Amz-Expires"];
        Assert.InRange(int.Parse(expires!, System.Globalization.CultureInfo.InvariantCulture), 295, 301);
        Assert.Contains("X-Amz-Signature=", link.Query, StringComparison.Ordinal);
        Assert.Equal(Jpeg, await _http.GetByteArrayAsync(link, Ct));
    }

    [Fact]
    public async Task An_erased_crop_cannot_be_opened_any_more()
    {
        var store = Store();
        var key = await store.PutAsync(Crop("s-3"), Jpeg, Ct);
        var link = await store.GetLinkAsync(key, Ct);

        var removed = await store.DeleteAsync(key, Ct);
        var removedAgain = await store.DeleteAsync(key, Ct);

        Assert.True(removed);
        Assert.False(removedAgain); // S3 answers 204 either way: the receipt counts only crops that were there
        using var response = await _http.GetAsync(link, Ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => _s3.GetObjectMetadataAsync(_bucket, key, Ct));
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task A_sightings_imageRef_is_taken_only_for_a_crop_that_exists()
    {
        var store = Store();
        var key = await store.PutAsync(Crop("s-4"), Jpeg, Ct);

        Assert.True(await store.ExistsAsync(key, Ct));
        Assert.False(await store.ExistsAsync(key + ".missing", Ct));
        Assert.False(await store.ExistsAsync("a b", Ct));
        await store.DeleteAsync(key, Ct);
        Assert.False(await store.ExistsAsync(key, Ct));
    }

    [Fact]
    public void Kms_key_without_kms_encryption_is_refused_naming_the_key()
    {
        var result = new S3ImageStoreOptionsValidator().Validate(null, new S3ImageStoreOptions { KmsKeyId = "alias/crops" });

        Assert.Contains("S3:KmsKeyId", result.FailureMessage, StringComparison.Ordinal);
    }
}
