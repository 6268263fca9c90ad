using SkiaSharp;

namespace NextGenCrm.FaceDetection;

/// <summary>
/// Cuts the 150×150 face chip the recognition network expects, from BlazeFace's keypoints (eye
/// centres, nose tip, mouth centre) — no 68-point landmark model. A similarity transform (rotation,
/// uniform scale, shift; least squares over the four points) maps them onto where dlib's own chips put
/// the same points: dlib's mean face shape (the template of dlib's get_face_chip_details, eye centres as
/// the mean of each eye's six points, the nose tip, the mouth as the mean of the inner lip) at 150 pixels
/// with dlib's default 0.25 padding. Outside the picture is black, as face-api pads.
/// </summary>
public static class FaceAlignment
{
    public const int ChipSize = 150;

    /// <summary>Where the keypoints land in the chip, in chip pixels: the person's right eye (left in the picture), left eye, nose tip, mouth centre.</summary>
    public static readonly IReadOnlyList<FacePoint> Template =
    [
        new(47.549f, 46.599f),
        new(100.476f, 46.599f),
        new(74.013f, 76.563f),
        new(74.013f, 104.907f),
    ];

    /// <summary>The transform from picture pixels to chip pixels for a face with keypoints.</summary>
    public static SKMatrix Transform(FaceLandmarks landmarks)
    {
        ReadOnlySpan<FacePoint> source = [landmarks.RightEye, landmarks.LeftEye, landmarks.Nose, landmarks.Mouth];
        float spx = 0, spy = 0, sqx = 0, sqy = 0;
        for (var i = 0; i < source.Length; i++)
        {
            spx += source[i].X;
            spy += source[i].Y;
            sqx += Template[i].X;
            sqy += Template[i].Y;
        }
        var n = source.Length;
        float mpx = spx / n, mpy = spy / n, mqx = sqx / n, mqy = sqy / n;
        double dot = 0, cross = 0, norm = 0;
        for (var i = 0; i < n; i++)
        {
            double px = source[i].X - mpx, py = source[i].Y - mpy;
            double qx = Template[i].X - mqx, qy = Template[i].Y - mqy;
            dot += (px * qx) + (py * qy);
            cross += (px * qy) - (py * qx);
            norm += (px * px) + (py * py);
        }
        if (norm < 1e-6)
        {
            throw new ArgumentException("the face's keypoints coincide; it cannot be aligned");
        }
        var a = (float)(dot / norm);
        var b = (float)(cross / norm);
        // q = [a -b; b a] p + t
        var tx = mqx - ((a * mpx) - (b * mpy));
        var ty = mqy - ((b * mpx) + (a * mpy));
        return new SKMatrix(a, -b, tx, b, a, ty, 0, 0, 1);
    }

    /// <summary>The aligned 150×150 chip (RGBA) of a detected face; the face must carry the detector's keypoints.</summary>
    public static SKBitmap Align(SKBitmap image, FaceBox face)
    {
        ArgumentNullException.ThrowIfNull(image);
        var landmarks = face.Landmarks ?? throw new ArgumentException("the face has no keypoints (BlazeFaceDetector gives them)", nameof(face));
        var matrix = Transform(landmarks);
        if (!matrix.TryInvert(out var inverse))
        {
            throw new ArgumentException("the face's keypoints give no invertible transform", nameof(face));
        }
        // The part of the picture the chip sees, so that only it is copied (and, when the face is
        // scaled down, mip-mapped: plain bilinear sampling would alias).
        var corners = inverse.MapPoints([new SKPoint(0, 0), new SKPoint(ChipSize, 0), new SKPoint(0, ChipSize), new SKPoint(ChipSize, ChipSize)]);
        var left = (int)Math.Floor(corners.Min(p => p.X)) - 2;
        var top = (int)Math.Floor(corners.Min(p => p.Y)) - 2;
        var right = (int)Math.Ceiling(corners.Max(p => p.X)) + 2;
        var bottom = (int)Math.Ceiling(corners.Max(p => p.Y)) + 2;
        var area = SKRectI.Intersect(new SKRectI(left, top, right, bottom), new SKRectI(0, 0, image.Width, image.Height));

        var chip = new SKBitmap(new SKImageInfo(ChipSize, ChipSize, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(chip);
        canvas.Clear(SKColors.Black);
        if (area.Width <= 0 || area.Height <= 0)
        {
            return chip;
        }
        using var pixmap = image.PeekPixels();
        using var whole = SKImage.FromPixels(pixmap);
        using var part = whole.Subset(area);
        canvas.SetMatrix(matrix.PreConcat(SKMatrix.CreateTranslation(area.Left, area.Top)));
        var sampling = matrix.ScaleX * matrix.ScaleX + matrix.SkewY * matrix.SkewY < 0.5f * 0.5f
            ? new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear)
            : new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None);
        canvas.DrawImage(part, 0, 0, sampling);
        canvas.Flush();
        return chip;
    }
}
