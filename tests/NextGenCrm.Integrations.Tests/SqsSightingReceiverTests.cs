using System.Collections.Concurrent;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Aws;

namespace NextGenCrm.Integrations.Tests;

public sealed class SqsSightingReceiverTests(FauxqsFixture emulator) : IDisposable
{
    private readonly IAmazonSQS _sqs = emulator.Aws.CreateSqs();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _sqs.Dispose();

    private async Task<(string QueueUrl, string DeadLetterUrl)> QueuesAsync()
    {
        var name = "sightings-" + Guid.NewGuid().ToString("N")[..8];
        var deadLetterUrl = (await _sqs.CreateQueueAsync(name + "-dlq", Ct)).QueueUrl;
        var deadLetterArn = (await _sqs.GetQueueAttributesAsync(deadLetterUrl, ["QueueArn"], Ct)).QueueARN;
        var queueUrl = (await _sqs.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = name,
            Attributes = new()
            {
                ["VisibilityTimeout"] = "1",
                ["RedrivePolicy"] = $$"""{"deadLetterTargetArn":"{{deadLetterArn}}","maxReceiveCount":"2"}""",
            },
        }, Ct)).QueueUrl;
        return (queueUrl, deadLetterUrl);
    }

    private SqsSightingReceiver Receiver(string queueUrl) => new(_sqs,
        Options.Create(new SqsIngestOptions { SightingsQueueUrl = queueUrl, WaitTimeSeconds = 1 }), NullLogger<SqsSightingReceiver>.Instance);

    [Fact]
    public async Task Handled_sightings_leave_the_queue_and_a_poison_one_ends_in_the_dead_letter_queue()
    {
        var (queueUrl, deadLetterUrl) = await QueuesAsync();
        foreach (var body in new[] { "ok-1", "ok-2", "poison", "throws" })
        {
            await _sqs.SendMessageAsync(queueUrl, body, Ct);
        }
        var handled = new ConcurrentBag<string>();
        var attempts = new ConcurrentDictionary<string, int>();
        var receiver = Receiver(queueUrl);
        Task<bool> Handle(string body, CancellationToken _)
        {
            attempts.AddOrUpdate(body, 1, (_, n) => n + 1);
            if (body == "throws")
            {
                throw new InvalidOperationException("cannot parse");
            }
            if (body.StartsWith("ok", StringComparison.Ordinal))
            {
                handled.Add(body);
                return Task.FromResult(true);
            }
            return Task.FromResult(false);
        }

        var deadline = DateTime.UtcNow.AddSeconds(15);
        List<Message> dead = [];
        while (DateTime.UtcNow < deadline && dead.Count < 2)
        {
            await receiver.ReceiveOnceAsync(Handle, Ct);
            dead = (await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = deadLetterUrl, MaxNumberOfMessages = 10, VisibilityTimeout = 30 }, Ct)).Messages ?? dead;
        }

        Assert.Equal(["ok-1", "ok-2"], handled.Order());
        Assert.Equal(["poison", "throws"], dead.Select(m => m.Body).Order());
        Assert.Equal(2, attempts["poison"]);
        var left = await _sqs.GetQueueAttributesAsync(queueUrl, ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"], Ct);
        Assert.Equal(0, left.ApproximateNumberOfMessages + left.ApproximateNumberOfMessagesNotVisible);
    }
}
