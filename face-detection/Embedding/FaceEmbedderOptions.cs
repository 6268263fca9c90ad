namespace NextGenCrm.FaceDetection;

/// <summary>Where the face recognition model is and how it runs.</summary>
public sealed class FaceEmbedderOptions
{
    /// <summary>Path of the generated ONNX file; empty = models/ next to the binary (scripts/setup.sh generates it and the build copies it there).</summary>
    public string ModelPath { get; set; } = "";

    /// <summary>Expected sha256 of the model file; empty = the pinned <see cref="FaceEmbedderModel.Sha256"/>.</summary>
    public string ModelSha256 { get; set; } = "";

    /// <summary>ONNX Runtime intra-op threads per inference.</summary>
    public int Threads { get; set; } = 1;

    /// <summary>What is wrong with these settings, each naming its key under <paramref name="section"/>; none when they can be used.</summary>
    public IEnumerable<string> Problems(string section)
    {
        if (Threads is < 1 or > ModelSettings.MaxThreads)
        {
            yield return $"{section}:Threads must be between 1 and {ModelSettings.MaxThreads}";
        }
        if (ModelSettings.Sha256Problem(ModelSha256, section) is { } sha)
        {
            yield return sha;
        }
    }
}
