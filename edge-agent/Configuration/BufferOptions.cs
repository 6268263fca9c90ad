namespace NextGenCrm.EdgeAgent.Configuration;

public sealed class BufferOptions
{
    /// <summary>Folder of the durable sighting buffer; must survive restarts (a volume in a container).</summary>
    public string Directory { get; set; } = "buffer";

    /// <summary>Upper bound of the buffer on disk; the oldest sightings are dropped beyond it.</summary>
    public long MaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Size at which a segment file is closed and a new one started.</summary>
    public long SegmentBytes { get; set; } = 8L * 1024 * 1024;
}
