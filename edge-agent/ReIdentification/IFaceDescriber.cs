using NextGenCrm.FaceDetection;
using SkiaSharp;

namespace NextGenCrm.EdgeAgent.ReIdentification;

/// <summary>
/// Turns a detected face into its descriptor: 128 floats, L2-normalised, close (cosine) for the same person.
/// Biometric data: the caller keeps it in memory only and never logs it.
/// </summary>
public interface IFaceDescriber
{
    /// <summary>The face's descriptor, or null when this face cannot be described (no keypoints to align it).</summary>
    float[]? Describe(SKBitmap frame, FaceBox face);
}
