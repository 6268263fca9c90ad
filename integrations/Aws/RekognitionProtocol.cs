using System.Text.Json;
using System.Text.Json.Serialization;

namespace NextGenCrm.Integrations.Aws;

// The slice of the Rekognition AWS JSON 1.1 shapes the face search uses (member names as the service spells them).

internal static class RekognitionJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNameCaseInsensitive = true,
    };
}

internal sealed record RekognitionImage(byte[]? Bytes, RekognitionS3Object? S3Object);

internal sealed record RekognitionS3Object(string Bucket, string Name);

internal sealed record CollectionRequest(string CollectionId);

internal sealed record SearchFacesByImageRequest(string CollectionId, RekognitionImage Image, int MaxFaces, float FaceMatchThreshold, string QualityFilter);

internal sealed record FaceMatch(double Similarity, RekognitionFace? Face);

internal sealed record SearchFacesByImageResponse(FaceMatch[]? FaceMatches);

internal sealed record SearchUsersByImageRequest(string CollectionId, RekognitionImage Image, float UserMatchThreshold, int MaxUsers, string QualityFilter);

internal sealed record IndexFacesRequest(string CollectionId, RekognitionImage Image, string ExternalImageId, int MaxFaces, string QualityFilter, string[] DetectionAttributes);

internal sealed record DeleteFacesRequest(string CollectionId, string[] FaceIds);

internal sealed record CreateUserRequest(string CollectionId, string UserId, string ClientRequestToken);

internal sealed record DeleteUserRequest(string CollectionId, string UserId, string ClientRequestToken);

internal sealed record AssociateFacesRequest(string CollectionId, string UserId, string[] FaceIds, float UserMatchThreshold, string ClientRequestToken);

internal sealed record ListFacesRequest(string CollectionId, string? UserId, int MaxResults, string? NextToken);

internal sealed record RekognitionFace(string? FaceId, string? ExternalImageId, double Confidence, string? UserId = null);

internal sealed record RekognitionUser(string? UserId, string? UserStatus);

internal sealed record UserMatch(double Similarity, RekognitionUser? User);

internal sealed record SearchedFace(Dictionary<string, object>? FaceDetail);

internal sealed record SearchUsersByImageResponse(UserMatch[]? UserMatches, SearchedFace? SearchedFace);

internal sealed record AssociatedFace(string? FaceId);

internal sealed record UnsuccessfulFaceAssociation(string? FaceId, string[]? Reasons);

internal sealed record AssociateFacesResponse(AssociatedFace[]? AssociatedFaces, UnsuccessfulFaceAssociation[]? UnsuccessfulFaceAssociations, string? UserStatus);

internal sealed record ListFacesResponse(RekognitionFace[]? Faces, string? NextToken);

internal sealed record FaceRecord(RekognitionFace? Face);

internal sealed record IndexFacesResponse(FaceRecord[]? FaceRecords);

internal sealed record UnsuccessfulFaceDeletion(string? FaceId, string[]? Reasons);

internal sealed record DeleteFacesResponse(string[]? DeletedFaces, UnsuccessfulFaceDeletion[]? UnsuccessfulFaceDeletions = null);
