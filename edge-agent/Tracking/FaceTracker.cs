using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Detection;

namespace NextGenCrm.EdgeAgent.Tracking;

/// <summary>A face in the current frame, with the track it belongs to and whether a sighting is due.</summary>
public readonly record struct TrackedFace(string TrackId, FaceBox Box, bool SightingDue, bool IsNewTrack);

/// <summary>
/// Follows faces across the frames of one camera. A detection may continue a track whose predicted
/// position (last box moved by its velocity) it overlaps or is near; among those, detections and
/// tracks are paired so that the pairs together differ least in place, face size and head turn (from
/// the keypoints). Motion alone swaps two people who stop next to each other (each one's prediction
/// runs on into the other); a near and a far face, or two faces turned towards each other, do not look
/// alike. A detection left over starts a new track; a track ends after
/// <see cref="TrackingOptions.AbsenceTimeout"/> without a detection. Sightings are throttled per track:
/// one when it starts, then at most one per RefreshInterval.
/// </summary>
public sealed class FaceTracker(TrackingOptions options, string trackIdPrefix)
{
    private const float VelocitySmoothing = 0.5f;
    private const float AppearanceSmoothing = 0.3f;

    /// <summary>Cost of a size ratio of e (2.7×); a near face (110 px) taken for a far one (70 px) costs 0.9.</summary>
    private const float SizeWeight = 2f;

    /// <summary>Cost per unit of head turn (nose offset from between the eyes, in eye distances; about -0.5 to 0.5).</summary>
    private const float TurnWeight = 2f;

    /// <summary>Beyond this many faces in a frame the exhaustive pairing gives way to nearest-first.</summary>
    private const int MaxExhaustive = 8;

    private readonly List<Track> _tracks = [];
    private long _nextTrackNumber;

    public int ActiveTracks => _tracks.Count;

    /// <summary>Tracks that ended (unseen for AbsenceTimeout) in the last <see cref="Update"/>, and whether any sighting of theirs went out.</summary>
    public IReadOnlyList<(string TrackId, bool Sighted)> Ended { get; private set; } = [];

    public IReadOnlyList<TrackedFace> Update(IReadOnlyList<FaceBox> detections, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(detections);
        Ended = [.. _tracks.Where(t => now - t.LastSeen > options.AbsenceTimeout).Select(t => (t.Id, t.LastSightingAt is not null))];
        _tracks.RemoveAll(t => now - t.LastSeen > options.AbsenceTimeout);

        var assigned = Associate(detections, now);
        for (var d = 0; d < detections.Count; d++)
        {
            assigned[d]?.Follow(detections[d], now, VelocitySmoothing, AppearanceSmoothing);
        }

        var result = new TrackedFace[detections.Count];
        for (var d = 0; d < detections.Count; d++)
        {
            var isNew = assigned[d] is null;
            var track = assigned[d] ?? StartTrack(detections[d], now);
            // The first sighting waits FirstSightingAfter, so the best of the track's first faces is sent.
            var due = track.Hits >= options.MinHits
                && (track.LastSightingAt is null
                    ? now - track.FirstSeen >= options.FirstSightingAfter
                    : now - track.LastSightingAt.Value >= options.RefreshInterval);
            if (due)
            {
                track.PreviousSightingAt = track.LastSightingAt;
                track.LastSightingAt = now;
            }
            result[d] = new TrackedFace(track.Id, track.Box, due, isNew);
        }
        return result;
    }

    /// <summary>The track each detection continues (null: a new face), pairing for the least total cost.</summary>
    private Track?[] Associate(IReadOnlyList<FaceBox> detections, DateTimeOffset now)
    {
        // cost[d, t]: NaN where the detection cannot continue the track at all.
        var cost = new float[detections.Count, _tracks.Count];
        for (var t = 0; t < _tracks.Count; t++)
        {
            var predicted = _tracks[t].PredictAt(now);
            for (var d = 0; d < detections.Count; d++)
            {
                cost[d, t] = Cost(_tracks[t], predicted, detections[d]);
            }
        }

        var pairs = detections.Count <= MaxExhaustive && _tracks.Count <= MaxExhaustive
            ? CheapestPairing(cost)
            : NearestFirst(cost);
        var assigned = new Track?[detections.Count];
        for (var d = 0; d < detections.Count; d++)
        {
            assigned[d] = pairs[d] >= 0 ? _tracks[pairs[d]] : null;
        }
        return assigned;
    }

    private float Cost(Track track, FaceBox predicted, FaceBox det)
    {
        var sizeRatio = det.Width / predicted.Width;
        if (sizeRatio is < 0.5f or > 2f)
        {
            return float.NaN;
        }
        var distance = MathF.Sqrt(MathF.Pow(det.CentreX - predicted.CentreX, 2) + MathF.Pow(det.CentreY - predicted.CentreY, 2))
            / Math.Max(predicted.Width, det.Width);
        if (FaceBox.IoU(predicted, det) < options.MinIoU && distance > options.MaxCentreDistance)
        {
            return float.NaN;
        }
        var cost = distance + (SizeWeight * MathF.Abs(MathF.Log(det.Width / track.Size)));
        if (track.Turn is { } turn && Turn(det) is { } detTurn)
        {
            cost += TurnWeight * MathF.Abs(detTurn - turn);
        }
        return cost;
    }

    /// <summary>
    /// How far the head is turned: the nose's offset from between the eyes, in eye distances (about
    /// -0.5 to 0.5; 0 facing the camera). Null without keypoints or with eyes too close to tell.
    /// </summary>
    internal static float? Turn(FaceBox face)
    {
        if (face.Landmarks is not { } l)
        {
            return null;
        }
        var eyes = MathF.Abs(l.LeftEye.X - l.RightEye.X);
        if (eyes < face.Width * 0.1f)
        {
            return null;
        }
        return Math.Clamp((l.Nose.X - ((l.LeftEye.X + l.RightEye.X) / 2)) / eyes, -1f, 1f);
    }

    /// <summary>
    /// The pairing with the most continued tracks and, among those, the least total cost: an exhaustive
    /// search, small enough for the people one camera sees at once.
    /// </summary>
    private static int[] CheapestPairing(float[,] cost)
    {
        int detections = cost.GetLength(0), tracks = cost.GetLength(1);
        var best = Enumerable.Repeat(-1, detections).ToArray();
        var bestMatched = 0;
        var bestCost = 0f;
        var current = new int[detections];
        var used = new bool[tracks];

        void Search(int d, int matched, float total)
        {
            if (matched + (detections - d) < bestMatched)
            {
                return; // cannot match as many as the best so far
            }
            if (d == detections)
            {
                if (matched > bestMatched || (matched == bestMatched && total < bestCost))
                {
                    bestMatched = matched;
                    bestCost = total;
                    current.CopyTo(best, 0);
                }
                return;
            }
            for (var t = 0; t < tracks; t++)
            {
                if (!used[t] && !float.IsNaN(cost[d, t]))
                {
                    used[t] = true;
                    current[d] = t;
                    Search(d + 1, matched + 1, total + cost[d, t]);
                    used[t] = false;
                }
            }
            current[d] = -1;
            Search(d + 1, matched, total);
        }

        Search(0, 0, 0);
        return best;
    }

    /// <summary>Greedy pairing, cheapest pair first: for crowds beyond the exhaustive search.</summary>
    private static int[] NearestFirst(float[,] cost)
    {
        int detections = cost.GetLength(0), tracks = cost.GetLength(1);
        var pairs = new List<(float Cost, int Detection, int Track)>();
        for (var d = 0; d < detections; d++)
        {
            for (var t = 0; t < tracks; t++)
            {
                if (!float.IsNaN(cost[d, t]))
                {
                    pairs.Add((cost[d, t], d, t));
                }
            }
        }
        pairs.Sort((a, b) => a.Cost.CompareTo(b.Cost));
        var result = Enumerable.Repeat(-1, detections).ToArray();
        var usedTracks = new bool[tracks];
        foreach (var (_, d, t) in pairs)
        {
            if (result[d] < 0 && !usedTracks[t])
            {
                result[d] = t;
                usedTracks[t] = true;
            }
        }
        return result;
    }

    /// <summary>A due sighting was not sent (no face good enough to search yet): it stays due.</summary>
    public void SightingNotSent(string trackId)
    {
        if (_tracks.Find(t => t.Id == trackId) is { } track)
        {
            track.LastSightingAt = track.PreviousSightingAt;
        }
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

        public DateTimeOffset FirstSeen { get; } = seen;

        public DateTimeOffset? LastSightingAt { get; set; }

        public DateTimeOffset? PreviousSightingAt { get; set; }

        /// <summary>Face width, smoothed: a detector's boxes jitter, a person's distance changes slowly.</summary>
        public float Size { get; private set; } = box.Width;

        /// <summary>Head turn, smoothed; null until a detection with keypoints.</summary>
        public float? Turn { get; private set; } = FaceTracker.Turn(box);

        private float _velocityX;
        private float _velocityY;

        public FaceBox PredictAt(DateTimeOffset now)
        {
            var dt = (float)(now - LastSeen).TotalSeconds;
            return Box.Offset(_velocityX * dt, _velocityY * dt);
        }

        public void Follow(FaceBox next, DateTimeOffset now, float smoothing, float appearanceSmoothing)
        {
            var dt = (float)(now - LastSeen).TotalSeconds;
            if (dt > 0)
            {
                var vx = (next.CentreX - Box.CentreX) / dt;
                var vy = (next.CentreY - Box.CentreY) / dt;
                _velocityX = Hits == 1 ? vx : (smoothing * vx) + ((1 - smoothing) * _velocityX);
                _velocityY = Hits == 1 ? vy : (smoothing * vy) + ((1 - smoothing) * _velocityY);
            }
            Size = (appearanceSmoothing * next.Width) + ((1 - appearanceSmoothing) * Size);
            if (FaceTracker.Turn(next) is { } turn)
            {
                Turn = Turn is { } previous ? (appearanceSmoothing * turn) + ((1 - appearanceSmoothing) * previous) : turn;
            }
            Box = next;
            LastSeen = now;
            Hits++;
        }
    }
}
