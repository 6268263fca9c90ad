using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace NextGenCrm.EdgeAgent.Hosting;

/// <summary>Live figures of one camera, read by heartbeats and the metrics meter.</summary>
public sealed class CameraStatus(string cameraId)
{
    private long _frames;
    private long _facesSeen;
    private long _sightingsSent;
    private long _tracksNotSearched;
    private long _lastFrameTicks;
    private long _reconnects;

    public string CameraId { get; } = cameraId;

    public long Frames => Interlocked.Read(ref _frames);

    public long FacesSeen => Interlocked.Read(ref _facesSeen);

    public long SightingsSent => Interlocked.Read(ref _sightingsSent);

    /// <summary>Tracks that ended without a face big and sharp enough to search: people seen, not recognised.</summary>
    public long TracksNotSearched => Interlocked.Read(ref _tracksNotSearched);

    /// <summary>Times a live stream that dropped or hung was reopened.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    public DateTimeOffset? LastFrameAt => Interlocked.Read(ref _lastFrameTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <summary>Why the source cannot deliver frames now (ffmpeg missing, URL down); null when fine.</summary>
    public string? Problem { get; set; }

    /// <summary>A source that has finished on purpose (a simulation that ran its course) is not offline.</summary>
    public bool Finished { get; set; }

    public void FrameProcessed(int faces, DateTimeOffset at)
    {
        Interlocked.Increment(ref _frames);
        Interlocked.Add(ref _facesSeen, faces);
        Interlocked.Exchange(ref _lastFrameTicks, at.UtcTicks);
    }

    public void SightingDelivered() => Interlocked.Increment(ref _sightingsSent);

    public void TrackNotSearched() => Interlocked.Increment(ref _tracksNotSearched);

    public void Reconnecting() => Interlocked.Increment(ref _reconnects);
}

/// <summary>
/// The agent's instruments, on the "NextGenCrm" meter (as the silo's; the service defaults export it). Tags: the camera
/// id only (a bounded set chosen by the operator), never a face, a track or a token.
/// </summary>
public sealed class AgentMetrics : IDisposable
{
    public const string MeterName = "NextGenCrm";

    private readonly ConcurrentDictionary<string, CameraStatus> _cameras = new(StringComparer.Ordinal);
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _skippedImages;
    private long _acceptedTotal;
    private long _rejectedTotal;

    public AgentMetrics()
    {
        _accepted = _meter.CreateCounter<long>("nextgencrm.edge.sightings.accepted", description: "Sightings the silo accepted");
        _rejected = _meter.CreateCounter<long>("nextgencrm.edge.sightings.rejected", description: "Sightings the silo refused as invalid (dropped)");
        _skippedImages = _meter.CreateCounter<long>("nextgencrm.edge.images.skipped", description: "Camera images that could not be read (corrupt, truncated, too large)");
        _meter.CreateObservableCounter("nextgencrm.edge.frames", () => _cameras.Values.Select(c => new Measurement<long>(c.Frames, new KeyValuePair<string, object?>("camera", c.CameraId))),
            description: "Frames read and searched for faces, per camera (frames/s: its rate)");
        _meter.CreateObservableCounter("nextgencrm.edge.faces", () => _cameras.Values.Select(c => new Measurement<long>(c.FacesSeen, new KeyValuePair<string, object?>("camera", c.CameraId))));
        _meter.CreateObservableCounter("nextgencrm.edge.tracks.not_searched", () => _cameras.Values.Select(c => new Measurement<long>(c.TracksNotSearched, new KeyValuePair<string, object?>("camera", c.CameraId))),
            description: "Tracks that ended without a face big and sharp enough to search");
        _meter.CreateObservableCounter("nextgencrm.edge.camera.reconnects", () => _cameras.Values.Select(c => new Measurement<long>(c.Reconnects, new KeyValuePair<string, object?>("camera", c.CameraId))),
            description: "Times a live stream that dropped or hung was reopened");
    }

    public long Accepted => Interlocked.Read(ref _acceptedTotal);

    public long Rejected => Interlocked.Read(ref _rejectedTotal);

    public IEnumerable<CameraStatus> Cameras => _cameras.Values;

    public CameraStatus Camera(string cameraId) => _cameras.GetOrAdd(cameraId, id => new CameraStatus(id));

    public void SightingAccepted(string cameraId)
    {
        Interlocked.Increment(ref _acceptedTotal);
        _accepted.Add(1);
        Camera(cameraId).SightingDelivered();
    }

    public void SightingRejected()
    {
        Interlocked.Increment(ref _rejectedTotal);
        _rejected.Add(1);
    }

    public void ImageSkipped(string cameraId) => _skippedImages.Add(1, new KeyValuePair<string, object?>("camera", cameraId));

    /// <summary>Registers the buffer gauges once the buffer exists.</summary>
    public void ObserveBuffer(Func<long> depth, Func<long> dropped, Func<long> bytes, long capacityBytes)
    {
        _meter.CreateObservableGauge("nextgencrm.edge.buffer.depth", depth, description: "Sightings waiting for delivery");
        _meter.CreateObservableCounter("nextgencrm.edge.buffer.dropped", dropped, description: "Sightings dropped because the buffer was full");
        _meter.CreateObservableGauge("nextgencrm.edge.buffer.bytes", bytes, unit: "By", description: "Bytes the waiting sightings take on disk");
        _meter.CreateObservableGauge("nextgencrm.edge.buffer.capacity", () => capacityBytes, unit: "By",
            description: "Bytes the buffer may hold before it drops the oldest (EdgeAgent:Buffer:MaxBytes); full at bytes = capacity");
    }

    /// <summary>
    /// Registers the re-identification counter once the store exists: <c>nextgencrm.edge.reidentified</c>, tag
    /// <c>outcome</c> = <c>matched</c> (sent as an earlier track: no face search), <c>ambiguous</c> (two people close:
    /// left to the silo), <c>new</c> (nobody recent alike).
    /// </summary>
    public void ObserveReIdentification(ReIdentification.RecentFaces recentFaces)
    {
        ArgumentNullException.ThrowIfNull(recentFaces);
        _meter.CreateObservableCounter("nextgencrm.edge.reidentified", () =>
        {
            long matched = recentFaces.Matched, ambiguous = recentFaces.Ambiguous;
            return new[]
            {
                new Measurement<long>(matched, new KeyValuePair<string, object?>("outcome", "matched")),
                new Measurement<long>(ambiguous, new KeyValuePair<string, object?>("outcome", "ambiguous")),
                new Measurement<long>(Math.Max(0, recentFaces.Identified - matched - ambiguous), new KeyValuePair<string, object?>("outcome", "new")),
            };
        }, description: "New tracks compared with the tracks seen recently across the agent's cameras, by outcome");
    }

    public void Dispose() => _meter.Dispose();
}
