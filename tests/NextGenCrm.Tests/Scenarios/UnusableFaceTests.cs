using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Ingest;
using NextGenCrm.TestSupport;
using NextGenCrm.Tests.Infrastructure;
using SkiaSharp;

namespace NextGenCrm.Tests.Scenarios;

/// <summary>Images that are not pictures, and crops that do not exist, change nothing: 422 or a dead letter.</summary>
[Collection(ClusterCollection.Name)]
public sealed class UnusableFaceTests(ClusterFixture fixture)
{
    private readonly HttpClient _http = fixture.Http;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>300 random bytes behind a JPEG signature: the sighting that once became a visit, a task and an SMS.</summary>
    private static byte[] NotAPicture()
    {
        var bytes = new byte[300];
        new Random(7).NextBytes(bytes);
        bytes[0] = 0xFF;
        bytes[1] = 0xD8;
        bytes[2] = 0xFF;
        return bytes;
    }

    private static byte[] Png(int side)
    {
        using var bitmap = new SKBitmap(side, side);
        bitmap.Erase(SKColors.Bisque);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static JsonObject Sighting(string branch, string track) => new()
    {
        ["branchId"] = branch,
        ["cameraId"] = "lobby",
        ["trackId"] = track,
        ["capturedAt"] = World.Clock.GetUtcNow().ToString("O"),
    };

    public static TheoryData<string, string, string> Unusable => new()
    {
        { "random bytes behind a JPEG header", "image", Convert.ToBase64String(NotAPicture()) },
        { "a JPEG cut short", "image", Convert.ToBase64String(FakeRekognition.FaceJpeg("cut")[..400]) },
        { "a picture too small to hold a face", "image", Convert.ToBase64String(Png(16)) },
        { "an imageRef of a blank name in the branch", "imageRef", "DeepLens Images/{branch}/ " },
        { "an imageRef with a space", "imageRef", "DeepLens Images/{branch}/a b" },
        { "an imageRef of a crop never stored", "imageRef", "DeepLens Images/{branch}/lobby/2026-11-30/never.jpg" },
    };

    [Theory]
    [MemberData(nameof(Unusable))]
    public async Task An_unusable_face_is_refused_with_422_and_opens_no_visit_sends_no_task_and_no_sms(string what, string field, string value)
    {
        var branch = World.NewBranch("unusable");
        var body = Sighting(branch, "t1");
        body[field] = value.Replace("{branch}", branch, StringComparison.Ordinal);

        using var response = await _http.PostAsJsonAsync("/api/v1/sightings", body, Ct);

        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{what}: {response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty((await fixture.Grains.OccupancyAsync(branch)).Visitors);
        await Task.Delay(200, Ct);
        Assert.Empty(World.TasksAt(branch));
        Assert.Empty(World.AlertsAt(branch));
        Assert.Equal(0, (await fixture.Grains.GetGrain<ICameraGrain>(CameraKeys.Format(branch, "lobby")).GetStatus()).Sightings);
    }

    [Fact]
    public async Task A_real_crop_is_taken_and_in_a_batch_only_the_unusable_items_are_refused()
    {
        var branch = World.NewBranch("usable");
        var good = Sighting(branch, "t1");
        good["image"] = Convert.ToBase64String(DemoPhotos.FaceCrop(0, $"usable-{branch}"));
        var bad = Sighting(branch, "t2");
        bad["image"] = Convert.ToBase64String(NotAPicture());
        var missing = Sighting(branch, "t3");
        missing["imageRef"] = $"DeepLens Images/{branch}/lobby/none.jpg";

        using var response = await _http.PostAsJsonAsync("/api/v1/sightings/batch", new JsonObject { ["sightings"] = new JsonArray(good, bad, missing) }, Ct);
        var results = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["results"]!.AsArray();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([200, 422, 422], results.Select(r => (int)r!["status"]!));
        Assert.Contains("decoded", (string)results[1]!["error"]!, StringComparison.Ordinal);
        Assert.Contains("imageRef", (string)results[2]!["error"]!, StringComparison.Ordinal);
        Assert.Single((await fixture.Grains.OccupancyAsync(branch)).Visitors);
    }

    [Fact]
    public async Task Through_sqs_an_unusable_face_goes_to_the_dead_letter_queue_with_its_reason()
    {
        await using var fauxqs = await Fauxqs.StartAsync(Ct);
        using var sqs = new AmazonSQSClient(new BasicAWSCredentials("test", "test"), new AmazonSQSConfig { ServiceURL = fauxqs.ServiceUrl, AuthenticationRegion = Fauxqs.Region });
        var queueUrl = (await sqs.CreateQueueAsync($"sightings-{Guid.NewGuid():N}"[..24], Ct)).QueueUrl;
        var deadLetterUrl = (await sqs.CreateQueueAsync($"dlq-{Guid.NewGuid():N}"[..20], Ct)).QueueUrl;
        var branch = World.NewBranch("sqs-unusable");
        var picture = Sighting(branch, "t1");
        picture["image"] = Convert.ToBase64String(NotAPicture());
        var reference = Sighting(branch, "t2");
        reference["imageRef"] = $"DeepLens Images/{branch}/a b";
        await sqs.SendMessageAsync(queueUrl, picture.ToJsonString(), Ct);
        await sqs.SendMessageAsync(queueUrl, reference.ToJsonString(), Ct);
        var (receiver, ingest) = SqsIngests.Create(sqs, queueUrl, deadLetterUrl, fixture.Grains);

        for (var polls = 0; polls < 20 && ingest.DeadLettered < 2; polls++)
        {
            await receiver.ReceiveOnceAsync(ingest.HandleAsync, Ct);
        }

        Assert.Equal(2, ingest.DeadLettered);
        Assert.Equal(0, ingest.Recorded);
        var dead = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = deadLetterUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 0, MessageAttributeNames = ["All"] }, Ct);
        var reasons = (dead.Messages ?? []).Select(m => m.MessageAttributes["reason"].StringValue).ToList();
        Assert.Contains(reasons, r => r.Contains("cannot be decoded", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("imageRef names no stored crop", StringComparison.Ordinal));
        Assert.Empty((await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, WaitTimeSeconds = 0 }, Ct)).Messages ?? []);
        Assert.Empty((await fixture.Grains.OccupancyAsync(branch)).Visitors);
    }
}
