using System.Diagnostics;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Detection;
using SkiaSharp;

namespace NextGenCrm.EdgeAgent.Hosting;

/// <summary>
/// `edge-agent bench-detect`: frames per second of JPEG decode + BlazeFace on one thread (ONNX
/// Runtime with one intra-op thread), i.e. per core, at the usual camera resolutions.
/// </summary>
public static class DetectionBenchmark
{
    private static readonly (int Width, int Height)[] Sizes = [(640, 480), (1280, 720), (1920, 1080)];

    public static IEnumerable<string> Run(DetectionOptions options, string? photo, TimeSpan perSize)
    {
        using var detector = new BlazeFaceDetector(options);
        using var source = photo is null ? Synthetic() : ImageDecoding.Decode(File.ReadAllBytes(photo));
        yield return $"source: {(photo is null ? "synthetic picture" : Path.GetFileName(photo))}, {perSize.TotalSeconds:0.#} s per size, 1 thread, {Environment.ProcessorCount} cores present, model {options.Model}, tile side {options.TileSide}";
        yield return "size        decode ms  detect ms  decode+detect frames/s per core  faces";
        foreach (var (width, height) in Sizes)
        {
            var jpeg = Encode(source, width, height);
            // Warm up: the first inference allocates ONNX Runtime's arena.
            using (var warm = ImageDecoding.Decode(jpeg))
            {
                detector.Detect(warm);
            }
            long frames = 0, decodeTicks = 0, detectTicks = 0;
            var faces = 0;
            var total = Stopwatch.StartNew();
            while (total.Elapsed < perSize)
            {
                var t0 = Stopwatch.GetTimestamp();
                using var frame = ImageDecoding.Decode(jpeg);
                var t1 = Stopwatch.GetTimestamp();
                faces = detector.Detect(frame).Count;
                var t2 = Stopwatch.GetTimestamp();
                decodeTicks += t1 - t0;
                detectTicks += t2 - t1;
                frames++;
            }
            var decodeMs = decodeTicks * 1000.0 / Stopwatch.Frequency / frames;
            var detectMs = detectTicks * 1000.0 / Stopwatch.Frequency / frames;
            yield return FormattableString.Invariant($"{width}x{height,-5}  {decodeMs,9:0.00}  {detectMs,9:0.00}  {1000 / (decodeMs + detectMs),30:0.0}  {faces,5}");
        }
    }

    private static byte[] Encode(SKBitmap source, int width, int height)
    {
        using var scaled = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(scaled))
        using (var image = SKImage.FromBitmap(source))
        {
            canvas.DrawImage(image, SKRect.Create(width, height), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }
        using var data = scaled.Encode(SKEncodedImageFormat.Jpeg, 85);
        return data.ToArray();
    }

    /// <summary>Gradients and noise: costs a JPEG decoder about what a camera picture does.</summary>
    private static SKBitmap Synthetic()
    {
        var bitmap = new SKBitmap(new SKImageInfo(1280, 720, SKColorType.Rgba8888, SKAlphaType.Premul));
        var random = new Random(7);
        var pixels = bitmap.GetPixelSpan();
        for (var i = 0; i < pixels.Length; i += 4)
        {
            var p = i / 4;
            pixels[i] = (byte)((p % 1280) / 5 + random.Next(24));
            pixels[i + 1] = (byte)((p / 1280) / 3 + random.Next(24));
            pixels[i + 2] = (byte)random.Next(256);
            pixels[i + 3] = 255;
        }
        return bitmap;
    }
}
