using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Embedded;

/// <summary>
/// Face search without a camera or Rekognition: a sighting carries a face token standing in for a
/// face. A token is unknown (a new face) until indexed, then maps to a stable face id. A real image
/// cannot be recognised here, so every crop is a face never seen before.
/// </summary>
public sealed class SimulatedFaceSearch : IFaceSearch
{
    private readonly ConcurrentDictionary<string, IndexedFace> _byToken = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _tokenByFaceId = new(StringComparer.Ordinal);
    private long _searches;
    private long _indexed;

    public long Searches => Interlocked.Read(ref _searches);
    public long Indexed => Interlocked.Read(ref _indexed);

    public Task<FaceSearchResult> SearchAsync(FaceImage face, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _searches);
        return Task.FromResult(face.FaceToken is { } token && _byToken.TryGetValue(token, out var known)
            ? FaceSearchResult.Matched(known.FaceId, known.ExternalImageId, 100)
            : FaceSearchResult.NoMatch);
    }

    public Task<FaceSearchResult> IndexAsync(FaceImage face, string externalImageId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _indexed);
        if (face.FaceToken is not { } token)
        {
            // An image without a token: a face the simulation cannot recognise again.
            return Task.FromResult(FaceSearchResult.Matched(Guid.NewGuid().ToString(), externalImageId, 100));
        }
        var indexed = _byToken.GetOrAdd(token, t => new IndexedFace(FaceIdOf(t), externalImageId));
        _tokenByFaceId[indexed.FaceId] = token;
        return Task.FromResult(FaceSearchResult.Matched(indexed.FaceId, indexed.ExternalImageId, 100));
    }

    public Task DeleteAsync(IReadOnlyCollection<string> faceIds, CancellationToken cancellationToken)
    {
        foreach (var faceId in faceIds)
        {
            if (_tokenByFaceId.TryRemove(faceId, out var token))
            {
                _byToken.TryRemove(token, out _);
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>A stable id of Rekognition's shape (a GUID), derived from the token.</summary>
    private static string FaceIdOf(string token)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(token), hash);
        return new Guid(hash[..16]).ToString();
    }

    private sealed record IndexedFace(string FaceId, string ExternalImageId);
}
