namespace NextGenCrm.EdgeAgent.Configuration;

public sealed class TrackingOptions
{
    /// <summary>A track sends one sighting when it starts and at most one per interval after that.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A track not seen for this long ends; the same person after that is a new track.</summary>
    public TimeSpan AbsenceTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A track's first sighting waits this long, and carries the best face seen meanwhile (size,
    /// sharpness, frontal pose), not the first. 0 = at once.
    /// </summary>
    public TimeSpan FirstSightingAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Minimum overlap for a detection to continue a track.</summary>
    public float MinIoU { get; set; } = 0.3f;

    /// <summary>Largest centre jump, in face widths, still taken as the same face (for low frame rates).</summary>
    public float MaxCentreDistance { get; set; } = 1.0f;

    /// <summary>Frames a face must be seen before its first sighting (1 = at once).</summary>
    public int MinHits { get; set; } = 1;
}
