using SkiaSharp;

namespace NextGenCrm.EdgeAgent.Detection;

/// <summary>
/// How good a face is to search with: its width in frame pixels, its sharpness (variance of the
/// Laplacian over the face scaled to 48×48 grey, so faces of any size compare) and how squarely it faces
/// the camera (from the keypoints: head turn and tilt). Face search services match frontal, sharp,
/// large faces far better than small, blurred or turned ones.
/// </summary>
public readonly record struct FaceQuality(float Width, float Sharpness, float Frontal)
{
    private const int Side = 48;

    /// <summary>Ranks the faces of one track: bigger, sharper, more frontal is better.</summary>
    public float Score => (0.4f * Math.Min(1f, Width / 160f)) + (0.3f * Math.Min(1f, Sharpness / 400f)) + (0.3f * Frontal);

    public bool IsRecognisable(int minWidth, float minSharpness) => Width >= minWidth && Sharpness >= minSharpness;

    public static FaceQuality Measure(SKBitmap frame, FaceBox face)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return new FaceQuality(face.Width, MeasureSharpness(frame, face), MeasureFrontal(face));
    }

    /// <summary>1 facing the camera, falling to 0 as the head turns (nose towards one eye) or tilts (eyes not level).</summary>
    public static float MeasureFrontal(FaceBox face)
    {
        if (face.Landmarks is not { } l)
        {
            return 0.5f;
        }
        var eyesX = l.LeftEye.X - l.RightEye.X;
        if (eyesX <= face.Width * 0.1f)
        {
            return 0; // eyes on top of each other or crossed over: a profile
        }
        var turn = MathF.Abs((l.Nose.X - ((l.LeftEye.X + l.RightEye.X) / 2)) / eyesX);
        var tilt = MathF.Abs((l.LeftEye.Y - l.RightEye.Y) / eyesX);
        return Math.Clamp(1 - (2 * turn), 0, 1) * Math.Clamp(1 - tilt, 0, 1);
    }

    private static float MeasureSharpness(SKBitmap frame, FaceBox face)
    {
        // The inner part of the box: eyes, nose and mouth, not the background around the head.
        var inset = face.Width * 0.15f;
        var source = SKRect.Create(face.X + inset, face.Y + inset, face.Width - (2 * inset), face.Height - (2 * inset));
        source.Intersect(SKRect.Create(frame.Width, frame.Height));
        if (source.Width < 4 || source.Height < 4)
        {
            return 0;
        }
        using var grey = new SKBitmap(new SKImageInfo(Side, Side, SKColorType.Gray8, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(grey))
        using (var image = SKImage.FromPixels(frame.PeekPixels()))
        {
            canvas.DrawImage(image, source, SKRect.Create(Side, Side), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None));
        }
        var p = grey.GetPixelSpan();
        var row = grey.RowBytes;
        double sum = 0, sumSquares = 0;
        var n = 0;
        for (var y = 1; y < Side - 1; y++)
        {
            for (var x = 1; x < Side - 1; x++)
            {
                var i = (y * row) + x;
                float laplacian = p[i - 1] + p[i + 1] + p[i - row] + p[i + row] - (4 * p[i]);
                sum += laplacian;
                sumSquares += laplacian * laplacian;
                n++;
            }
        }
        var mean = sum / n;
        return (float)((sumSquares / n) - (mean * mean));
    }
}
