using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Detection;
using SkiaSharp;

namespace NextGenCrm.EdgeAgent.Tracking;

/// <summary>A sighting to send: the track, its best face's crop and when that face was seen.</summary>
public sealed record SightingCrop(string TrackId, DateTimeOffset CapturedAt, byte[] Crop, FaceQuality Quality);

/// <summary>What one frame of a camera gave: its tracked faces, the sightings due, the tracks that ended unsearched.</summary>
public sealed record FrameSightings(IReadOnlyList<TrackedFace> Faces, IReadOnlyList<SightingCrop> Sightings, IReadOnlyList<string> EndedNotSearched);

/// <summary>
/// From a camera's faces to its sightings: tracks the faces, keeps each track's best face (size,
/// sharpness, frontal pose) and sends that one when the track's sighting is due. A face too small or
/// blurred to recognise is tracked but never sent; a track that ends without a better one is counted.
/// </summary>
public sealed class CameraSightings(DetectionOptions detection, TrackingOptions tracking, string trackIdPrefix)
{
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
                continue;
            }
            // Gone before its first sighting was due: its best face goes now, or it is counted unsearched.
            if (best is not null)
            {
                sightings.Add(new SightingCrop(trackId, best.CapturedAt, best.Crop, best.Quality));
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
                _bestFaces.Offer(face.TrackId, quality, capturedAt,
                    () => FaceCrops.CropJpeg(frame, face.Box, detection.CropMargin, detection.MaxCropSide, detection.JpegQuality));
            }
            if (face.SightingDue)
            {
                if (_bestFaces.Take(face.TrackId) is { } best)
                {
                    sightings.Add(new SightingCrop(face.TrackId, best.CapturedAt, best.Crop, best.Quality));
                }
                else
                {
                    _tracker.SightingNotSent(face.TrackId); // nothing good enough yet: it stays due
                }
            }
        }
        return new FrameSightings(tracked, sightings, notSearched);
    }
}
