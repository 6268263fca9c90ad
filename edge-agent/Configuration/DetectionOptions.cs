namespace NextGenCrm.EdgeAgent.Configuration;

/// <summary>The detector's settings (<see cref="FaceDetectorOptions"/>) and what the agent does with the faces it finds.</summary>
public sealed class DetectionOptions : FaceDetectorOptions
{
    /// <summary>Faces narrower than this are tracked but not searched: too small to recognise.</summary>
    public int MinSearchFaceSize { get; set; } = 40;

    /// <summary>
    /// Faces less sharp than this (variance of the Laplacian over the face at 48×48 grey) are tracked but
    /// not searched. Every face of the demo photographs measures 45 or more, even 40 px wide; blurred by
    /// a Gaussian of 4 px most measure under 30.
    /// </summary>
    public float MinSharpness { get; set; } = 30;

    /// <summary>Extra border around the face box in the crop, as a fraction of the box size.</summary>
    public float CropMargin { get; set; } = 0.3f;

    public int JpegQuality { get; set; } = 90;

    /// <summary>Longest side of a crop in pixels; larger crops are scaled down (keeps them under the silo's 512 KiB).</summary>
    public int MaxCropSide { get; set; } = 320;
}
