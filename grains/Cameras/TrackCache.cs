namespace NextGenCrm.Cameras;

/// <summary>Who an edge track turned out to be, and what the camera last told that visitor.</summary>
internal sealed class TrackEntry(string visitorId, VisitorProfile profile, string? imageKey, DateTimeOffset resolvedAt, string? faceToken = null, string? personId = null, float[]? faceDescriptor = null)
{
    /// <summary>The person in the collection the track's face belongs to, when it is not the visitor id (an enrolled visitor).</summary>
    public string? PersonId { get; } = personId;

    public string VisitorId { get; set; } = visitorId;
    public VisitorProfile Profile { get; set; } = profile;
    /// <summary>The track's latest crop (a re-check stores a new one), sent with each forward for the visitor to keep.</summary>
    public string? ImageKey { get; set; } = imageKey;

    /// <summary>Whether <see cref="ImageKey"/> was stored by this silo (an inline image), not by the edge agent.</summary>
    public bool CropStoredHere { get; set; }

    /// <summary>The simulated search's stand-in for the face (no crop is stored for it).</summary>
    public string? FaceToken { get; } = faceToken;

    /// <summary>The on-premises search's descriptor of the track's face, sent by the edge instead of a crop.</summary>
    public float[]? FaceDescriptor { get; } = faceDescriptor;
    public DateTimeOffset ResolvedAt { get; set; } = resolvedAt;
    public DateTimeOffset LastSeen { get; set; }
    public string? VisitId { get; set; }
    public DateTimeOffset LastForwarded { get; set; } = DateTimeOffset.MinValue;

    /// <summary>Sightings absorbed since the last one forwarded to the visitor.</summary>
    public int Unforwarded { get; set; }

    /// <summary>The forward to the visitor under way now, which later sightings of the track join.</summary>
    public Task<SightingResult>? Forwarding { get; set; }
}

/// <summary>
/// The camera's memory of its edge tracks, bounded: tracks idle longer than the visit timeout are
/// forgotten (swept once per timeout, so a camera that sees a steady stream of new people holds about
/// one timeout's worth of tracks, not the last <c>capacity</c>), then the least recently seen past the capacity.
/// </summary>
internal sealed class TrackCache(int capacity, TimeSpan idleLimit)
{
    private readonly Dictionary<string, TrackEntry> _tracks = new(StringComparer.Ordinal);
    private DateTimeOffset _lastSweep = DateTimeOffset.MinValue;

    public int Count => _tracks.Count;

    public bool TryGet(string trackId, out TrackEntry entry) => _tracks.TryGetValue(trackId, out entry!);

    /// <summary>Drops every track resolved to <paramref name="visitorId"/>; returns how many.</summary>
    public int Forget(string visitorId)
    {
        var forgotten = _tracks.Where(t => t.Value.VisitorId == visitorId).Select(t => t.Key).ToList();
        foreach (var trackId in forgotten)
        {
            _tracks.Remove(trackId);
        }
        return forgotten.Count;
    }

    public void Set(string trackId, TrackEntry entry, DateTimeOffset now)
    {
        _tracks[trackId] = entry;
        if (_tracks.Count > capacity)
        {
            Trim(now);
        }
        else if (now - _lastSweep >= idleLimit)
        {
            ForgetIdle(now);
        }
    }

    private void ForgetIdle(DateTimeOffset now)
    {
        _lastSweep = now;
        foreach (var (id, entry) in _tracks.Where(t => now - t.Value.LastSeen > idleLimit).ToList())
        {
            _tracks.Remove(id);
        }
    }

    private void Trim(DateTimeOffset now)
    {
        ForgetIdle(now);
        var excess = _tracks.Count - (capacity * 9 / 10);
        if (excess <= 0)
        {
            return;
        }
        foreach (var id in _tracks.OrderBy(t => t.Value.LastSeen).Take(excess).Select(t => t.Key).ToList())
        {
            _tracks.Remove(id);
        }
    }
}
