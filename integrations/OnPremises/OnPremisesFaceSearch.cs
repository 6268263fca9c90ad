using Microsoft.Extensions.Options;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.OnPremises;

/// <summary>
/// The face search that keeps every face on the bank's own machines: a face is a descriptor (sent by the edge
/// agent, or computed here from a picture by the <see cref="IFaceEmbedder"/>), and the collection is the cluster's
/// one <see cref="IFaceIndexGrain"/>, searched exactly by cosine distance. Organised as Rekognition's users are: a
/// person (the visitor id) owns several faces, a search answers with people, an erasure removes the person and every
/// face of theirs. Adding a face is durable and idempotent in effect (no face is ever left to nobody), so there is no
/// orphan sweep to run.
/// </summary>
public sealed class OnPremisesFaceSearch(
    IGrainFactory grains,
    IOptions<OnPremisesFaceSearchOptions> options,
    IFaceEmbedder? embedder = null,
    Func<string, CancellationToken, Task<byte[]>>? readStoredImage = null) : IFaceSearch
{
    private readonly float _minSimilarity = options.Value.MinSimilarity;

    /// <summary>Whether pictures can be searched (an embedder is installed); without one only descriptors can.</summary>
    public bool AcceptsPictures => embedder is not null;

    private IFaceIndexGrain Index => grains.GetGrain<IFaceIndexGrain>(IFaceIndexGrain.Key);

    public async Task<FaceSearchResult> SearchAsync(FaceImage face, CancellationToken cancellationToken)
    {
        if (await DescriptorOfAsync(face, cancellationToken) is not { } descriptor)
        {
            return FaceSearchResult.NoFace;
        }
        var matches = await Index.Search(descriptor, _minSimilarity);
        return FaceSearchResult.FromMatches(matches.Select(m => (m.PersonId, SimilarityPercent(m.Similarity))));
    }

    public async Task<FaceSearchResult> AddFaceAsync(FaceImage face, string personId, CancellationToken cancellationToken, bool onlyIfPersonExists = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(personId);
        if (await DescriptorOfAsync(face, cancellationToken) is not { } descriptor)
        {
            return FaceSearchResult.NoFace;
        }
        var added = await Index.Add(personId, descriptor, onlyIfPersonExists);
        return added switch
        {
            { FaceId: { } faceId } => FaceSearchResult.Added(personId, faceId),
            // Erased meanwhile: not brought back (Rekognition's ResourceNotFoundException on AssociateFaces).
            { PersonExists: false } => FaceSearchResult.NoMatch,
            // Holds the most faces a person may: still known by them.
            _ => FaceSearchResult.Matched(personId, 100),
        };
    }

    public async Task<ErasedFaces> ErasePersonAsync(string personId, CancellationToken cancellationToken)
    {
        var erased = await Index.Erase(personId);
        return new ErasedFaces(erased.Faces, erased.Person);
    }

    private async Task<float[]?> DescriptorOfAsync(FaceImage face, CancellationToken cancellationToken)
    {
        if (face.Descriptor is { } given)
        {
            if (FaceDescriptors.Problem(given) is { } problem)
            {
                throw new ArgumentException(problem, nameof(face));
            }
            return given;
        }
        if (face.FaceToken is not null)
        {
            throw new ArgumentException("Face tokens are for the simulated face search only; the on-premises search takes descriptors or pictures.", nameof(face));
        }
        if (embedder is null)
        {
            throw new InvalidOperationException("This silo has no face embedder installed: the on-premises search takes descriptors only (faceDescriptor).");
        }
        var picture = !face.Bytes.IsEmpty
            ? face.Bytes
            : face.ImageKey is { } key && readStoredImage is not null
                ? await readStoredImage(key, cancellationToken)
                : throw new ArgumentException("A face needs a descriptor, image bytes or a stored image key.", nameof(face));
        return embedder.DescriptorsOf(picture.Span) is [var largest, ..] ? largest : null;
    }

    /// <summary>Rekognition's scale (0–100) for the answer: the cosine similarity as a percentage.</summary>
    private static double SimilarityPercent(float cosine) => Math.Clamp(cosine * 100.0, 0, 100);
}
