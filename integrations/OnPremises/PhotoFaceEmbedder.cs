using NextGenCrm.FaceDetection;

namespace NextGenCrm.Integrations.OnPremises;

/// <summary>
/// Descriptors of the faces in a picture, computed on this machine as the edge agent computes them: BlazeFace finds
/// the faces and their keypoints, <see cref="FaceAlignment"/> cuts the aligned chip, the dlib ResNet
/// (<see cref="FaceEmbedder"/>, the pinned generated model) makes the descriptor. The models are loaded at the first
/// picture. Safe to share.
/// </summary>
public sealed class PhotoFaceEmbedder : IFaceEmbedder, IDisposable
{
    private readonly Lazy<BlazeFaceDetector> _detector;
    private readonly Lazy<FaceEmbedder> _embedder;

    public PhotoFaceEmbedder(FaceDetectorOptions detection, FaceEmbedderOptions embedding)
    {
        ArgumentNullException.ThrowIfNull(detection);
        ArgumentNullException.ThrowIfNull(embedding);
        _detector = new(() => new BlazeFaceDetector(detection), LazyThreadSafetyMode.ExecutionAndPublication);
        _embedder = new(() => new FaceEmbedder(embedding), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Whether both models are where the options say (scripts/setup.sh fetches and generates them).</summary>
    public static bool ModelsPresent(FaceDetectorOptions detection, FaceEmbedderOptions embedding)
    {
        try
        {
            BlazeFaceDetector.ResolveModelPath(detection);
            FaceEmbedder.ResolveModelPath(embedding);
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    public IReadOnlyList<float[]> DescriptorsOf(ReadOnlySpan<byte> picture)
    {
        SkiaSharp.SKBitmap bitmap;
        try
        {
            bitmap = ImageDecoding.Decode(picture);
        }
        catch (UnreadableImageException)
        {
            return [];
        }
        using (bitmap)
        {
            return [.. _detector.Value.Detect(bitmap)
                .Where(face => face.Landmarks is not null)
                .OrderByDescending(face => face.Width * face.Height)
                .Select(face => _embedder.Value.Embed(bitmap, face))];
        }
    }

    public void Dispose()
    {
        if (_detector.IsValueCreated)
        {
            _detector.Value.Dispose();
        }
        if (_embedder.IsValueCreated)
        {
            _embedder.Value.Dispose();
        }
    }
}
