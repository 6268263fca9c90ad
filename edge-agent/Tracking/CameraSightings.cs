using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Detection;
using NextGenCrm.EdgeAgent.ReIdentification;
using SkiaSharp;

namespace NextGenCrm.EdgeAgent.Tracking;

/// <summary>A sighting to send: the track, its best face's crop and when that face was seen, and the earlier track it was re-identified as.</summary>
public sealed record SightingCrop(string TrackId, DateTimeOffset CapturedAt, byte[] Crop, FaceQuality Quality)
{
    public TrackKey? SameTrackAs { get; init; }

    /// <summary>
    /// With <c>sendDescriptors</c>: the face's descriptor, sent instead of the crop (then empty). Biometric data: the
    /// caller clears it once it is in the buffer.
    /// </summary>
    public float[]? Descriptor { get; init; }
}

/// <summary>What one frame of a camera gave: its tracked faces, the sightings due, the tracks that ended unsearched.</summary>
public sealed record FrameSightings(IReadOnlyList<TrackedFace> Faces, IReadOnlyList<SightingCrop> Sightings, IReadOnlyList<string> EndedNotSearched);

/// <summary>
/// From a camera's faces to its sightings: tracks the faces, keeps each track's best face (size,
/// sharpness, frontal pose) and sends that one when the track's sighting is due. A face too small or
/// blurred to recognise is tracked but never sent; a track that ends without a better one is counted.
/// With <paramref name="recentFaces"/> and a <paramref name="describer"/>, a track's first sighting is matched against
/// the tracks the agent's cameras saw recently, and a match is sent as the earlier track (re-identification).
/// With <paramref name="sendDescriptors"/> (and a describer), a sighting carries the face's descriptor and no crop is
/// cut at all; a track whose face cannot be described is not sent (counted as not searched).
/// </summary>
public sealed class CameraSightings(
    DetectionOptions detection, TrackingOptions tracking, string trackIdPrefix,
    string cameraId = "", RecentFaces? recentFaces = null, IFaceDescriber? describer = null, bool sendDescriptors = false)
{
    private readonly bool _describe = describer is not null && (recentFaces is not null || sendDescriptors);

    private readonly HashSet<string> _identified = new(StringComparer.Ordinal);

    private readonly FaceTracker _tracker = new(tracking, trackIdPrefix);
    private readonly BestFaces _bestFaces = new();
    private long _tracksNotSearched;

    public long TracksNotSearched => _tracksNotSearched;

    public FrameSightings Frame(SKBitmap frame, IReadOnlyList<FaceBox> faces, DateTimeOffset capturedAt)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var tracked = _tracker.Update(faces, capturedAt);
        var sightings = new List<SightingCrop>();
        var notSearched = new List<string>();

        foreach (var (trackId, sighted) in _tracker.Ended)
        {
            var best = _bestFaces.Take(trackId);
            if (sighted)
            {
                Forget(best);
                EndTrack(trackId, capturedAt);
                continue;
            }
            // Gone before its first sighting was due: its best face goes now, or it is counted unsearched.
            if (best is not null && Sighting(trackId, best) is { } last)
            {
                sightings.Add(last);
                EndTrack(trackId, capturedAt);
            }
            else
            {
                _tracksNotSearched++;
                notSearched.Add(trackId);
            }
        }

        foreach (var face in tracked)
        {
            var quality = FaceQuality.Measure(frame, face.Box);
            if (quality.IsRecognisable(detection.MinSearchFaceSize, detection.MinSharpness))
            {
                var box = face.Box;
                _bestFaces.Offer(face.TrackId, quality, capturedAt,
                    sendDescriptors ? () => [] : () => FaceCrops.CropJpeg(frame, box, detection.CropMargin, detection.MaxCropSide, detection.JpegQuality),
                    _describe ? () => describer!.Describe(frame, box) : null);
            }
            if (face.SightingDue)
            {
                if (_bestFaces.Take(face.TrackId) is { } best && Sighting(face.TrackId, best) is { } due)
                {
                    sightings.Add(due);
                }
                else
                {
                    _tracker.SightingNotSent(face.TrackId); // nothing good enough yet: it stays due
                }
            }
        }
        return new FrameSightings(tracked, sightings, notSearched);
    }

    /// <summary>
    /// The sighting of the track's best face, naming the earlier track it was re-identified as, if any; null when
    /// descriptors are sent and this face has none.
    /// </summary>
    private SightingCrop? Sighting(string trackId, FaceCandidate best)
    {
        if (sendDescriptors && best.Descriptor is null)
        {
            return null;
        }
        var sent = sendDescriptors ? best.Descriptor!.ToArray() : null;
        TrackKey? sameAs = null;
        if (recentFaces is not null)
        {
            var key = new TrackKey(cameraId, trackId);
            // The first described face decides, once: later sightings carry the same answer.
            sameAs = best.Descriptor is { } descriptor && _identified.Add(trackId)
                ? recentFaces.Identify(key, descriptor, best.CapturedAt)
                : recentFaces.SameAs(key, best.CapturedAt);
        }
        Forget(best);
        return new SightingCrop(trackId, best.CapturedAt, best.Crop, best.Quality) { SameTrackAs = sameAs, Descriptor = sent };
    }

    private void EndTrack(string trackId, DateTimeOffset at)
    {
        if (_identified.Remove(trackId))
        {
            recentFaces!.Ended(new TrackKey(cameraId, trackId), at);
        }
    }

    private static void Forget(FaceCandidate? best)
    {
        if (best?.Descriptor is { } descriptor)
        {
            Array.Clear(descriptor);
        }
    }
}
