using NextGenCrm.EdgeAgent.Detection;

namespace NextGenCrm.EdgeAgent.Tracking;

/// <summary>A face crop worth searching, with when it was seen and how good it is.</summary>
public sealed record FaceCandidate(byte[] Crop, DateTimeOffset CapturedAt, FaceQuality Quality);

/// <summary>
/// The best face of each track of one camera since its last sighting: a sighting carries that face,
/// not whichever came first. Faces too small or blurred to recognise are never kept.
/// </summary>
public sealed class BestFaces
{
    private readonly Dictionary<string, FaceCandidate> _best = new(StringComparer.Ordinal);

    public int Count => _best.Count;

    /// <summary>Keeps the face if it is better than the track's best so far; the crop is cut only then.</summary>
    public void Offer(string trackId, FaceQuality quality, DateTimeOffset capturedAt, Func<byte[]> crop)
    {
        ArgumentNullException.ThrowIfNull(crop);
        if (!_best.TryGetValue(trackId, out var best) || quality.Score > best.Quality.Score)
        {
            _best[trackId] = new FaceCandidate(crop(), capturedAt, quality);
        }
    }

    /// <summary>The track's best face since the last take, or null when it has shown none good enough.</summary>
    public FaceCandidate? Take(string trackId) => _best.Remove(trackId, out var best) ? best : null;
}
