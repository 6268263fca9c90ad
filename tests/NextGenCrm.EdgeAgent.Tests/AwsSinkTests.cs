using NextGenCrm.Contracts;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Logging.Abstractions;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Delivery;
using NextGenCrm.TestSupport;
using SkiaSharp;

namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>The AWS sink against fauxqs (S3 + SQS on loopback): crops under the silo's key layout, sightings with imageRef.</summary>
public sealed class AwsSinkTests : IAsyncLifetime
{
    private const string Bucket = "customerimages";
    private static readonly BasicAWSCredentials Credentials = new("test", "test");
    private readonly string _work = Directory.CreateTempSubdirectory("edge-aws-").FullName;
    private Fauxqs _fauxqs = null!;
    private IAmazonS3 _s3 = null!;
    private IAmazonSQS _sqs = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _fauxqs = await Fauxqs.StartAsync(Ct);
        var options = Sink("unused");
        _s3 = AwsSightingSink.CreateS3(options, Credentials);
        _sqs = AwsSightingSink.CreateSqs(options, Credentials);
        await _s3.PutBucketAsync(Bucket, Ct);
    }

    public async ValueTask DisposeAsync()
    {
        _s3.Dispose();
        _sqs.Dispose();
        await _fauxqs.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Sightings_buffered_while_AWS_is_unreachable_arrive_as_crops_in_S3_and_messages_with_imageRef_once_it_is_reachable()
    {
        var timeout = TimeSpan.FromSeconds(60);
        var queueUrl = (await _sqs.CreateQueueAsync($"edge-sightings-{Guid.NewGuid():N}"[..30], Ct)).QueueUrl;
        var drop = Directory.CreateDirectory(Path.Combine(_work, "drop")).FullName;
        var buffer = Path.Combine(_work, "buffer");
        var credentials = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "test", ["AWS_SECRET_ACCESS_KEY"] = "test" };
        object AwsSink(string serviceUrl) => new { Kind = "Aws", Aws = new { QueueUrl = queueUrl, Bucket, Region = Fauxqs.Region, ServiceUrl = serviceUrl, RequestTimeout = "00:00:05" } };
        var door = new { Id = "door", Source = "Folder", Path = drop, PollInterval = "00:00:00.100" };
        // Run 1: the endpoint is a port nobody listens on. Three faces in a photo, two simulated visitors (faceTokens).
        var unreachable = AgentConfig.Write(_work, "down.json", "", buffer,
        [
            door,
            new { Id = "sim1", Source = "Simulate", FramesPerSecond = 50, Simulation = new { Visitors = 2, ArrivalsPerMinute = 60000, DwellTime = "00:00:00", Population = 100000 } },
        ], detection: null, tracking: null, sink: AwsSink($"http://127.0.0.1:{FakeSilo.FreeLoopbackPort()}"));
        // Run 2: same buffer, endpoint right, cameras quiet: only the buffer has something to send.
        var reachable = AgentConfig.Write(_work, "up.json", "", buffer, [door], detection: null, tracking: null, sink: AwsSink(_fauxqs.ServiceUrl));
        await File.WriteAllBytesAsync(Path.Combine(drop, "frame-0001.jpg"), TestImages.Scaled(TestImages.Photo("sample3.jpg"), 1280, 900), Ct);

        using (var down = AgentProcess.Start(unreachable, credentials))
        {
            await down.WaitForLineAsync("simulation finished after 2 visitors", timeout);
            await down.WaitForLineAsync("(5 in buffer)", timeout);
            Assert.Equal(3, down.TracksStarted("door").Count);
            Assert.Contains(down.Lines, l => l.Contains("not delivered to S3/SQS", StringComparison.Ordinal));
            down.KillHard();
        }
        Assert.Empty((await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket }, Ct)).S3Objects ?? []);

        using var up = AgentProcess.Start(reachable, credentials);
        var messages = await ReceiveAsync(queueUrl, 5, timeout);

        Assert.Equal(5, messages.Count);
        Assert.Equal(5, messages.Select(m => m.GetProperty("sightingId").GetString()).Distinct().Count());
        Assert.All(messages, m => Assert.False(m.TryGetProperty("image", out _)));
        var crops = messages.Where(m => m.GetProperty("cameraId").GetString() == "door").ToList();
        var tokens = messages.Where(m => m.GetProperty("cameraId").GetString() == "sim1").ToList();
        Assert.Equal(3, crops.Count);
        Assert.Equal(2, tokens.Count);
        Assert.All(tokens, m => Assert.False(m.TryGetProperty("imageRef", out _)));
        Assert.All(tokens, m => Assert.False(string.IsNullOrEmpty(m.GetProperty("faceToken").GetString())));
        foreach (var crop in crops)
        {
            var capturedAt = crop.GetProperty("capturedAt").GetDateTimeOffset();
            var expectedKey = $"DeepLens Images/b001/door/{capturedAt.UtcDateTime:yyyy-MM-dd}/{crop.GetProperty("sightingId").GetString()}.jpg";
            Assert.Equal(expectedKey, crop.GetProperty("imageRef").GetString());
            using var stored = await _s3.GetObjectAsync(Bucket, expectedKey, Ct);
            using var bytes = new MemoryStream();
            await stored.ResponseStream.CopyToAsync(bytes, Ct);
            using var image = SKBitmap.Decode(bytes.ToArray());
            Assert.NotNull(image); // a whole, decodable JPEG, not an aws-chunked body
            Assert.Equal("image/jpeg", stored.Headers.ContentType);
        }
        var keys = ((await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket }, Ct)).S3Objects ?? []).Select(o => o.Key).Order();
        Assert.Equal(crops.Select(m => m.GetProperty("imageRef").GetString()).Order(), keys);
        // Logs name sightings and tracks, never carry image data (a JPEG in base64 starts "/9j/").
        Assert.DoesNotContain(up.Lines, l => l.Contains("/9j/", StringComparison.Ordinal));
        Assert.False(up.HasExited);
    }

    [Fact]
    public async Task A_crop_stored_before_the_queue_send_failed_is_stored_again_under_the_same_key_and_an_invalid_sighting_is_dropped()
    {
        var existing = (await _sqs.CreateQueueAsync($"edge-probe-{Guid.NewGuid():N}"[..26], Ct)).QueueUrl;
        var name = $"edge-later-{Guid.NewGuid():N}"[..26];
        var queueUrl = existing[..(existing.LastIndexOf('/') + 1)] + name; // not created yet
        var options = Sink(queueUrl);
        using var s3 = AwsSightingSink.CreateS3(options, Credentials);
        using var sqs = AwsSightingSink.CreateSqs(options, Credentials);
        var sink = new AwsSightingSink(s3, sqs, options, NullLogger<AwsSightingSink>.Instance);
        using var picture = TestImages.Noise(96, 96, seed: 7);
        var capturedAt = DateTimeOffset.UtcNow;
        var crop = new SightingRequest { SightingId = SightingIds.NewSightingId(), BranchId = "b-retry", CameraId = "door", TrackId = "t-1", CapturedAt = capturedAt, Image = Convert.ToBase64String(TestImages.Jpeg(picture)) };
        var invalid = crop with { SightingId = SightingIds.NewSightingId(), TrackId = "../t-2" };
        var token = crop with { SightingId = SightingIds.NewSightingId(), TrackId = "t-3", Image = null, FaceToken = "person-3" };
        byte[][] records = [Json(invalid), Json(crop), Json(token)];

        var first = await sink.DeliverAsync(records, Ct);
        var storedAfterFailure = await KeysAsync("b-retry/");
        await sqs.CreateQueueAsync(name, Ct);
        var second = await sink.DeliverAsync(records, Ct);

        var key = $"DeepLens Images/b-retry/door/{capturedAt.UtcDateTime:yyyy-MM-dd}/{crop.SightingId}.jpg";
        Assert.Equal([DeliveryOutcome.Rejected, DeliveryOutcome.RetryLater], first);
        Assert.Equal([key], storedAfterFailure);
        Assert.Equal([DeliveryOutcome.Rejected, DeliveryOutcome.Accepted, DeliveryOutcome.Accepted], second);
        Assert.Equal([key], await KeysAsync("b-retry/"));
        var messages = await ReceiveAsync(queueUrl, 2, TimeSpan.FromSeconds(10));
        Assert.Equal(["t-1", "t-3"], messages.Select(m => m.GetProperty("trackId").GetString()).Order());
        Assert.Equal(key, messages.Single(m => m.GetProperty("trackId").GetString() == "t-1").GetProperty("imageRef").GetString());
        Assert.Equal(crop.SightingId, messages.Single(m => m.GetProperty("trackId").GetString() == "t-1").GetProperty("sightingId").GetString());
    }

    [Fact]
    public async Task A_descriptor_sighting_goes_to_the_queue_as_it_is_and_nothing_to_S3()
    {
        var queueUrl = (await _sqs.CreateQueueAsync($"edge-descr-{Guid.NewGuid():N}"[..26], Ct)).QueueUrl;
        var options = Sink(queueUrl);
        using var s3 = AwsSightingSink.CreateS3(options, Credentials);
        using var sqs = AwsSightingSink.CreateSqs(options, Credentials);
        var sink = new AwsSightingSink(s3, sqs, options, NullLogger<AwsSightingSink>.Instance);
        var descriptor = Enumerable.Range(0, 128).Select(i => MathF.Sqrt(1f / 128) * (i % 2 == 0 ? 1 : -1)).ToArray();
        var sighting = new SightingRequest { SightingId = SightingIds.NewSightingId(), BranchId = "b-descr", CameraId = "door", TrackId = "t-1", CapturedAt = DateTimeOffset.UtcNow, FaceDescriptor = descriptor };
        var both = sighting with { SightingId = SightingIds.NewSightingId(), TrackId = "t-2", FaceToken = "person-2" };

        var outcomes = await sink.DeliverAsync([Json(sighting), Json(both)], Ct);

        Assert.Equal([DeliveryOutcome.Accepted, DeliveryOutcome.Rejected], outcomes); // a face given twice cannot succeed
        Assert.Empty(await KeysAsync("b-descr/"));
        var message = Assert.Single(await ReceiveAsync(queueUrl, 1, TimeSpan.FromSeconds(10)));
        Assert.Equal(descriptor, message.GetProperty("faceDescriptor").EnumerateArray().Select(v => v.GetSingle()));
        Assert.False(message.TryGetProperty("image", out _));
        Assert.False(message.TryGetProperty("imageRef", out _));
    }

    private AwsSinkOptions Sink(string queueUrl) =>
        new() { QueueUrl = queueUrl, Bucket = Bucket, Region = Fauxqs.Region, ServiceUrl = _fauxqs.ServiceUrl, RequestTimeout = TimeSpan.FromSeconds(5) };

    private static byte[] Json(SightingRequest sighting) => JsonSerializer.SerializeToUtf8Bytes(sighting, EdgeJson.Default.SightingRequest);

    private async Task<List<string>> KeysAsync(string under) =>
        ((await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = "DeepLens Images/" + under }, Ct)).S3Objects ?? [])
        .Select(o => o.Key).ToList();

    /// <summary>Messages received (and deleted) until <paramref name="expected"/> arrived, then one more look for extras.</summary>
    private async Task<List<JsonElement>> ReceiveAsync(string queueUrl, int expected, TimeSpan timeout)
    {
        var received = new List<JsonElement>();
        var deadline = DateTime.UtcNow + timeout;
        var extraLook = false;
        while (DateTime.UtcNow < deadline)
        {
            var batch = await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 }, Ct);
            foreach (var message in batch.Messages ?? [])
            {
                received.Add(JsonDocument.Parse(message.Body).RootElement.Clone());
                await _sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle, Ct);
            }
            if (received.Count >= expected)
            {
                if (extraLook)
                {
                    break;
                }
                extraLook = true;
            }
        }
        return received;
    }
}
