namespace NextGenCrm.Silo.Ingest;

/// <summary>The body of POST /api/v1/sightings, as sent; everything is checked by <see cref="SightingValidator"/>.</summary>
public sealed class SightingRequest
{
    public string? SightingId { get; set; }
    public string? BranchId { get; set; }
    public string? CameraId { get; set; }
    public string? TrackId { get; set; }
    public DateTimeOffset? CapturedAt { get; set; }

    /// <summary>Base64 of a JPEG or PNG face crop.</summary>
    public string? Image { get; set; }

    /// <summary>Key of a crop already in the image store (the edge agent's AWS sink puts it in S3 first).</summary>
    public string? ImageRef { get; set; }

    /// <summary>Simulated face search only: a token standing in for a face.</summary>
    public string? FaceToken { get; set; }

    /// <summary>On-premises face search only: the face's descriptor computed at the edge (128 float32, L2-normalised).</summary>
    public float[]? FaceDescriptor { get; set; }

    /// <summary>The earlier track of the branch the edge agent re-identified this one as (optional).</summary>
    public TrackRefRequest? SameTrackAs { get; set; }
}

public sealed class TrackRefRequest
{
    public string? CameraId { get; set; }
    public string? TrackId { get; set; }
}

public sealed class SightingBatchRequest
{
    public List<System.Text.Json.JsonElement>? Sightings { get; set; }
}
