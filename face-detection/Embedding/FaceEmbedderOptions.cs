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
}
