namespace NextGenCrm.Silo.Configuration;

/// <summary>The face search this silo runs (<see cref="FaceSearchProviderOptions.Provider"/>) and what its requests may carry.</summary>
public sealed class FaceSearchSelection
{
    public FaceSearchProvider Provider { get; init; } = FaceSearchProvider.Simulated;

    /// <summary>
    /// Whether sightings and enrolments may carry pictures. Always with Simulated and Rekognition; with OnPremises
    /// only when a face embedder is installed, else a face arrives as its descriptor (<c>faceDescriptor</c>).
    /// </summary>
    public bool AcceptsPictures { get; init; } = true;
}
