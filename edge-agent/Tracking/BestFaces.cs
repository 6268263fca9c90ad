using NextGenCrm.EdgeAgent.Detection;

namespace NextGenCrm.EdgeAgent.Tracking;

/// <summary>A face crop worth searching, with when it was seen and how good it is.</summary>
/// <remarks><see cref="Descriptor"/> (re-identification only) is biometric data: memory only, cleared once used.</remarks>
public sealed record FaceCandidate(byte[] Crop, DateTimeOffset CapturedAt, FaceQuality Quality, float[]? Descriptor = null);

/// <summary>
/// The best face of each track of one camera since its last sighting: a sighting carries that face,
/// not whichever came first. Faces too small or blurred to recognise are never kept.
/// </summary>
public sealed class BestFaces
{
    private readonly Dictionary<string, FaceCandidate> _best = new(StringComparer.Ordinal);

    public int Count => _best.Count;

    /// <summary>Keeps the face if it is better than the track's best so far; the crop is cut only then.</summary>
    /// <remarks>The descriptor too (<paramref name="describe"/>), cut only for a face that is the best so far.</remarks>
    public void Offer(string trackId, FaceQuality quality, DateTimeOffset capturedAt, Func<byte[]> crop, Func<float[]?>? describe = null)
    {
        ArgumentNullException.ThrowIfNull(crop);
        if (!_best.TryGetValue(trackId, out var best) || quality.Score > best.Quality.Score)
        {
            if (best?.Descriptor is { } replaced)
            {
                Array.Clear(replaced);
            }
            _best[trackId] = new FaceCandidate(crop(), capturedAt, quality, describe?.Invoke());
        }
    }

    /// <summary>The track's best face since the last take, or null when it has shown none good enough.</summary>
    public FaceCandidate? Take(string trackId) => _best.Remove(trackId, out var best) ? best : null;
}
