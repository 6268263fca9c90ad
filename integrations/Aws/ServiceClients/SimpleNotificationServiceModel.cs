// The slice of the SNS API the silo and its test tools use, shaped as AWSSDK.SimpleNotificationService's
// Amazon.SimpleNotificationService.Model, so that package can replace this namespace once it is served.
namespace NextGenCrm.Aws.SimpleNotificationService.Model;

public sealed class MessageAttributeValue
{
    public string? DataType { get; set; }
    public string? StringValue { get; set; }
}

public sealed class PublishRequest
{
    public string? TopicArn { get; set; }
    public string? Message { get; set; }
    public string? Subject { get; set; }
    public Dictionary<string, MessageAttributeValue>? MessageAttributes { get; set; }

    /// <summary>FIFO topics only: a repeat with this id within five minutes is dropped.</summary>
    public string? MessageDeduplicationId { get; set; }

    /// <summary>FIFO topics only.</summary>
    public string? MessageGroupId { get; set; }
}

public sealed class PublishResponse
{
    public string? MessageId { get; set; }
    public string? SequenceNumber { get; set; }
}

public sealed class CreateTopicRequest
{
    public string? Name { get; set; }
    public Dictionary<string, string>? Attributes { get; set; }
}

public sealed class CreateTopicResponse
{
    public string? TopicArn { get; set; }
}

public sealed class SubscribeRequest
{
    public string? TopicArn { get; set; }
    public string? Protocol { get; set; }
    public string? Endpoint { get; set; }
}

public sealed class SubscribeResponse
{
    public string? SubscriptionArn { get; set; }
}
