using NextGenCrm.FaceDetection;
using SkiaSharp;

namespace NextGenCrm.EdgeAgent.ReIdentification;

/// <summary>The face embedder of face-detection/ (dlib's ResNet, aligned from BlazeFace's keypoints) as the agent's describer.</summary>
public sealed class EmbedderDescriber(FaceEmbedder embedder) : IFaceDescriber
{
    public float[]? Describe(SKBitmap frame, FaceBox face)
    {
        if (face.Landmarks is null)
        {
            return null; // nothing to align it by
        }
        try
        {
            return embedder.Embed(frame, face);
        }
        catch (ArgumentException)
        {
            return null; // keypoints that give no transform: this face is searched by the silo as before
        }
    }

    /// <summary>The describer when the embedder's model is there (scripts/setup.sh generates it), else null: re-identification stays off.</summary>
    public static EmbedderDescriber? TryCreate(FaceEmbedderOptions options)
    {
        try
        {
            FaceEmbedder.ResolveModelPath(options);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        return new EmbedderDescriber(new FaceEmbedder(options));
    }
}
