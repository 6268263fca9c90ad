using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Detection;

namespace NextGenCrm.EdgeAgent.Tracking;

/// <summary>A face in the current frame, with the track it belongs to and whether a sighting is due.</summary>
public readonly record struct TrackedFace(string TrackId, FaceBox Box, bool SightingDue, bool IsNewTrack);

/// <summary>
/// Follows faces across the frames of one camera. A detection continues the track whose predicted
/// position (last box moved by its velocity) it overlaps or is nearest to; otherwise it starts a
/// new track. A track ends after <see cref="TrackingOptions.AbsenceTimeout"/> without a detection.
/// Sightings are throttled per track: one when it starts, then at most one per RefreshInterval.
/// </summary>
public sealed class FaceTracker(TrackingOptions options, string trackIdPrefix)
{
    private const float VelocitySmoothing = 0.5f;
    private readonly List<Track> _tracks = [];
    private long _nextTrackNumber;

    public int ActiveTracks => _tracks.Count;

    public IReadOnlyList<TrackedFace> Update(IReadOnlyList<FaceBox> detections, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(detections);
        _tracks.RemoveAll(t => now - t.LastSeen > options.AbsenceTimeout);

        var assigned = new Track?[detections.Count];
        foreach (var (track, detection) in Associate(detections, now))
        {
            track.Follow(detections[detection], now, VelocitySmoothing);
            assigned[detection] = track;
        }

        var result = new TrackedFace[detections.Count];
        for (var d = 0; d < detections.Count; d++)
        {
            var isNew = assigned[d] is null;
            var track = assigned[d] ?? StartTrack(detections[d], now);
            var due = track.Hits >= options.MinHits
                && (track.LastSightingAt is null || now - track.LastSightingAt.Value >= options.RefreshInterval);
            if (due)
            {
                track.LastSightingAt = now;
            }
            result[d] = new TrackedFace(track.Id, track.Box, due, isNew);
        }
        return result;
    }

    /// <summary>Greedy matching, nearest predicted centre first, within the IoU or distance gates.</summary>
    private List<(Track Track, int Detection)> Associate(IReadOnlyList<FaceBox> detections, DateTimeOffset now)
    {
        var pairs = new List<(float Distance, Track Track, int Detection)>();
        foreach (var track in _tracks)
        {
            var predicted = track.PredictAt(now);
            for (var d = 0; d < detections.Count; d++)
            {
                var det = detections[d];
                var sizeRatio = det.Width / predicted.Width;
                if (sizeRatio is < 0.5f or > 2f)
                {
                    continue;
                }
                var distance = MathF.Sqrt(MathF.Pow(det.CentreX - predicted.CentreX, 2) + MathF.Pow(det.CentreY - predicted.CentreY, 2))
                    / Math.Max(predicted.Width, det.Width);
                if (FaceBox.IoU(predicted, det) >= options.MinIoU || distance <= options.MaxCentreDistance)
                {
                    pairs.Add((distance, track, d));
                }
            }
        }
        pairs.Sort((a, b) => a.Distance.CompareTo(b.Distance));
        var matched = new List<(Track, int)>();
        var usedTracks = new HashSet<Track>();
        var usedDetections = new HashSet<int>();
        foreach (var (_, track, d) in pairs)
        {
            if (!usedTracks.Contains(track) && !usedDetections.Contains(d))
            {
                usedTracks.Add(track);
                usedDetections.Add(d);
                matched.Add((track, d));
            }
        }
        return matched;
    }

    private Track StartTrack(FaceBox box, DateTimeOffset now)
    {
        var track = new Track($"{trackIdPrefix}{++_nextTrackNumber}", box, now);
        _tracks.Add(track);
        return track;
    }

    private sealed class Track(string id, FaceBox box, DateTimeOffset seen)
    {
        public string Id { get; } = id;

        public FaceBox Box { get; private set; } = box;

        public DateTimeOffset LastSeen { get; private set; } = seen;

        public int Hits { get; private set; } = 1;

        public DateTimeOffset? LastSightingAt { get; set; }

        private float _velocityX;
        private float _velocityY;

        public FaceBox PredictAt(DateTimeOffset now)
        {
            var dt = (float)(now - LastSeen).TotalSeconds;
            return Box.Offset(_velocityX * dt, _velocityY * dt);
        }

        public void Follow(FaceBox next, DateTimeOffset now, float smoothing)
        {
            var dt = (float)(now - LastSeen).TotalSeconds;
            if (dt > 0)
            {
                var vx = (next.CentreX - Box.CentreX) / dt;
                var vy = (next.CentreY - Box.CentreY) / dt;
                _velocityX = Hits == 1 ? vx : (smoothing * vx) + ((1 - smoothing) * _velocityX);
                _velocityY = Hits == 1 ? vy : (smoothing * vy) + ((1 - smoothing) * _velocityY);
            }
            Box = next;
            LastSeen = now;
            Hits++;
        }
    }
}
