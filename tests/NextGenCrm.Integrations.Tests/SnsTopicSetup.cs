using System.Text;
using System.Xml.Linq;
using Amazon.SQS;
using Amazon.SQS.Model;
using NextGenCrm.Integrations.Aws;

namespace NextGenCrm.Integrations.Tests;

/// <summary>Creates a topic with a queue subscribed to it, so a test can read what was published.</summary>
internal static class SnsTopicSetup
{
    public static async Task<(string TopicArn, string QueueUrl)> TopicWithQueueAsync(AwsClients aws, HttpClient http, string name, bool fifo, CancellationToken ct)
    {
        var suffix = fifo ? ".fifo" : "";
        using var sqs = aws.CreateSqs();
        var queueAttributes = fifo ? new Dictionary<string, string> { ["FifoQueue"] = "true" } : [];
        var queueUrl = (await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = name + suffix, Attributes = queueAttributes }, ct)).QueueUrl;
        var queueArn = (await sqs.GetQueueAttributesAsync(queueUrl, ["QueueArn"], ct)).QueueARN;

        var sns = new AwsSignedHttp(http, aws, AwsService.Sns, "sns");
        var topicParameters = new List<(string, string)> { ("Action", "CreateTopic"), ("Name", name + suffix) };
        if (fifo)
        {
            topicParameters.Add(("Attributes.entry.1.key", "FifoTopic"));
            topicParameters.Add(("Attributes.entry.1.value", "true"));
        }
        var topicArn = await QueryAsync(sns, topicParameters, "TopicArn", ct);
        await QueryAsync(sns, [("Action", "Subscribe"), ("TopicArn", topicArn), ("Protocol", "sqs"), ("Endpoint", queueArn)], "SubscriptionArn", ct);
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

    private static async Task<string> QueryAsync(AwsSignedHttp sns, List<(string, string)> parameters, string resultElement, CancellationToken ct)
    {
        parameters.Add(("Version", "2010-03-31"));
        var body = Encoding.UTF8.GetBytes(string.Join('&', parameters.Select(p => $"{Uri.EscapeDataString(p.Item1)}={Uri.EscapeDataString(p.Item2)}")));
        using var response = await sns.PostAsync(body, "application/x-www-form-urlencoded; charset=utf-8", new Dictionary<string, string>(), ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.IsSuccessStatusCode, text);
        return XDocument.Parse(text).Descendants().Single(e => e.Name.LocalName == resultElement).Value;
    }
}
