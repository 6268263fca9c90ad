using System.ComponentModel.DataAnnotations;

namespace NextGenCrm.Silo.Configuration;

/// <summary>The "Ingest" section: limits on what edge agents may send.</summary>
public sealed class IngestOptions
{
    public const string Section = "Ingest";

    /// <summary>Largest body of POST /api/v1/sightings.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxSightingBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest body of POST /api/v1/sightings/batch.</summary>
    [Range(1024, 256 * 1024 * 1024)]
    public int MaxBatchBodyBytes { get; set; } = 16 * 1024 * 1024;

    [Range(1, 10_000)]
    public int MaxBatchSize { get; set; } = 500;

    /// <summary>Largest face crop, decoded.</summary>
    [Range(128, 16 * 1024 * 1024)]
    public int MaxImageBytes { get; set; } = 512 * 1024;

    /// <summary>How far ahead of the silo's clock a capture time may be (camera clock drift).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How old a sighting may be (an edge buffer draining after an outage).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan MaxSightingAge { get; set; } = TimeSpan.FromHours(24);
}
