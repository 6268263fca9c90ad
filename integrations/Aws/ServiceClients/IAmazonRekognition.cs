using Amazon.Runtime;
using NextGenCrm.Aws.Rekognition.Model;

namespace NextGenCrm.Aws.Rekognition;

/// <summary>
/// The Rekognition operations the face search uses, with the names and shapes of AWSSDK.Rekognition's
/// <c>IAmazonRekognition</c>; an error answer throws <see cref="AmazonRekognitionException"/> with the AWS error code.
/// </summary>
public interface IAmazonRekognition
{
    Task<CreateCollectionResponse> CreateCollectionAsync(CreateCollectionRequest request, CancellationToken cancellationToken = default);
    Task<DescribeCollectionResponse> DescribeCollectionAsync(DescribeCollectionRequest request, CancellationToken cancellationToken = default);
    Task<SearchUsersByImageResponse> SearchUsersByImageAsync(SearchUsersByImageRequest request, CancellationToken cancellationToken = default);
    Task<SearchFacesByImageResponse> SearchFacesByImageAsync(SearchFacesByImageRequest request, CancellationToken cancellationToken = default);
    Task<IndexFacesResponse> IndexFacesAsync(IndexFacesRequest request, CancellationToken cancellationToken = default);
    Task<DeleteFacesResponse> DeleteFacesAsync(DeleteFacesRequest request, CancellationToken cancellationToken = default);
    Task<CreateUserResponse> CreateUserAsync(CreateUserRequest request, CancellationToken cancellationToken = default);
    Task<DeleteUserResponse> DeleteUserAsync(DeleteUserRequest request, CancellationToken cancellationToken = default);
    Task<AssociateFacesResponse> AssociateFacesAsync(AssociateFacesRequest request, CancellationToken cancellationToken = default);
    Task<ListFacesResponse> ListFacesAsync(ListFacesRequest request, CancellationToken cancellationToken = default);
}

public sealed class AmazonRekognitionException(string message, ErrorType errorType, string errorCode, string? requestId, System.Net.HttpStatusCode statusCode)
    : AmazonServiceException(message, null, errorType, errorCode, requestId, statusCode);
