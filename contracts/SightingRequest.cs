using System.Text.Json;
using System.Text.Json.Serialization;

namespace NextGenCrm.Contracts;

/// <summary>
/// One person seen by one camera: the body of <c>POST /api/v1/sightings</c>, an item of a batch, and the SQS message
/// of the AWS sink. The edge agent's buffer keeps this JSON as it was sent, so the names and the order of the fields
/// are the format of buffered records too: add fields as optional, never rename one.
/// </summary>
/// <remarks>
/// Every field is optional on the wire; the silo's validator names what is missing or wrong. Exactly one of
/// <see cref="Image"/>, <see cref="ImageRef"/>, <see cref="FaceToken"/> and <see cref="FaceDescriptor"/> carries the face.
/// Unknown fields are refused (a misspelt field is a mistake, not an extension).
/// </remarks>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SightingRequest
{
    /// <summary>The edge agent's id for the sighting; the silo makes one when it is missing. Repeats are answered from memory.</summary>
    [JsonPropertyName("sightingId")]
    public string? SightingId { get; init; }

    [JsonPropertyName("branchId")]
    public string? BranchId { get; init; }

    [JsonPropertyName("cameraId")]
    public string? CameraId { get; init; }

    [JsonPropertyName("trackId")]
    public string? TrackId { get; init; }

    /// <summary>ISO 8601 with an offset.</summary>
    [JsonPropertyName("capturedAt")]
    public DateTimeOffset? CapturedAt { get; init; }

    /// <summary>Base64 of a JPEG or PNG face crop.</summary>
    [JsonPropertyName("image")]
    public string? Image { get; init; }

    /// <summary>Key of a crop already in the image store (the edge agent's AWS sink puts it in S3 first).</summary>
    [JsonPropertyName("imageRef")]
    public string? ImageRef { get; init; }

    /// <summary>Simulated face search only: a token standing in for a face.</summary>
    [JsonPropertyName("faceToken")]
    public string? FaceToken { get; init; }

    /// <summary>On-premises face search only: the face's descriptor computed at the edge, 128 float32 (L2-normalised) as a JSON array of numbers. Biometric data.</summary>
    [JsonPropertyName("faceDescriptor")]
    public float[]? FaceDescriptor { get; init; }

    /// <summary>The earlier track of the branch the edge agent re-identified this one as (optional).</summary>
    [JsonPropertyName("sameTrackAs")]
    public SightingTrackRef? SameTrackAs { get; init; }
}

/// <summary>A track as the silo knows it: its camera and its id.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SightingTrackRef(
    [property: JsonPropertyName("cameraId")] string? CameraId,
    [property: JsonPropertyName("trackId")] string? TrackId);

/// <summary>
/// The body of <c>POST /api/v1/sightings/batch</c>. The items stay JSON until each is read on its own, so that one
/// malformed item is refused alone (its result says why) and the others are recorded.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SightingBatchRequest([property: JsonPropertyName(SightingBatchRequest.SightingsField)] IReadOnlyList<JsonElement>? Sightings)
{
    /// <summary>The batch's one field: the edge agent writes its buffered records into it as they are.</summary>
    public const string SightingsField = "sightings";
}
