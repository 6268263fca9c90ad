namespace NextGenCrm.Ports;

/// <summary>
/// The face collection (Amazon Rekognition in production), organised as Rekognition organises it: a
/// <em>person</em> (a Rekognition user, id = the visitor id: "c-{customerId}" or "v-{id}") owns several faces.
/// Searching answers with the person, so every face ever added for someone, from any camera, retry or
/// visit, leads to the same visitor.
/// </summary>
/// <remarks>
/// Like the real service, adding a face is not idempotent: each call stores a new face, and a call that
/// timed out may have stored one anyway. Callers decide the person id before the call, so a retry adds a
/// face to the same person, and a face left without a person is swept by <see cref="IFaceCollectionUpkeep"/>.
/// </remarks>
public interface IFaceSearch
{
    /// <summary>Finds the person the face belongs to, above the configured match threshold (SearchUsersByImage).</summary>
    Task<FaceSearchResult> SearchAsync(FaceImage face, CancellationToken cancellationToken);

    /// <summary>
    /// Adds the face to <paramref name="personId"/>'s faces, creating the person when new (IndexFaces, then
    /// CreateUser and AssociateFaces, both with client request tokens so a retry is harmless). With
    /// <paramref name="onlyIfPersonExists"/> nobody is created: a person erased meanwhile stays erased, and the
    /// face, left to nobody, is swept.
    /// </summary>
    Task<FaceSearchResult> AddFaceAsync(FaceImage face, string personId, CancellationToken cancellationToken, bool onlyIfPersonExists = false);

    /// <summary>
    /// Removes the person (the user) and every face of theirs: those associated with them, and those added for them
    /// that belong to nobody (a retried IndexFaces, an association refused). Returns what was actually removed.
    /// </summary>
    Task<ErasedFaces> ErasePersonAsync(string personId, CancellationToken cancellationToken);
}

/// <summary>Upkeep of the face collection: faces that belong to no person (a retried IndexFaces' first face) are removed.</summary>
public interface IFaceCollectionUpkeep
{
    /// <summary>
    /// Deletes faces that belonged to no person at the previous sweep and still belong to none (a face is
    /// between IndexFaces and AssociateFaces for a moment); returns how many were deleted.
    /// </summary>
    Task<int> SweepOrphanFacesAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A face to search for: image bytes (a JPEG or PNG crop), a stored image key, or, for the
/// simulated search only, a face token standing in for a face; for the on-premises search, the face's
/// descriptor computed at the edge (<see cref="FaceDescriptors"/>), in which case no picture exists at all.
/// </summary>
public sealed record FaceImage(ReadOnlyMemory<byte> Bytes, string? ImageKey, string? FaceToken)
{
    /// <summary>The face's descriptor (128 float32, L2-normalised), when the edge sent one instead of a picture.</summary>
    public float[]? Descriptor { get; init; }

    public static FaceImage FromToken(string faceToken) => new(ReadOnlyMemory<byte>.Empty, null, faceToken);
    public static FaceImage FromBytes(ReadOnlyMemory<byte> bytes) => new(bytes, null, null);
    public static FaceImage FromStoredImage(string imageKey) => new(ReadOnlyMemory<byte>.Empty, imageKey, null);
    public static FaceImage FromDescriptor(float[] descriptor) => new(ReadOnlyMemory<byte>.Empty, null, null) { Descriptor = descriptor };
}

public enum FaceSearchOutcome
{
    /// <summary>A person in the collection matched; <see cref="FaceSearchResult.PersonId"/> is set.</summary>
    Match,
    /// <summary>A face was found in the image but nobody in the collection matched.</summary>
    NoMatch,
    /// <summary>The image holds no usable face (Rekognition's InvalidParameterException, or the quality filter).</summary>
    NoFace,
}

/// <summary>
/// The answer of a search, or of adding a face (then <see cref="FaceId"/> is the new face). When several
/// people matched (a duplicate that slipped through), <see cref="PersonId"/> is the one every searcher
/// chooses (<see cref="PersonIds.Survivor"/>) and <see cref="AlsoMatched"/> holds the others, to be merged.
/// </summary>
public sealed record FaceSearchResult(
    FaceSearchOutcome Outcome, string? PersonId = null, string? FaceId = null, double Similarity = 0, IReadOnlyList<string>? AlsoMatched = null)
{
    public static readonly FaceSearchResult NoMatch = new(FaceSearchOutcome.NoMatch);
    public static readonly FaceSearchResult NoFace = new(FaceSearchOutcome.NoFace);

    public static FaceSearchResult Matched(string personId, double similarity, IReadOnlyList<string>? alsoMatched = null) =>
        new(FaceSearchOutcome.Match, personId, null, similarity, alsoMatched is { Count: > 0 } ? alsoMatched : null);

    public static FaceSearchResult Added(string personId, string faceId) => new(FaceSearchOutcome.Match, personId, faceId, 100);

    /// <summary>
    /// The answer for several people matched above the threshold: the survivor by <see cref="PersonIds.Survivor"/>,
    /// the rest as <see cref="AlsoMatched"/>.
    /// </summary>
    public static FaceSearchResult FromMatches(IEnumerable<(string PersonId, double Similarity)> matches)
    {
        var people = matches.GroupBy(m => m.PersonId, StringComparer.Ordinal)
            .Select(g => (PersonId: g.Key, Similarity: g.Max(m => m.Similarity)))
            .ToList();
        if (people.Count == 0)
        {
            return NoMatch;
        }
        var survivor = PersonIds.Survivor(people.Select(p => p.PersonId));
        return Matched(survivor, people.First(p => p.PersonId == survivor).Similarity,
            [.. people.Select(p => p.PersonId).Where(p => p != survivor).Order(StringComparer.Ordinal)]);
    }
}

/// <summary>The rules of person ids, which are visitor ids.</summary>
public static class PersonIds
{
    public const string CustomerPrefix = "c-";
    public const string AnonymousPrefix = "v-";

    /// <summary>A new anonymous person: "v-" and a time-ordered id, so the older of two duplicates sorts first.</summary>
    public static string NewAnonymous(DateTimeOffset now) => AnonymousPrefix + Guid.CreateVersion7(now).ToString("N");

    public static string OfCustomer(string customerId) => CustomerPrefix + customerId;

    /// <summary>
    /// Which of several people matched for one face stays: a customer before an anonymous visitor, then the
    /// oldest (anonymous ids are time-ordered). Every searcher chooses the same one, so duplicates converge.
    /// </summary>
    public static string Survivor(IEnumerable<string> personIds) =>
        personIds.OrderBy(p => p.StartsWith(CustomerPrefix, StringComparison.Ordinal) ? 0 : 1)
            .ThenBy(p => p, StringComparer.Ordinal)
            .First();
}
