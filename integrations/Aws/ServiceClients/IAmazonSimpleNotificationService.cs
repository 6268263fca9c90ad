using Amazon.Runtime;
using NextGenCrm.Aws.SimpleNotificationService.Model;

namespace NextGenCrm.Aws.SimpleNotificationService;

/// <summary>
/// The SNS operations used here, with the names and shapes of AWSSDK.SimpleNotificationService's
/// <c>IAmazonSimpleNotificationService</c>; an error answer throws <see cref="AmazonSimpleNotificationServiceException"/>.
/// </summary>
public interface IAmazonSimpleNotificationService
{
    Task<PublishResponse> PublishAsync(PublishRequest request, CancellationToken cancellationToken = default);
    Task<CreateTopicResponse> CreateTopicAsync(CreateTopicRequest request, CancellationToken cancellationToken = default);
    Task<SubscribeResponse> SubscribeAsync(SubscribeRequest request, CancellationToken cancellationToken = default);
}

public sealed class AmazonSimpleNotificationServiceException(string message, ErrorType errorType, string errorCode, string? requestId, System.Net.HttpStatusCode statusCode)
    : AmazonServiceException(message, null, errorType, errorCode, requestId, statusCode);
