using System.Numerics.Tensors;
using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using SkiaSharp;

namespace NextGenCrm.FaceDetection;

/// <summary>The generated model file (tools/face-recognition-model, run by scripts/setup.d/face-recognition-model.sh).</summary>
public static class FaceEmbedderModel
{
    public const string FileName = "dlib_face_recognition_resnet.onnx";

    /// <summary>sha256 of the ONNX file FaceRecognitionModelBuilder writes from face-api 1.7.15's weights; also pinned in the setup step.</summary>
    public const string Sha256 = "78f5b264fee827f240ac12d7eb2ac5ebbf945b28d70baa9f314d9946c2123136";
}

/// <summary>
/// 128-d face descriptors at the edge: the dlib face recognition ResNet (public domain weights, via
/// @vladmandic/face-api) on ONNX Runtime, fed a chip aligned from BlazeFace's keypoints
/// (<see cref="FaceAlignment"/>). Descriptors are L2-normalised, so the cosine distance of two is
/// <c>1 - dot(a, b)</c> and their Euclidean distance is <c>sqrt(2 · cosine distance)</c>.
/// Thread-safe: one embedder serves every camera.
/// </summary>
public sealed class FaceEmbedder : IDisposable
{
    public const int DescriptorLength = 128;

    /// <summary>
    /// Two descriptors at a cosine distance under this are taken for one person: measured on the demo
    /// photographs and their augmentations, false matches 0.18 % and false non-matches 3.4 % of pairs
    /// (`bench -- embedding`, bench/results/embedding.md; README "Face descriptors").
    /// </summary>
    public const float MatchThreshold = 0.04f;

    private static readonly string[] InputNames = [FaceRecognitionModelBuilder.InputName];
    private static readonly string[] OutputNames = [FaceRecognitionModelBuilder.OutputName];

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();

    public FaceEmbedder(FaceEmbedderOptions? options = null)
    {
        options ??= new FaceEmbedderOptions();
        var path = ResolveModelPath(options);
        var expected = string.IsNullOrEmpty(options.ModelSha256) ? FaceEmbedderModel.Sha256 : options.ModelSha256;
        _session = PinnedOnnxModel.Open(path, expected, options.Threads, "Face recognition model {path} (run scripts/setup.sh to generate it again)");
    }

    /// <summary>The configured path, else the copy shipped next to the binary.</summary>
    public static string ResolveModelPath(FaceEmbedderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = string.IsNullOrWhiteSpace(options.ModelPath)
            ? Path.Combine(AppContext.BaseDirectory, "models", FaceEmbedderModel.FileName)
            : options.ModelPath;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"Face recognition model not found at {path}. Run scripts/setup.sh (it generates it from the pinned face-api weights and checks its sha256) " +
                "and rebuild, or set the model path.", path);
        }
        return path;
    }

    /// <summary>The L2-normalised descriptor of a detected face (it must carry the detector's keypoints).</summary>
    public float[] Embed(SKBitmap image, FaceBox face)
    {
        using var chip = FaceAlignment.Align(image, face);
        return EmbedChip(chip);
    }

    /// <summary>The L2-normalised descriptor of an aligned 150×150 chip.</summary>
    public float[] EmbedChip(SKBitmap chip)
    {
        ArgumentNullException.ThrowIfNull(chip);
        if (chip.Width != FaceAlignment.ChipSize || chip.Height != FaceAlignment.ChipSize)
        {
            throw new ArgumentException($"a chip is {FaceAlignment.ChipSize}x{FaceAlignment.ChipSize}, not {chip.Width}x{chip.Height}", nameof(chip));
        }
        var rgb = new byte[FaceAlignment.ChipSize * FaceAlignment.ChipSize * 3];
        ChipRgb(chip, rgb);
        var raw = EmbedRaw(rgb, 1)[0];
        Normalise(raw);
        return raw;
    }

    /// <summary>
    /// The network's raw (not normalised) descriptors of <paramref name="count"/> chips given as RGB bytes,
    /// 150×150×3 each, row by row: exactly what face-api's computeFaceDescriptor returns for them.
    /// </summary>
    public float[][] EmbedRaw(ReadOnlySpan<byte> rgb, int count)
    {
        const int chipValues = FaceAlignment.ChipSize * FaceAlignment.ChipSize * 3;
        if (count < 1 || rgb.Length != count * chipValues)
        {
            throw new ArgumentException($"expected {count} chips of {chipValues} bytes, got {rgb.Length} bytes", nameof(rgb));
        }
        var input = new float[rgb.Length];
        TensorPrimitives.ConvertChecked<byte, float>(rgb, input);
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [count, FaceAlignment.ChipSize, FaceAlignment.ChipSize, 3]);
        using var outputs = _session.Run(_runOptions, InputNames, [inputValue], OutputNames);
        var values = outputs[0].GetTensorDataAsSpan<float>();
        var result = new float[count][];
        for (var i = 0; i < count; i++)
        {
            result[i] = values.Slice(i * DescriptorLength, DescriptorLength).ToArray();
        }
        return result;
    }

    /// <summary>Copies a chip's RGB (alpha dropped) into <paramref name="rgb"/> (150·150·3 bytes).</summary>
    public static void ChipRgb(SKBitmap chip, Span<byte> rgb)
    {
        ArgumentNullException.ThrowIfNull(chip);
        if (chip.ColorType != SKColorType.Rgba8888)
        {
            throw new ArgumentException($"expected an Rgba8888 chip, got {chip.ColorType}", nameof(chip));
        }
        var pixels = chip.GetPixelSpan();
        for (int y = 0, t = 0; y < chip.Height; y++)
        {
            var row = pixels.Slice(y * chip.RowBytes, chip.Width * 4);
            for (var x = 0; x < chip.Width; x++, t += 3)
            {
                rgb[t] = row[x * 4];
                rgb[t + 1] = row[(x * 4) + 1];
                rgb[t + 2] = row[(x * 4) + 2];
            }
        }
    }

    /// <summary>Scales a vector to length 1 in place (a zero vector stays zero).</summary>
    public static void Normalise(Span<float> descriptor)
    {
        var norm = TensorPrimitives.Norm((ReadOnlySpan<float>)descriptor);
        if (norm > 0)
        {
            TensorPrimitives.Divide(descriptor, norm, descriptor);
        }
    }

    /// <summary>Cosine similarity of two descriptors (normalised or not), in [-1, 1].</summary>
    public static float CosineSimilarity(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.CosineSimilarity(a, b);

    /// <summary>Cosine distance, 1 - cosine similarity: 0 for the same direction; the match threshold is stated on this.</summary>
    public static float CosineDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => 1f - TensorPrimitives.CosineSimilarity(a, b);

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}
