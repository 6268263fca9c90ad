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

/// <summary>SQS ingest against fauxqs, into the test cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SqsIngestTests(ClusterFixture fixture) : IAsyncLifetime
{
    private Fauxqs _fauxqs = null!;
    private AmazonSQSClient _sqs = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _fauxqs = await Fauxqs.StartAsync(Ct);
        _sqs = new AmazonSQSClient(new BasicAWSCredentials("test", "test"), new AmazonSQSConfig
        {
            ServiceURL = _fauxqs.ServiceUrl,
            AuthenticationRegion = Fauxqs.Region,
        });
    }

    public async ValueTask DisposeAsync()
    {
        _sqs.Dispose();
        await _fauxqs.DisposeAsync();
    }

    [Fact]
    public async Task A_message_delivered_three_times_opens_one_visit_and_poison_goes_to_the_dead_letter_queue_with_its_reason()
    {
        var branch = World.NewBranch("sqs");
        var queueUrl = (await _sqs.CreateQueueAsync($"sightings-{Guid.NewGuid():N}"[..24], Ct)).QueueUrl;
        var deadLetterUrl = (await _sqs.CreateQueueAsync($"dlq-{Guid.NewGuid():N}"[..20], Ct)).QueueUrl;
        var sighting = new JsonObject
        {
            ["sightingId"] = "s-redelivered",
            ["branchId"] = branch,
            ["cameraId"] = "lobby",
            ["trackId"] = "t1",
            ["capturedAt"] = World.Clock.GetUtcNow().ToString("O"),
            ["faceToken"] = $"sqs-{Guid.NewGuid():N}",
        }.ToJsonString();
        var later = JsonNode.Parse(sighting)!.AsObject();
        later["sightingId"] = "s-after-poison";
        later["trackId"] = "t2";
        foreach (var body in new[] { sighting, sighting, "{\"branchId\": ", sighting, sighting.Replace(branch, "main/st", StringComparison.Ordinal), later.ToJsonString() })
        {
            await _sqs.SendMessageAsync(queueUrl, body, Ct);
        }
        var ingest = Ingest(queueUrl, deadLetterUrl);
        var receiver = new SqsSightingReceiver(_sqs, Options.Create(new SqsIngestOptions { SightingsQueueUrl = queueUrl, WaitTimeSeconds = 0 }), NullLogger<SqsSightingReceiver>.Instance);

        for (var polls = 0; polls < 20 && ingest.Recorded + ingest.DeadLettered < 6; polls++)
        {
            await receiver.ReceiveOnceAsync(ingest.HandleAsync, Ct);
        }

        Assert.Equal(4, ingest.Recorded);
        // Each recorded message is an identification in the audit log, by the queue, never with the face.
        Assert.Equal(4, _audit.Entries.Count(e => e.Action == "identification" && e.Subject == "sqs" && e.BranchId == branch && e.VisitorId is not null));
        Assert.Equal(2, ingest.DeadLettered);
        var occupant = Assert.Single((await fixture.Grains.OccupancyAsync(branch)).Visitors);
        Assert.Single(await fixture.Grains.VisitsAsync(occupant.VisitorId));
        await Sightings.EventuallyAsync(() => World.TasksAt(branch).Count == 1, "the visit's one task is delivered");
        var left = await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, WaitTimeSeconds = 0 }, Ct);
        Assert.Empty(left.Messages ?? []);
        var dead = await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = deadLetterUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 0, MessageAttributeNames = ["All"],
        }, Ct);
        var reasons = (dead.Messages ?? []).Select(m => m.MessageAttributes["reason"].StringValue).ToList();
        Assert.Equal(2, reasons.Count);
        Assert.Contains(reasons, r => r.Contains("not well-formed JSON", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("branchId", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_message_referring_to_another_branchs_crop_goes_to_the_dead_letter_queue_with_its_reason()
    {
        var branch = World.NewBranch("sqs-ref");
        var queueUrl = (await _sqs.CreateQueueAsync($"sightings-{Guid.NewGuid():N}"[..24], Ct)).QueueUrl;
        var deadLetterUrl = (await _sqs.CreateQueueAsync($"dlq-{Guid.NewGuid():N}"[..20], Ct)).QueueUrl;
        JsonObject Referring(string sightingId, string imageRef) => new()
        {
            ["sightingId"] = sightingId,
            ["branchId"] = branch,
            ["cameraId"] = "lobby",
            ["trackId"] = sightingId,
            ["capturedAt"] = World.Clock.GetUtcNow().ToString("O"),
            ["imageRef"] = imageRef,
        };
        await _sqs.SendMessageAsync(queueUrl, Referring("s-foreign", "DeepLens Images/another-branch/lobby/2026-11-30/s-foreign.jpg").ToJsonString(), Ct);
        var ownCrop = await World.Images.PutAsync(new CropLocation(branch, "lobby", World.Clock.GetUtcNow(), $"s-own-{Guid.NewGuid():N}"), DemoPhotos.FaceCrop(1, $"own-{branch}"), Ct);
        await _sqs.SendMessageAsync(queueUrl, Referring("s-own", ownCrop).ToJsonString(), Ct);
        var ingest = Ingest(queueUrl, deadLetterUrl);
        var receiver = new SqsSightingReceiver(_sqs, Options.Create(new SqsIngestOptions { SightingsQueueUrl = queueUrl, WaitTimeSeconds = 0 }), NullLogger<SqsSightingReceiver>.Instance);

        for (var polls = 0; polls < 20 && ingest.Recorded + ingest.DeadLettered < 2; polls++)
        {
            await receiver.ReceiveOnceAsync(ingest.HandleAsync, Ct);
        }

        Assert.Equal(1, ingest.Recorded);
        Assert.Equal(1, ingest.DeadLettered);
        Assert.Single((await fixture.Grains.OccupancyAsync(branch)).Visitors);
        Assert.Empty((await fixture.Grains.OccupancyAsync("another-branch")).Visitors);
        var dead = await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = deadLetterUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 0, MessageAttributeNames = ["All"],
        }, Ct);
        var message = Assert.Single(dead.Messages ?? []);
        Assert.Contains("s-foreign", message.Body, StringComparison.Ordinal);
        Assert.Contains($"imageRef must be a crop of the sighting's own branch, a key under 'DeepLens Images/{branch}/'", message.MessageAttributes["reason"].StringValue, StringComparison.Ordinal);
    }

    private SqsSightingIngest Ingest(string queueUrl, string deadLetterUrl) =>
        SqsIngests.Create(_sqs, queueUrl, deadLetterUrl, fixture.Grains,
            new NextGenCrm.Silo.Security.AuditTrail(_audit, Options.Create(new NextGenCrm.Silo.Security.AuthOptions()), TimeProvider.System,
                NullLogger<NextGenCrm.Silo.Security.AuditTrail>.Instance)).Ingest;

    private readonly RecordingAuditLog _audit = new();

    private sealed class RecordingAuditLog : NextGenCrm.Ports.IAuditLog
    {
        public System.Collections.Concurrent.ConcurrentQueue<NextGenCrm.Ports.AuditEntry> Entries { get; } = new();

        public Task AppendAsync(IReadOnlyList<NextGenCrm.Ports.AuditEntry> entries, CancellationToken cancellationToken)
        {
            foreach (var entry in entries)
            {
                Entries.Enqueue(entry);
            }
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<NextGenCrm.Ports.AuditEntry>> ReadAsync(NextGenCrm.Ports.AuditQuery query, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<NextGenCrm.Ports.AuditEntry>>([.. Entries.Where(query.Matches)]);
    }
}
