namespace NextGenCrm.EdgeAgent.ReIdentification;

/// <summary>
/// Cross-camera re-identification (section "EdgeAgent:ReIdentification"): a new track whose face matches a
/// track this agent saw within <see cref="Window"/>, on any of its cameras, is sent as that track, so the silo
/// answers it without a face search. Works only with a face describer (the embedder of face-detection/).
/// </summary>
public sealed class ReIdentificationOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How long after a track was last seen its face descriptor is kept to match new tracks against; then it is
    /// dropped. At most the silo's Visits:InactivityTimeout, past which the silo forgets the track anyway.
    /// </summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Cosine similarity of two L2-normalised descriptors at or above which two tracks are the same person. A
    /// wrong match gives one person's visit to another: see the README for its false-match rate. 0.96 is the
    /// embedder's recommended threshold (cosine distance 0.04: 0.18 % false matches, 3.4 % false non-matches measured).
    /// </summary>
    public float MinSimilarity { get; set; } = 0.96f;

    /// <summary>
    /// A match is taken only when no other person's track comes within this of it: two close candidates are
    /// left to the silo's face search to tell apart.
    /// </summary>
    public float AmbiguityMargin { get; set; } = 0.02f;

    /// <summary>Descriptors kept at most (512 bytes each); beyond it the least recently seen track's goes first.</summary>
    public int MaxTracks { get; set; } = 2000;
}
