using Amazon.SQS;
using Amazon.SQS.Model;
using NextGenCrm.Aws.SimpleNotificationService.Model;
using NextGenCrm.Integrations.Aws;

namespace NextGenCrm.Integrations.Tests;

/// <summary>Creates a topic with a queue subscribed to it, so a test can read what was published.</summary>
internal static class SnsTopicSetup
{
    public static async Task<(string TopicArn, string QueueUrl)> TopicWithQueueAsync(AwsClients aws, string name, bool fifo, CancellationToken ct)
    {
        var suffix = fifo ? ".fifo" : "";
        using var sqs = aws.CreateSqs();
        var queueAttributes = fifo ? new Dictionary<string, string> { ["FifoQueue"] = "true" } : [];
        var queueUrl = (await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = name + suffix, Attributes = queueAttributes }, ct)).QueueUrl;
        var queueArn = (await sqs.GetQueueAttributesAsync(queueUrl, ["QueueArn"], ct)).QueueARN;

        var sns = aws.CreateSns();
        var topic = await sns.CreateTopicAsync(new CreateTopicRequest
        {
            Name = name + suffix,
            Attributes = fifo ? new Dictionary<string, string> { ["FifoTopic"] = "true" } : null,
        }, ct);
        await sns.SubscribeAsync(new SubscribeRequest { TopicArn = topic.TopicArn, Protocol = "sqs", Endpoint = queueArn }, ct);
        var topicArn = topic.TopicArn!;
        return (topicArn, queueUrl);
    }

    public static async Task<List<Message>> DrainAsync(IAmazonSQS sqs, string queueUrl, int expected, CancellationToken ct)
    {
        var messages = new List<Message>();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            var batch = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 }, ct);
            foreach (var message in batch.Messages ?? [])
            {
                messages.Add(message);
                // A FIFO group hands out its next message only once the one before is deleted.
                await sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle, ct);
            }
            // Once the expected count is in, one more empty wait shows whether a duplicate follows.
            if (messages.Count > expected || (messages.Count == expected && (batch.Messages ?? []).Count == 0))
            {
                break;
            }
        }
        return messages;
    }
}
