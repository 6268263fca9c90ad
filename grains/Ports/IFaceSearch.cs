namespace NextGenCrm.Ports;

/// <summary>Searches and maintains the face collection (Amazon Rekognition in production).</summary>
public interface IFaceSearch
{
    /// <summary>Finds the best match for the face in <paramref name="face"/> above the configured threshold.</summary>
    Task<FaceSearchResult> SearchAsync(FaceImage face, CancellationToken cancellationToken);

    /// <summary>Adds the face to the collection under <paramref name="externalImageId"/>; returns its face id.</summary>
    Task<FaceSearchResult> IndexAsync(FaceImage face, string externalImageId, CancellationToken cancellationToken);

    /// <summary>Removes faces from the collection (erasure, re-enrolment).</summary>
    Task DeleteAsync(IReadOnlyCollection<string> faceIds, CancellationToken cancellationToken);
}

/// <summary>
/// A face to search for: image bytes (a JPEG or PNG crop), a stored image key, or, for the
/// simulated search only, a face token standing in for a face.
/// </summary>
public sealed record FaceImage(ReadOnlyMemory<byte> Bytes, string? ImageKey, string? FaceToken)
{
    public static FaceImage FromToken(string faceToken) => new(ReadOnlyMemory<byte>.Empty, null, faceToken);
    public static FaceImage FromBytes(ReadOnlyMemory<byte> bytes) => new(bytes, null, null);
    public static FaceImage FromStoredImage(string imageKey) => new(ReadOnlyMemory<byte>.Empty, imageKey, null);
}

public enum FaceSearchOutcome
{
    /// <summary>A face in the collection matched; <see cref="FaceSearchResult.FaceId"/> is set.</summary>
    Match,
    /// <summary>A face was found in the image but nothing in the collection matched.</summary>
    NoMatch,
    /// <summary>The image holds no usable face (Rekognition's InvalidParameterException).</summary>
    NoFace,
}

public sealed record FaceSearchResult(FaceSearchOutcome Outcome, string? FaceId = null, string? ExternalImageId = null, double Similarity = 0)
{
    public static readonly FaceSearchResult NoMatch = new(FaceSearchOutcome.NoMatch);
    public static readonly FaceSearchResult NoFace = new(FaceSearchOutcome.NoFace);
    public static FaceSearchResult Matched(string faceId, string? externalImageId, double similarity) =>
        new(FaceSearchOutcome.Match, faceId, externalImageId, similarity);
}
