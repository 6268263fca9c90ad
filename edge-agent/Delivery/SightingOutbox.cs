using NextGenCrm.Contracts;
using System.Text.Json;
using Microsoft.Extensions.Options;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.ReIdentification;

namespace NextGenCrm.EdgeAgent.Delivery;

/// <summary>
/// Where cameras hand over sightings. Every sighting is written to the durable buffer first (an
/// fsync per sighting, a handful per person-minute) and the delivery loop sends it from there, so
/// one path covers "silo up", "silo down" and "agent killed mid-send".
/// </summary>
public sealed class SightingOutbox(SightingBuffer buffer, IOptions<EdgeAgentOptions> options)
{
    private readonly string _branchId = options.Value.BranchId;

    public bool EnqueueCrop(string cameraId, string trackId, DateTimeOffset capturedAt, byte[] jpeg, TrackKey? sameTrackAs = null) =>
        Enqueue(Sighting(cameraId, trackId, capturedAt, sameTrackAs) with { Image = Convert.ToBase64String(jpeg) });

    /// <summary>The face as its descriptor only (EdgeAgent:Sink:SendFaceAs=Descriptor): no picture in the buffer or the sighting.</summary>
    public bool EnqueueDescriptor(string cameraId, string trackId, DateTimeOffset capturedAt, float[] descriptor, TrackKey? sameTrackAs = null) =>
        Enqueue(Sighting(cameraId, trackId, capturedAt, sameTrackAs) with { FaceDescriptor = descriptor });

    public bool EnqueueFaceToken(string cameraId, string trackId, DateTimeOffset capturedAt, string faceToken) =>
        Enqueue(Sighting(cameraId, trackId, capturedAt, sameTrackAs: null) with { FaceToken = faceToken });

    /// <summary>What every sighting of this branch carries; the face goes in by the caller.</summary>
    private SightingRequest Sighting(string cameraId, string trackId, DateTimeOffset capturedAt, TrackKey? sameTrackAs) => new()
    {
        SameTrackAs = sameTrackAs is { } same ? new SightingTrackRef(same.CameraId, same.TrackId) : null,
        SightingId = SightingIds.NewSightingId(),
        BranchId = _branchId,
        CameraId = cameraId,
        TrackId = trackId,
        CapturedAt = capturedAt,
    };

    private bool Enqueue(SightingRequest sighting) =>
        buffer.Append(JsonSerializer.SerializeToUtf8Bytes(sighting, EdgeJson.Default.SightingRequest));
}
