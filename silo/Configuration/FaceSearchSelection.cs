namespace NextGenCrm.Silo.Configuration;

/// <summary>
/// Which face search: the simulated one (face tokens; the demo), Amazon Rekognition, or the on-premises one
/// (descriptors searched in the cluster; no face leaves the bank's machines).
/// </summary>
public enum FaceSearchProvider { Simulated, Rekognition, OnPremises }

/// <summary>The "FaceSearch" section's choice of provider (the adapters read their own settings).</summary>
public sealed class FaceSearchSelection
{
    public const string Section = "FaceSearch";

    public FaceSearchProvider Provider { get; set; } = FaceSearchProvider.Simulated;

    /// <summary>
    /// Whether sightings and enrolments may carry pictures. Always with Simulated and Rekognition; with OnPremises
    /// only when a face embedder is installed, else a face arrives as its descriptor (<c>faceDescriptor</c>).
    /// </summary>
    public bool AcceptsPictures { get; set; } = true;

    public static FaceSearchSelection Read(IConfiguration configuration) =>
        ConfigurationReader.Bind<FaceSearchSelection>(configuration, Section);
}
