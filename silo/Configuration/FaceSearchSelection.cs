namespace NextGenCrm.Silo.Configuration;

public enum FaceSearchProvider { Simulated, Rekognition }

/// <summary>The "FaceSearch" section's choice of provider (the adapters read their own settings).</summary>
public sealed class FaceSearchSelection
{
    public const string Section = "FaceSearch";

    public FaceSearchProvider Provider { get; set; } = FaceSearchProvider.Simulated;

    public static FaceSearchSelection Read(IConfiguration configuration) =>
        ConfigurationReader.Bind<FaceSearchSelection>(configuration, Section);
}
