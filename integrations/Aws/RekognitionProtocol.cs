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

internal sealed record IndexFacesRequest(string CollectionId, RekognitionImage Image, string ExternalImageId, int MaxFaces, string QualityFilter, string[] DetectionAttributes);

internal sealed record DeleteFacesRequest(string CollectionId, string[] FaceIds);

internal sealed record RekognitionFace(string? FaceId, string? ExternalImageId, double Confidence);

internal sealed record FaceMatch(double Similarity, RekognitionFace? Face);

internal sealed record SearchFacesByImageResponse(FaceMatch[]? FaceMatches);

internal sealed record FaceRecord(RekognitionFace? Face);

internal sealed record IndexFacesResponse(FaceRecord[]? FaceRecords);

internal sealed record DeleteFacesResponse(string[]? DeletedFaces);
