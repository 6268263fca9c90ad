using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;
using NextGenCrm.Aws.SimpleNotificationService.Model;
using Polly.Timeout;

namespace NextGenCrm.Aws.SimpleNotificationService;

/// <summary>
/// SNS over its Query protocol (form-encoded POST, XML answer) through an <see cref="HttpClient"/> whose handlers sign
/// each attempt and retry (<see cref="AwsSigningHandler"/>, <see cref="AwsResilience"/>); its base address is the endpoint.
/// </summary>
public sealed class AmazonSimpleNotificationServiceClient(HttpClient http) : IAmazonSimpleNotificationService
{
    private static readonly MediaTypeHeaderValue ContentType = MediaTypeHeaderValue.Parse("application/x-www-form-urlencoded; charset=utf-8");

    public async Task<PublishResponse> PublishAsync(PublishRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var form = new List<(string, string?)> { ("TopicArn", request.TopicArn), ("Message", request.Message), ("Subject", request.Subject) };
        var entry = 0;
        foreach (var (name, value) in request.MessageAttributes ?? [])
        {
            entry++;
            form.Add(($"MessageAttributes.entry.{entry}.Name", name));
            form.Add(($"MessageAttributes.entry.{entry}.Value.DataType", value.DataType));
            form.Add(($"MessageAttributes.entry.{entry}.Value.StringValue", value.StringValue));
        }
        form.Add(("MessageDeduplicationId", request.MessageDeduplicationId));
        form.Add(("MessageGroupId", request.MessageGroupId));
        var result = await InvokeAsync("Publish", form, cancellationToken);
        return new PublishResponse { MessageId = Element(result, "MessageId"), SequenceNumber = Element(result, "SequenceNumber") };
    }

    public async Task<CreateTopicResponse> CreateTopicAsync(CreateTopicRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var form = new List<(string, string?)> { ("Name", request.Name) };
        var entry = 0;
        foreach (var (key, value) in request.Attributes ?? [])
        {
            entry++;
            form.Add(($"Attributes.entry.{entry}.key", key));
            form.Add(($"Attributes.entry.{entry}.value", value));
        }
        var result = await InvokeAsync("CreateTopic", form, cancellationToken);
        return new CreateTopicResponse { TopicArn = Element(result, "TopicArn") };
    }

    public async Task<SubscribeResponse> SubscribeAsync(SubscribeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = await InvokeAsync("Subscribe",
            [("TopicArn", request.TopicArn), ("Protocol", request.Protocol), ("Endpoint", request.Endpoint)], cancellationToken);
        return new SubscribeResponse { SubscriptionArn = Element(result, "SubscriptionArn") };
    }

    private async Task<XDocument> InvokeAsync(string action, List<(string Name, string? Value)> parameters, CancellationToken cancellationToken)
    {
        using var span = VisitTracing.StartCall("sns", action);
        try
        {
            var pairs = parameters.Where(p => p.Value is not null).Prepend(("Action", action)).Append(("Version", "2010-03-31"));
            var body = string.Join('&', pairs.Select(p => $"{Uri.EscapeDataString(p.Item1)}={Uri.EscapeDataString(p.Item2!)}"));
            using var message = new HttpRequestMessage(HttpMethod.Post, "") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
            message.Content.Headers.ContentType = ContentType;
            using var response = await http.SendAsync(message, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw await AwsErrors.ToExceptionAsync(response, "SNS " + action,
                    (text, type, code, id, status) => new AmazonSimpleNotificationServiceException(text, type, code, id, status), cancellationToken);
            }
            return XDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (TimeoutRejectedException e)
        {
            span.Failed(e);
            throw new TimeoutException($"SNS {action} did not answer within {e.Timeout.TotalSeconds:0.###} s.", e);
        }
        catch (Exception e)
        {
            span.Failed(e);
            throw;
        }
    }

    private static string? Element(XDocument document, string name) =>
        document.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
}
