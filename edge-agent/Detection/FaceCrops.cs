using SkiaSharp;

namespace NextGenCrm.EdgeAgent.Detection;

/// <summary>Cuts a face out of a frame with a margin and encodes it as the JPEG the silo searches with.</summary>
public static class FaceCrops
{
    public static byte[] CropJpeg(SKBitmap frame, FaceBox face, float margin, int maxSide, int quality)
    {
        ArgumentNullException.ThrowIfNull(frame);
        // A square crop with room around the face: face search services want some hair and chin.
        var side = Math.Max(face.Width, face.Height) * (1 + (2 * margin));
        var left = (int)Math.Clamp(face.CentreX - (side / 2), 0, frame.Width - 1);
        var top = (int)Math.Clamp(face.CentreY - (side / 2), 0, frame.Height - 1);
        var right = (int)Math.Clamp(face.CentreX + (side / 2), left + 1, frame.Width);
        var bottom = (int)Math.Clamp(face.CentreY + (side / 2), top + 1, frame.Height);
        var source = SKRectI.Create(left, top, right - left, bottom - top);

        var shrink = Math.Min(1f, (float)maxSide / Math.Max(source.Width, source.Height));
        var width = Math.Max(1, (int)(source.Width * shrink));
        var height = Math.Max(1, (int)(source.Height * shrink));
        using var crop = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(crop))
        using (var image = SKImage.FromBitmap(frame))
        {
            canvas.DrawImage(image, source, SKRect.Create(width, height), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }
        using var encoded = crop.Encode(SKEncodedImageFormat.Jpeg, quality);
        return encoded.ToArray();
    }
}
