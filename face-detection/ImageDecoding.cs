using SkiaSharp;

namespace NextGenCrm.FaceDetection;

/// <summary>Why a camera image was skipped; logged, never thrown past the camera loop.</summary>
public sealed class UnreadableImageException(string message) : Exception(message);

/// <summary>Decodes camera images with SkiaSharp, refusing anything that is not a sane JPEG/PNG.</summary>
public static class ImageDecoding
{
    /// <summary>Beyond this a "photo" is a decompression bomb, not a camera frame.</summary>
    public const long MaxPixels = 40_000_000;

    public static SKBitmap Decode(ReadOnlySpan<byte> encoded)
    {
        using var data = SKData.CreateCopy(encoded);
        // The codec owns (and disposes) the stream it reads from.
        using var codec = SKCodec.Create(new SKMemoryStream(data), out var result)
            ?? throw new UnreadableImageException($"not a decodable image ({result})");
        if (codec.EncodedFormat is not (SKEncodedImageFormat.Jpeg or SKEncodedImageFormat.Png))
        {
            throw new UnreadableImageException($"unsupported format {codec.EncodedFormat}");
        }
        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0 || (long)info.Width * info.Height > MaxPixels)
        {
            throw new UnreadableImageException($"unreasonable size {info.Width}x{info.Height}");
        }
        var target = new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        var bitmap = new SKBitmap(target);
        var status = codec.GetPixels(target, bitmap.GetPixels());
        // A truncated JPEG decodes partly (grey below the cut) and reports IncompleteInput: such a
        // frame would give half faces, so it is skipped like a corrupt one.
        if (status != SKCodecResult.Success)
        {
            bitmap.Dispose();
            throw new UnreadableImageException($"decoding failed ({status})");
        }
        return Orient(bitmap, codec.EncodedOrigin);
    }

    /// <summary>Applies the EXIF orientation so faces are upright for the detector.</summary>
    private static SKBitmap Orient(SKBitmap bitmap, SKEncodedOrigin origin)
    {
        if (origin == SKEncodedOrigin.TopLeft)
        {
            return bitmap;
        }
        var swap = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var w = swap ? bitmap.Height : bitmap.Width;
        var h = swap ? bitmap.Width : bitmap.Height;
        var rotated = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(rotated))
        {
            canvas.SetMatrix(OriginMatrix(origin, bitmap.Width, bitmap.Height));
            using var image = SKImage.FromBitmap(bitmap);
            canvas.DrawImage(image, 0, 0, SKSamplingOptions.Default);
        }
        bitmap.Dispose();
        return rotated;
    }

    private static SKMatrix OriginMatrix(SKEncodedOrigin origin, int w, int h) => origin switch
    {
        SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
        SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),
        SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),
        _ => SKMatrix.Identity,
    };
}
