using NextGenCrm.FaceDetection;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Embedded;

/// <summary>
/// Whether a picture holds a face, found as the edge agent finds faces (BlazeFace, the pinned models): what
/// Rekognition checks before it searches or indexes, so the simulated search answers "no face" for a
/// picture of a wall, as the real one does. A face token stands for a face; a stored crop (an imageRef) is
/// read back first. The model is loaded at the first picture, so a demo on face tokens never needs it.
/// Safe to share.
/// </summary>
public sealed class EmbeddedFaceDetector : IDisposable
{
    private readonly Func<string, CancellationToken, Task<byte[]>> _readStoredImage;
    private readonly Lazy<BlazeFaceDetector> _detector;

    /// <param name="options">The detector's settings (<c>FaceSearch:Simulated:Detection</c>); the defaults are the edge agent's.</param>
    /// <param name="readStoredImage">Reads a crop from the image store by key (the embedded store decrypts it).</param>
    public EmbeddedFaceDetector(FaceDetectorOptions options, Func<string, CancellationToken, Task<byte[]>> readStoredImage)
    {
        ArgumentNullException.ThrowIfNull(options);
        _readStoredImage = readStoredImage;
        _detector = new Lazy<BlazeFaceDetector>(() => new BlazeFaceDetector(options), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public async Task<bool> HoldsFaceAsync(FaceImage face, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(face);
        if (face.FaceToken is not null)
        {
            return true;
        }
        if (!face.Bytes.IsEmpty)
        {
            return CountFaces(face.Bytes.Span) > 0;
        }
        return face.ImageKey is { } key && CountFaces(await _readStoredImage(key, cancellationToken)) > 0;
    }

    /// <summary>Faces found in a JPEG or PNG; none in a picture that does not decode.</summary>
    public int CountFaces(ReadOnlySpan<byte> picture)
    {
        SkiaSharp.SKBitmap bitmap;
        try
        {
            bitmap = ImageDecoding.Decode(picture);
        }
        catch (UnreadableImageException)
        {
            return 0;
        }
        using (bitmap)
        {
            return _detector.Value.Detect(bitmap).Count;
        }
    }

    public void Dispose()
    {
        if (_detector.IsValueCreated)
        {
            _detector.Value.Dispose();
        }
    }
}
