using SkiaSharp;

namespace NextGenCrm.Silo.Ingest;

/// <summary>
/// What a face crop must be before anything is stored or searched: a JPEG or PNG that decodes, of a size a
/// face search can use. Decoded at a reduced scale (a JPEG decodes at 1/8 for the price of its entropy data),
/// so a large crop costs little and a damaged one is still caught.
/// </summary>
public static class CropImages
{
    public const int MinSide = 32;
    public const int MaxSide = 4096;
    private const int CheckSide = 64;

    /// <summary>Null when the crop is usable; otherwise why not, in words for the sender.</summary>
    public static string? ProblemOf(ReadOnlySpan<byte> bytes)
    {
        if (!ImageFormats.IsJpegOrPng(bytes))
        {
            return "image is neither a JPEG nor a PNG.";
        }
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data);
        if (codec is null)
        {
            return "image cannot be decoded: it has a JPEG or PNG signature but no readable header.";
        }
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if (width < MinSide || height < MinSide || width > MaxSide || height > MaxSide)
        {
            return $"image is {width}x{height} pixels; a face crop is {MinSide} to {MaxSide} pixels on each side.";
        }
        var scale = Math.Min(1f, CheckSide / (float)Math.Max(width, height));
        var size = codec.GetScaledDimensions(scale);
        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        return result == SKCodecResult.Success
            ? null
            : $"image cannot be decoded ({result}): the file is damaged or cut short.";
    }
}

/// <summary>A sighting that is well formed but cannot be used: an image that does not decode, a crop that does not exist.</summary>
public sealed class UnprocessableSightingException(string reason) : Exception(reason);
