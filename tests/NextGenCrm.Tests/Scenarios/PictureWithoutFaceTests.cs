using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Ingest;
using NextGenCrm.TestSupport;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Scenarios;

/// <summary>
/// The embedded face search looks for a face as Rekognition does: a picture that decodes but shows no face
/// (a grey square, a photograph of clothes) is "no face" and opens nothing; a real face crop opens a visit.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PictureWithoutFaceTests(ClusterFixture fixture)
{
    private readonly HttpClient _http = fixture.Http;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> WithoutFace => new()
    {
        { "a plain grey 200x200 JPEG", "image" },
        { "a plain grey 200x200 JPEG", "imageRef" },
        { "a photograph without a face", "image" },
        { "a photograph without a face", "imageRef" },
    };

    private static byte[] Picture(string what) => what == "a plain grey 200x200 JPEG" ? DemoPhotos.Grey() : DemoPhotos.WithoutFace();

    [Theory]
    [MemberData(nameof(WithoutFace))]
    public async Task A_picture_without_a_face_is_no_face_and_opens_no_visit_sends_no_task_and_no_sms(string what, string field)
    {
        var branch = World.NewBranch("faceless");
        var body = await SightingAsync(branch, "t1", Picture(what), field);

        using var response = await _http.PostAsJsonAsync("/api/v1/sightings", body, Ct);
        var answer = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-face", (string?)answer!["outcome"]);
        Assert.Null(answer["visitId"]);
        Assert.Empty((await fixture.Grains.OccupancyAsync(branch)).Visitors);
        await Task.Delay(200, Ct);
        Assert.Empty(World.TasksAt(branch));
        Assert.Empty(World.AlertsAt(branch));
    }

    [Theory]
    [InlineData("image")]
    [InlineData("imageRef")]
    public async Task A_real_face_crop_opens_a_visit_with_its_task_and_sms(string field)
    {
        var branch = World.NewBranch("face");
        var body = await SightingAsync(branch, "t1", DemoPhotos.FaceCrop(4, $"face-{branch}"), field);

        using var response = await _http.PostAsJsonAsync("/api/v1/sightings", body, Ct);
        var answer = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("new-visit", (string?)answer!["outcome"]);
        Assert.Single((await fixture.Grains.OccupancyAsync(branch)).Visitors);
        await WaitUntil(() => World.TasksAt(branch).Count == 1 && World.AlertsAt(branch).Count == 1);
    }

    [Fact]
    public async Task In_a_batch_only_the_pictures_with_a_face_open_visits()
    {
        var branch = World.NewBranch("faceless-batch");
        var sightings = new JsonArray(
            await SightingAsync(branch, "t1", DemoPhotos.Grey(), "image"),
            await SightingAsync(branch, "t2", DemoPhotos.FaceCrop(5, $"batch-{branch}"), "image"),
            await SightingAsync(branch, "t3", DemoPhotos.WithoutFace(), "imageRef"));

        using var response = await _http.PostAsJsonAsync("/api/v1/sightings/batch", new JsonObject { ["sightings"] = sightings }, Ct);
        var results = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["results"]!.AsArray();

        Assert.Equal(["no-face", "new-visit", "no-face"], results.Select(r => (string?)r!["outcome"]));
        Assert.Single((await fixture.Grains.OccupancyAsync(branch)).Visitors);
        await WaitUntil(() => World.TasksAt(branch).Count == 1);
        Assert.Single(World.AlertsAt(branch));
    }

    [Fact]
    public async Task Through_sqs_pictures_without_a_face_are_taken_and_open_nothing_and_a_face_opens_a_visit()
    {
        await using var fauxqs = await Fauxqs.StartAsync(Ct);
        using var sqs = new AmazonSQSClient(new BasicAWSCredentials("test", "test"), new AmazonSQSConfig { ServiceURL = fauxqs.ServiceUrl, AuthenticationRegion = Fauxqs.Region });
        var queueUrl = (await sqs.CreateQueueAsync($"sightings-{Guid.NewGuid():N}"[..24], Ct)).QueueUrl;
        var deadLetterUrl = (await sqs.CreateQueueAsync($"dlq-{Guid.NewGuid():N}"[..20], Ct)).QueueUrl;
        var branch = World.NewBranch("sqs-faceless");
        var messages = new[]
        {
            await SightingAsync(branch, "t1", DemoPhotos.Grey(), "image"),
            await SightingAsync(branch, "t2", DemoPhotos.Grey(), "imageRef"),
            await SightingAsync(branch, "t3", DemoPhotos.WithoutFace(), "image"),
            await SightingAsync(branch, "t4", DemoPhotos.WithoutFace(), "imageRef"),
        };
        foreach (var message in messages)
        {
            await sqs.SendMessageAsync(queueUrl, message.ToJsonString(), Ct);
        }
        var (receiver, ingest) = SqsIngests.Create(sqs, queueUrl, deadLetterUrl, fixture.Grains);

        for (var polls = 0; polls < 20 && ingest.Recorded < 4; polls++)
        {
            await receiver.ReceiveOnceAsync(ingest.HandleAsync, Ct);
        }

        Assert.Equal(4, ingest.Recorded);
        Assert.Equal(0, ingest.DeadLettered);
        Assert.Empty((await fixture.Grains.OccupancyAsync(branch)).Visitors);
        await Task.Delay(200, Ct);
        Assert.Empty(World.TasksAt(branch));
        Assert.Empty(World.AlertsAt(branch));

        await sqs.SendMessageAsync(queueUrl, (await SightingAsync(branch, "t5", DemoPhotos.FaceCrop(6, $"sqs-{branch}"), "imageRef")).ToJsonString(), Ct);
        for (var polls = 0; polls < 20 && ingest.Recorded < 5; polls++)
        {
            await receiver.ReceiveOnceAsync(ingest.HandleAsync, Ct);
        }

        Assert.Equal(5, ingest.Recorded);
        Assert.Single((await fixture.Grains.OccupancyAsync(branch)).Visitors);
        await WaitUntil(() => World.TasksAt(branch).Count == 1);
        Assert.Empty((await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = deadLetterUrl, WaitTimeSeconds = 0 }, Ct)).Messages ?? []);
    }

    [Fact]
    public async Task Enrolling_a_photo_without_a_face_is_refused_and_the_customer_is_recognised_from_a_real_one()
    {
        var customerId = $"88{Random.Shared.Next(1_000_000):D6}";
        var photo = DemoPhotos.FaceCrop(7, $"enrol-{customerId}");

        using var refused = await _http.PostAsJsonAsync($"/api/v1/customers/{customerId}/faces", new { name = "Rui Faria", image = Convert.ToBase64String(DemoPhotos.WithoutFace()), consent = TestConsent.Written }, Ct);
        using var enrolled = await _http.PostAsJsonAsync($"/api/v1/customers/{customerId}/faces", new { name = "Rui Faria", image = Convert.ToBase64String(photo), consent = TestConsent.Written }, Ct);
        var branch = World.NewBranch("enrolled-face");
        using var seen = await _http.PostAsJsonAsync("/api/v1/sightings", await SightingAsync(branch, "t1", photo, "image"), Ct);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
        Assert.Equal($"c-{customerId}", (string?)(await seen.Content.ReadFromJsonAsync<JsonObject>(Ct))!["visitorId"]);
    }

    /// <summary>A sighting of <paramref name="picture"/>, inline or as the key of a crop stored in the branch's folder.</summary>
    private static async Task<JsonObject> SightingAsync(string branch, string track, byte[] picture, string field)
    {
        var sighting = new JsonObject
        {
            ["sightingId"] = $"{track}-{Guid.NewGuid():N}",
            ["branchId"] = branch,
            ["cameraId"] = "lobby",
            ["trackId"] = track,
            ["capturedAt"] = World.Clock.GetUtcNow().ToString("O"),
        };
        sighting[field] = field == "image"
            ? Convert.ToBase64String(picture)
            : await World.Images.PutAsync(new CropLocation(branch, "lobby", World.Clock.GetUtcNow(), $"crop-{Guid.NewGuid():N}"), picture, Ct);
        return sighting;
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(100, Ct);
        }
        Assert.True(condition());
    }
}
