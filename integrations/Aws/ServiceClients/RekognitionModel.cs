using System.Text.Json;
using System.Text.Json.Serialization;

// The slice of the Rekognition API the face search uses, shaped as AWSSDK.Rekognition's Amazon.Rekognition.Model
// (class and member names as in the AWS API model, which the JSON 1.1 wire form also uses), so that package can
// replace this namespace once it is served: swap `NextGenCrm.Aws.Rekognition` for `Amazon.Rekognition`.
namespace NextGenCrm.Aws.Rekognition.Model;

public sealed class Image
{
    /// <summary>The image's bytes (JPEG or PNG); sent base64-encoded.</summary>
    public MemoryStream? Bytes { get; set; }

    public S3Object? S3Object { get; set; }
}

public sealed class S3Object
{
    public string? Bucket { get; set; }
    public string? Name { get; set; }
    public string? Version { get; set; }
}

public sealed class Face
{
    public string? FaceId { get; set; }
    public string? ExternalImageId { get; set; }
    public string? ImageId { get; set; }
    public string? UserId { get; set; }
    public float? Confidence { get; set; }
}

public sealed class FaceMatch
{
    public float? Similarity { get; set; }
    public Face? Face { get; set; }
}

public sealed class MatchedUser
{
    public string? UserId { get; set; }
    public string? UserStatus { get; set; }
}

public sealed class UserMatch
{
    public float? Similarity { get; set; }
    public MatchedUser? User { get; set; }
}

public sealed class SearchedFaceDetails
{
    public JsonElement? FaceDetail { get; set; }
}

public sealed class FaceRecord
{
    public Face? Face { get; set; }
}

public sealed class AssociatedFace
{
    public string? FaceId { get; set; }
}

public sealed class UnsuccessfulFaceAssociation
{
    public string? FaceId { get; set; }
    public string? UserId { get; set; }
    public float? Confidence { get; set; }
    public List<string>? Reasons { get; set; }
}

public sealed class UnsuccessfulFaceDeletion
{
    public string? FaceId { get; set; }
    public string? UserId { get; set; }
    public List<string>? Reasons { get; set; }
}

public sealed class CreateCollectionRequest
{
    public string? CollectionId { get; set; }
}

public sealed class CreateCollectionResponse
{
    public string? CollectionArn { get; set; }
    public string? FaceModelVersion { get; set; }
    public int? StatusCode { get; set; }
}

public sealed class DescribeCollectionRequest
{
    public string? CollectionId { get; set; }
}

public sealed class DescribeCollectionResponse
{
    public string? CollectionARN { get; set; }
    public long? FaceCount { get; set; }
    public long? UserCount { get; set; }
    public string? FaceModelVersion { get; set; }
}

public sealed class SearchUsersByImageRequest
{
    public string? CollectionId { get; set; }
    public Image? Image { get; set; }
    public float? UserMatchThreshold { get; set; }
    public int? MaxUsers { get; set; }
    public string? QualityFilter { get; set; }
}

public sealed class SearchUsersByImageResponse
{
    public List<UserMatch>? UserMatches { get; set; }
    public SearchedFaceDetails? SearchedFace { get; set; }
    public string? FaceModelVersion { get; set; }
}

public sealed class SearchFacesByImageRequest
{
    public string? CollectionId { get; set; }
    public Image? Image { get; set; }
    public int? MaxFaces { get; set; }
    public float? FaceMatchThreshold { get; set; }
    public string? QualityFilter { get; set; }
}

public sealed class SearchFacesByImageResponse
{
    public List<FaceMatch>? FaceMatches { get; set; }
    public string? FaceModelVersion { get; set; }
}

public sealed class IndexFacesRequest
{
    public string? CollectionId { get; set; }
    public Image? Image { get; set; }
    public string? ExternalImageId { get; set; }
    public int? MaxFaces { get; set; }
    public string? QualityFilter { get; set; }
    public List<string>? DetectionAttributes { get; set; }
}

public sealed class IndexFacesResponse
{
    public List<FaceRecord>? FaceRecords { get; set; }
    public string? FaceModelVersion { get; set; }
}

public sealed class DeleteFacesRequest
{
    public string? CollectionId { get; set; }
    public List<string>? FaceIds { get; set; }
}

public sealed class DeleteFacesResponse
{
    public List<string>? DeletedFaces { get; set; }
    public List<UnsuccessfulFaceDeletion>? UnsuccessfulFaceDeletions { get; set; }
}

public sealed class CreateUserRequest
{
    public string? CollectionId { get; set; }
    public string? UserId { get; set; }
    public string? ClientRequestToken { get; set; }
}

public sealed class CreateUserResponse;

public sealed class DeleteUserRequest
{
    public string? CollectionId { get; set; }
    public string? UserId { get; set; }
    public string? ClientRequestToken { get; set; }
}

public sealed class DeleteUserResponse;

public sealed class AssociateFacesRequest
{
    public string? CollectionId { get; set; }
    public string? UserId { get; set; }
    public List<string>? FaceIds { get; set; }
    public float? UserMatchThreshold { get; set; }
    public string? ClientRequestToken { get; set; }
}

public sealed class AssociateFacesResponse
{
    public List<AssociatedFace>? AssociatedFaces { get; set; }
    public List<UnsuccessfulFaceAssociation>? UnsuccessfulFaceAssociations { get; set; }
    public string? UserStatus { get; set; }
}

public sealed class ListFacesRequest
{
    public string? CollectionId { get; set; }
    public string? UserId { get; set; }
    public int? MaxResults { get; set; }
    public string? NextToken { get; set; }
}

public sealed class ListFacesResponse
{
    public List<Face>? Faces { get; set; }
    public string? NextToken { get; set; }
    public string? FaceModelVersion { get; set; }
}

/// <summary>The JSON 1.1 wire form: members as named, nulls left out, blobs (<see cref="MemoryStream"/>) in base64.</summary>
internal static class RekognitionJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNameCaseInsensitive = true,
        Converters = { new BlobConverter() },
    };

    private sealed class BlobConverter : JsonConverter<MemoryStream>
    {
        public override MemoryStream Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            new(reader.GetBytesFromBase64(), writable: false);

        public override void Write(Utf8JsonWriter writer, MemoryStream value, JsonSerializerOptions options) =>
            writer.WriteBase64StringValue(value.TryGetBuffer(out var buffer) ? buffer.AsSpan() : value.ToArray());
    }
}
