namespace NextGenCrm.EdgeAgent.Configuration;

public sealed class BufferOptions
{
    /// <summary>Folder of the durable sighting buffer; must survive restarts (a volume in a container).</summary>
    public string Directory { get; set; } = "buffer";

    /// <summary>Upper bound of the buffer on disk; the oldest sightings are dropped beyond it.</summary>
    public long MaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Size at which a segment file is closed and a new one started.</summary>
    public long SegmentBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>
    /// The key that seals the buffered sightings at rest (base64 of 32 bytes); empty = <c>buffer.key</c> in
    /// <see cref="Directory"/>, made at first start (0600). Point it at a provisioned file on another medium (a systemd
    /// credential, a TPM-unsealed tmpfs file) to keep the key off the buffer's disk.
    /// </summary>
    public string KeyFile { get; set; } = "";
}
