using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.TestSupport;
using SkiaSharp;

namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>
/// The face embedder (dlib's ResNet generated as ONNX by scripts/setup.sh) against the package it comes
/// from: on the same aligned chips of every face in the demo photographs, face-api's own network, run by
/// node on the pinned package, gives the same descriptors.
/// </summary>
public sealed class FaceEmbedderTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Photos = ["sample1.jpg", "sample2.jpg", "sample3.jpg", "sample4.jpg", "sample5.jpg", "sample6.jpg"];

    private readonly BlazeFaceDetector _detector = new(new DetectionOptions { ModelPath = TestImages.ModelPath });
    private readonly FaceEmbedder _embedder = new();

    [Fact]
    public void Descriptors_agree_with_face_api_in_node_on_the_same_aligned_faces()
    {
        var chips = new List<byte[]>();
        foreach (var photo in Photos)
        {
            using var bitmap = ImageDecoding.Decode(File.ReadAllBytes(TestImages.Photo(photo)));
            foreach (var face in _detector.Detect(bitmap))
            {
                using var chip = FaceAlignment.Align(bitmap, face);
                var rgb = new byte[FaceAlignment.ChipSize * FaceAlignment.ChipSize * 3];
                FaceEmbedder.ChipRgb(chip, rgb);
                chips.Add(rgb);
            }
        }
        Assert.True(chips.Count >= 20, $"only {chips.Count} faces found in the demo photographs");
        var all = chips.SelectMany(c => c).ToArray();

        var ours = _embedder.EmbedRaw(all, chips.Count);
        var reference = FaceApiDescriptors(all);

        Assert.Equal(chips.Count, reference.Length);
        var similarities = ours.Zip(reference, (a, b) => FaceEmbedder.CosineSimilarity(a, b)).ToArray();
        var maxDifference = ours.Zip(reference, (a, b) => a.Zip(b, (x, y) => MathF.Abs(x - y)).Max()).Max();
        output.WriteLine($"{chips.Count} faces: cosine similarity to face-api min {similarities.Min():F7} (1 - min = {1 - similarities.Min():E1}), mean {similarities.Average():F7}; largest component difference {maxDifference:E2}");
        Assert.All(similarities, s => Assert.True(s >= 0.99f, $"cosine similarity {s} < 0.99"));
        // Not a tautology: different faces are far apart in both.
        Assert.True(FaceEmbedder.CosineSimilarity(ours[0], ours[^1]) < 0.95f);
    }

    [Fact]
    public void Descriptors_are_unit_length_and_the_same_face_at_another_scale_stays_close()
    {
        using var bitmap = ImageDecoding.Decode(File.ReadAllBytes(TestImages.Photo("sample1.jpg")));
        using var half = new SKBitmap(new SKImageInfo(bitmap.Width / 2, bitmap.Height / 2, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(half))
        using (var image = SKImage.FromBitmap(bitmap))
        {
            canvas.DrawImage(image, SKRect.Create(half.Width, half.Height), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }
        var full = _detector.Detect(bitmap).OrderBy(f => f.X).ToArray();
        var small = _detector.Detect(half).OrderBy(f => f.X).ToArray();
        Assert.Equal(full.Length, small.Length);

        var a = full.Select(f => _embedder.Embed(bitmap, f)).ToArray();
        var b = small.Select(f => _embedder.Embed(half, f)).ToArray();

        Assert.All(a.Concat(b), d =>
        {
            Assert.Equal(FaceEmbedder.DescriptorLength, d.Length);
            Assert.Equal(1f, MathF.Sqrt(d.Sum(x => x * x)), 3);
        });
        for (var i = 0; i < a.Length; i++)
        {
            var same = FaceEmbedder.CosineDistance(a[i], b[i]);
            var nearestOther = Enumerable.Range(0, b.Length).Where(j => j != i).Min(j => FaceEmbedder.CosineDistance(a[i], b[j]));
            output.WriteLine($"face {i}: same person at half scale {same:F3}, nearest other {nearestOther:F3}");
            Assert.True(same < FaceEmbedder.MatchThreshold, $"face {i}: {same} to itself at half scale");
            Assert.True(nearestOther >= FaceEmbedder.MatchThreshold, $"face {i}: {nearestOther} to someone else");
        }
    }

    [Fact]
    public void A_model_file_other_than_the_pinned_one_is_refused()
    {
        var original = FaceEmbedder.ResolveModelPath(new FaceEmbedderOptions());
        var changed = Path.Combine(Path.GetTempPath(), $"embedder-{Guid.NewGuid():N}.onnx");
        try
        {
            var bytes = File.ReadAllBytes(original);
            bytes[^1] ^= 1;
            File.WriteAllBytes(changed, bytes);

            var e = Assert.Throws<InvalidOperationException>(() => new FaceEmbedder(new FaceEmbedderOptions { ModelPath = changed }));

            Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(bytes)), e.Message);
            Assert.Contains("refusing", e.Message);
        }
        finally
        {
            File.Delete(changed);
        }
    }

    [Fact]
    public void A_face_without_keypoints_cannot_be_aligned()
    {
        using var bitmap = TestImages.Filled(200, 200, SKColors.Gray);

        Assert.Throws<ArgumentException>(() => _embedder.Embed(bitmap, new FaceBox(10, 10, 100, 100, 0.9f)));
    }

    /// <summary>face-api's FaceRecognitionNet in node, on the pinned package (tools/test-images/face-api-descriptors.cjs).</summary>
    private static float[][] FaceApiDescriptors(byte[] chips)
    {
        var input = Path.Combine(Path.GetTempPath(), $"chips-{Guid.NewGuid():N}.rgb");
        File.WriteAllBytes(input, chips);
        try
        {
            var start = new ProcessStartInfo("node")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(Path.Combine(RepositoryPaths.Tools("test-images"), "face-api-descriptors.cjs"));
            start.ArgumentList.Add(input);
            using var node = Process.Start(start)!;
            var stderr = node.StandardError.ReadToEndAsync();
            var stdout = node.StandardOutput.ReadToEnd();
            Assert.True(node.WaitForExit(TimeSpan.FromMinutes(5)), "face-api in node did not finish in 5 minutes");
            Assert.True(node.ExitCode == 0, $"face-api in node failed: {stderr.Result}");
            return JsonSerializer.Deserialize<float[][]>(stdout)!;
        }
        finally
        {
            File.Delete(input);
        }
    }

    public void Dispose()
    {
        _detector.Dispose();
        _embedder.Dispose();
    }
}

public sealed class EmbedCommandTests
{
    [Fact]
    public async Task Embed_prints_one_json_line_per_file_with_a_box_and_a_unit_descriptor_per_face()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(AgentProcess.AgentDll);
        start.ArgumentList.Add("embed");
        start.ArgumentList.Add(TestImages.Photo("sample1.jpg"));
        start.ArgumentList.Add(TestImages.Photo("sample4.jpg"));
        using var agent = Process.Start(start)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        var stderr = agent.StandardError.ReadToEndAsync(timeout.Token);
        var lines = (await agent.StandardOutput.ReadToEndAsync(timeout.Token)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        await agent.WaitForExitAsync(timeout.Token);
        Assert.True(agent.ExitCode == 0, await stderr);

        Assert.Equal(2, lines.Length);
        var files = lines.Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal("sample1.jpg", files[0].GetProperty("file").GetString());
        Assert.Equal("sample4.jpg", files[1].GetProperty("file").GetString());
        Assert.Equal(3, files[0].GetProperty("faces").GetArrayLength());
        Assert.Equal(4, files[1].GetProperty("faces").GetArrayLength());
        var descriptors = new List<float[]>();
        foreach (var face in files.SelectMany(f => f.GetProperty("faces").EnumerateArray()))
        {
            var box = face.GetProperty("box").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            Assert.Equal(4, box.Length);
            Assert.True(box[2] > 20 && box[3] > 20);
            var descriptor = face.GetProperty("descriptor").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            Assert.Equal(128, descriptor.Length);
            Assert.Equal(1f, MathF.Sqrt(descriptor.Sum(x => x * x)), 3);
            descriptors.Add(descriptor);
        }
        // Seven different faces: no two the same.
        for (var i = 0; i < descriptors.Count; i++)
        {
            for (var j = i + 1; j < descriptors.Count; j++)
            {
                Assert.True(FaceEmbedder.CosineDistance(descriptors[i], descriptors[j]) > 0.02f);
            }
        }
    }
}
