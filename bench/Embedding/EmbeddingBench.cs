using System.Diagnostics;
using System.Globalization;
using System.Text;
using NextGenCrm.FaceDetection;
using NextGenCrm.TestSupport;
using SkiaSharp;

namespace NextGenCrm.Bench.Embedding;

/// <summary>
/// The face embedder's speed and accuracy on the pictures this repository has: the 22 faces of the six
/// demo photographs (npm @vladmandic/face-api), each cut out, augmented (scale, crop shift, brightness,
/// JPEG quality, rotation), detected again and embedded as the edge agent does. Writes a markdown report.
/// </summary>
internal static class EmbeddingBench
{
    private const int Photos = 6;

    /// <summary>
    /// Crop sides in face widths: 1.6 is the face and 30 % around it, as the edge agent cuts the crops it
    /// sends (what an on-premises search would enrol from); 3 leaves the detector the context of a frame.
    /// </summary>
    private static readonly float[] CropSides = [1.6f, 3f];

    /// <summary>One way to change a face's picture, applied to a square crop around it.</summary>
    private sealed record Variant(string Name, string Group, float Scale = 1, float Crop = 1.6f, float ShiftX = 0, float ShiftY = 0, float Brightness = 1, int JpegQuality = 0, float Rotation = 0);

    private static readonly Variant[] Changes =
    [
        new("original crop", "original"),
        new("scale 0.5", "scale", Scale: 0.5f),
        new("scale 0.3", "scale", Scale: 0.3f),
        new("shift right 25 %", "crop shift", ShiftX: 0.25f),
        new("shift down 25 %", "crop shift", ShiftY: 0.25f),
        new("shift up-left 25 %", "crop shift", ShiftX: -0.25f, ShiftY: -0.25f),
        new("brightness x0.6", "brightness", Brightness: 0.6f),
        new("brightness x1.4", "brightness", Brightness: 1.4f),
        new("JPEG quality 30", "JPEG quality", JpegQuality: 30),
        new("JPEG quality 60", "JPEG quality", JpegQuality: 60),
        new("rotate +10 deg", "rotation", Rotation: 10),
        new("rotate -10 deg", "rotation", Rotation: -10),
        new("scale 0.5, JPEG 60, brightness x0.8, rotate 5 deg", "combined", Scale: 0.5f, Brightness: 0.8f, JpegQuality: 60, Rotation: 5),
    ];

    private static readonly Variant[] Variants = [.. CropSides.SelectMany(crop => Changes.Select(v => v with { Crop = crop, Name = $"{crop}x crop, {v.Name}" }))];

    private sealed record Sample(int Face, string Photo, Variant Variant, float[] Descriptor, float FaceWidth);

    public static int Run(FileInfo report, double seconds, IReadOnlyDictionary<int, int>? identities, DirectoryInfo? chipsFolder, string command)
    {
        using var detector = new BlazeFaceDetector(new FaceDetectorOptions { Threads = 1 });
        using var embedder = new FaceEmbedder(new FaceEmbedderOptions { Threads = 1 });
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine("# Face embeddings: speed and accuracy").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Regenerate: `{command}` (pinned to one core with taskset). {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores visible, {Cpu()}.").AppendLine();

        // The faces of the photographs, left to right in each.
        var photos = new List<(string Name, SKBitmap Bitmap, FaceBox[] Faces)>();
        for (var i = 1; i <= Photos; i++)
        {
            var name = $"sample{i}.jpg";
            var bitmap = ImageDecoding.Decode(File.ReadAllBytes(DemoPhotos.Photo(name)));
            photos.Add((name, bitmap, detector.Detect(bitmap).OrderBy(f => f.X).ToArray()));
        }
        var faces = photos.SelectMany(p => p.Faces.Select(f => (p.Name, p.Bitmap, Face: f))).ToArray();

        if (chipsFolder is not null)
        {
            // The aligned chips, to look at.
            chipsFolder.Create();
            for (var f = 0; f < faces.Length; f++)
            {
                using var chip = FaceAlignment.Align(faces[f].Bitmap, faces[f].Face);
                using var png = chip.Encode(SKEncodedImageFormat.Png, 100);
                File.WriteAllBytes(Path.Combine(chipsFolder.FullName, $"face{f:D2}.png"), png.ToArray());
            }
        }

        // Speed: alignment + embedding of one face, one thread.
        var (alignMs, embedMs, count) = Speed(embedder, faces.Select(f => (f.Bitmap, f.Face)).ToArray(), TimeSpan.FromSeconds(seconds));
        text.AppendLine("## Speed (one core)").AppendLine();
        text.AppendLine("| step | ms per face |").AppendLine("|---|---:|");
        text.AppendLine(inv, $"| alignment (similarity transform from 4 BlazeFace keypoints, 150x150 chip) | {alignMs:F2} |");
        text.AppendLine(inv, $"| embedding (dlib ResNet on ONNX Runtime, 1 intra-op thread) | {embedMs:F2} |");
        text.AppendLine(inv, $"| **alignment + embedding** | **{alignMs + embedMs:F2}** |").AppendLine();
        text.AppendLine(inv, $"{count} faces timed over {seconds:F0} s, each of the 22 demo faces in turn (faces 150-250 px wide in 1920x1080 photographs); detection not included (bench-detect measures it).").AppendLine();

        // Accuracy: every face under every variant, detected again and embedded.
        var samples = new List<Sample>();
        var missed = new List<string>();
        for (var f = 0; f < faces.Length; f++)
        {
            foreach (var variant in Variants)
            {
                var descriptor = EmbedVariant(detector, embedder, faces[f].Bitmap, faces[f].Face, variant, out var width);
                if (descriptor is null)
                {
                    missed.Add($"face {f} ({faces[f].Name}), {variant.Name}");
                    continue;
                }
                samples.Add(new Sample(f, faces[f].Name, variant, descriptor, width));
            }
        }
        // The network's own (not normalised) descriptors: their length, to relate dlib's 0.6 Euclidean threshold to cosine distances.
        var rawNorms = faces.Select(f =>
        {
            using var chip = FaceAlignment.Align(f.Bitmap, f.Face);
            var rgb = new byte[FaceAlignment.ChipSize * FaceAlignment.ChipSize * 3];
            FaceEmbedder.ChipRgb(chip, rgb);
            var raw = embedder.EmbedRaw(rgb, 1)[0];
            return MathF.Sqrt(raw.Sum(x => x * x));
        }).ToArray();

        // Who is who: each face its own person unless told otherwise.
        int Person(int face) => identities is not null && identities.TryGetValue(face, out var p) ? p : face;
        var people = faces.Select((_, i) => Person(i)).Distinct().Count();

        // The closest pairs of faces from different photographs, to see whether anyone appears twice.
        var originals = samples.Where(s => s.Variant.Group == "original" && s.Variant.Crop == CropSides[^1]).ToArray();
        var crossPhoto = (from a in originals from b in originals
                          where a.Face < b.Face && a.Photo != b.Photo
                          select (a, b, d: FaceEmbedder.CosineDistance(a.Descriptor, b.Descriptor))).OrderBy(x => x.d).Take(6).ToArray();

        var same = new List<float>();
        var different = new List<float>();
        var sameByGroup = new Dictionary<string, List<float>>();
        for (var i = 0; i < samples.Count; i++)
        {
            for (var j = i + 1; j < samples.Count; j++)
            {
                var d = FaceEmbedder.CosineDistance(samples[i].Descriptor, samples[j].Descriptor);
                if (Person(samples[i].Face) == Person(samples[j].Face))
                {
                    same.Add(d);
                    // Per augmentation: the original crop against each variant of the same face.
                    if (samples[i].Face == samples[j].Face && samples[i].Variant.Group == "original")
                    {
                        var group = samples[i].Variant.Crop == samples[j].Variant.Crop ? samples[j].Variant.Group
                            : samples[j].Variant.Group == "original" ? "crop size (1.6 vs 3 face widths)" : null;
                        if (group is not null)
                        {
                            (sameByGroup.TryGetValue(group, out var list) ? list : sameByGroup[group] = []).Add(d);
                        }
                    }
                }
                else
                {
                    different.Add(d);
                }
            }
        }
        same.Sort();
        different.Sort();

        text.AppendLine("## Accuracy").AppendLine();
        text.AppendLine(inv, $"**The set**: the 6 demo photographs, {faces.Length} faces, {people} different people{(people == faces.Length ? " as far as anyone can tell: every face is counted as its own person. All 22 are young women, several of similar looks; by eye no one clearly appears in two photographs, but the closest cross-photograph pair below (faces 2 and 7) might be one woman: counted as two, which, if wrong, makes the false-match figures pessimistic" : "")}. Each face cut out (squares of {string.Join(" and ", CropSides)} face widths) and changed in {Changes.Length - 1} ways, then detected again and embedded as the edge agent does: {samples.Count} descriptors{(missed.Count > 0 ? $" ({missed.Count} variants where the detector found no face: {string.Join("; ", missed)})" : "")}. Distance: cosine distance (1 - cos) of the L2-normalised descriptors.").AppendLine();
        text.AppendLine(inv, $"**What it can and cannot say**: {same.Count:N0} same-person pairs and {different.Count:N0} different-person pairs, but the same-person pairs are one photograph of a person under augmentations, not two photographs taken on different days, and the different-person pairs come from only {people * (people - 1) / 2} pairs of people. So the rates below measure robustness to the camera's changes (scale, framing, light, compression, tilt) and separation among these 22 people; they are far too few people for a false-match rate below about 1 in 200 pairs of people to mean anything. dlib reports 99.38 % on LFW for this network with its own alignment.").AppendLine();

        text.AppendLine("Same face, original crop against each change:").AppendLine();
        text.AppendLine("| change | pairs | median | max |").AppendLine("|---|---:|---:|---:|");
        foreach (var (group, list) in sameByGroup.OrderBy(g => (uint)Array.FindIndex(Changes, v => v.Group == g.Key)))
        {
            list.Sort();
            text.AppendLine(inv, $"| {group} | {list.Count} | {Quantile(list, 0.5):F3} | {list[^1]:F3} |");
        }
        text.AppendLine();

        text.AppendLine("Distributions:").AppendLine();
        text.AppendLine("| pairs | count | min | 1 % | 5 % | median | 95 % | 99 % | max |").AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, list) in new[] { ("same person", same), ("different people", different) })
        {
            text.AppendLine(inv, $"| {name} | {list.Count:N0} | {list[0]:F3} | {Quantile(list, 0.01):F3} | {Quantile(list, 0.05):F3} | {Quantile(list, 0.5):F3} | {Quantile(list, 0.95):F3} | {Quantile(list, 0.99):F3} | {list[^1]:F3} |");
        }
        text.AppendLine();

        text.AppendLine("Closest faces from different photographs (to find anyone who appears twice):").AppendLine();
        foreach (var (a, b, d) in crossPhoto)
        {
            text.AppendLine(inv, $"- face {a.Face} ({a.Photo}) and face {b.Face} ({b.Photo}): {d:F3}{(Person(a.Face) == Person(b.Face) ? " (same person)" : "")}");
        }
        text.AppendLine();

        // Rates at candidate thresholds: a match is a distance below the threshold.
        var chosen = ChooseThreshold(same, different);
        var equalError = EqualError(same, different);
        text.AppendLine("False-match rate (different people's pairs under the threshold) and false-non-match rate (same person's pairs at or over it):").AppendLine();
        text.AppendLine("| threshold (cosine distance) | false matches | FMR | false non-matches | FNMR |").AppendLine("|---:|---:|---:|---:|---:|");
        var thresholds = new SortedSet<float> { 0.03f, 0.04f, 0.05f, 0.06f, 0.07f, 0.08f, 0.10f, 0.12f, chosen, equalError };
        foreach (var t in thresholds)
        {
            var fm = different.Count(d => d < t);
            var fnm = same.Count(d => d >= t);
            var mark = t == chosen ? " **(chosen)**" : t == equalError ? " (equal error)" : "";
            text.AppendLine(inv, $"| {t:F3}{mark} | {fm:N0} | {(double)fm / different.Count:P2} | {fnm:N0} | {(double)fnm / same.Count:P2} |");
        }
        text.AppendLine();
        text.AppendLine(inv, $"**Chosen threshold: cosine distance < {chosen:F3}** (Euclidean {MathF.Sqrt(2 * chosen):F3} between the normalised descriptors): the largest whose false-match rate here is at most {MaxFalseMatchRate:P1}, since a false match costs more than a missed one (re-identification would merge two people's visits, a search would greet the wrong customer; a miss costs one more face search or one more stranger visit). The equal-error point is {equalError:F3}.").AppendLine();

        var norm = rawNorms.Average();
        text.AppendLine(inv, $"For reference: the network's raw descriptors (before normalising) are {rawNorms.Min():F3}-{rawNorms.Max():F3} long (mean {norm:F3}) on these faces, so dlib's usual rule (Euclidean distance of raw descriptors < 0.6) is about a cosine distance < {0.36 / (2 * norm * norm):F3} here.").AppendLine();

        report.Directory?.Create();
        File.WriteAllText(report.FullName, text.ToString());
        Console.Write(text.ToString());
        foreach (var p in photos)
        {
            p.Bitmap.Dispose();
        }
        return 0;
    }

    /// <summary>The false-match rate the chosen threshold may reach: a false match costs more than a missed one here.</summary>
    private const double MaxFalseMatchRate = 0.002;

    /// <summary>The largest threshold (in steps of 0.001) whose false-match rate is at most <see cref="MaxFalseMatchRate"/>.</summary>
    private static float ChooseThreshold(List<float> same, List<float> different)
    {
        var chosen = 0f;
        for (var t = 0.001f; t < 0.5f; t += 0.001f)
        {
            if ((double)different.Count(d => d < t) / different.Count > MaxFalseMatchRate)
            {
                break;
            }
            chosen = t;
        }
        return MathF.Round(chosen, 3);
    }

    /// <summary>The threshold where the false-non-match rate comes down to the false-match rate.</summary>
    private static float EqualError(List<float> same, List<float> different)
    {
        var best = 0f;
        var bestGap = double.MaxValue;
        for (var t = 0.001f; t < 0.5f; t += 0.001f)
        {
            var fmr = (double)different.Count(d => d < t) / different.Count;
            var fnmr = (double)same.Count(d => d >= t) / same.Count;
            if (Math.Abs(fmr - fnmr) < bestGap)
            {
                bestGap = Math.Abs(fmr - fnmr);
                best = t;
            }
        }
        return MathF.Round(best, 3);
    }

    private static float Quantile(List<float> sorted, double q) => sorted[(int)Math.Clamp(Math.Round(q * (sorted.Count - 1)), 0, sorted.Count - 1)];

    private static (double AlignMs, double EmbedMs, int Count) Speed(FaceEmbedder embedder, (SKBitmap Bitmap, FaceBox Face)[] faces, TimeSpan duration)
    {
        // Warm up.
        foreach (var (bitmap, face) in faces)
        {
            embedder.Embed(bitmap, face);
        }
        var align = new Stopwatch();
        var embed = new Stopwatch();
        var count = 0;
        var wall = Stopwatch.StartNew();
        while (wall.Elapsed < duration)
        {
            var (bitmap, face) = faces[count % faces.Length];
            align.Start();
            using var chip = FaceAlignment.Align(bitmap, face);
            align.Stop();
            embed.Start();
            embedder.EmbedChip(chip);
            embed.Stop();
            count++;
        }
        return (align.Elapsed.TotalMilliseconds / count, embed.Elapsed.TotalMilliseconds / count, count);
    }

    /// <summary>The face's crop changed by the variant, the face detected in it again (the one nearest the expected centre) and embedded.</summary>
    private static float[]? EmbedVariant(BlazeFaceDetector detector, FaceEmbedder embedder, SKBitmap photo, FaceBox face, Variant v, out float faceWidth)
    {
        faceWidth = 0;
        var side = face.Width * v.Crop;
        var outSide = Math.Max(32, (int)MathF.Round(side * v.Scale));
        var scale = outSide / side;
        // Crop centre moves by the shift (in face widths): the face moves the other way in the crop.
        var cx = face.CentreX + (v.ShiftX * face.Width);
        var cy = face.CentreY + (v.ShiftY * face.Width);
        using var crop = new SKBitmap(new SKImageInfo(outSide, outSide, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(crop))
        {
            canvas.Clear(SKColors.Black);
            // photo -> crop: translate the crop centre to the origin, rotate, scale, move to the crop's centre.
            var matrix = SKMatrix.CreateTranslation(-cx, -cy)
                .PostConcat(SKMatrix.CreateRotationDegrees(v.Rotation))
                .PostConcat(SKMatrix.CreateScale(scale, scale))
                .PostConcat(SKMatrix.CreateTranslation(outSide / 2f, outSide / 2f));
            canvas.SetMatrix(matrix);
            using var pixmap = photo.PeekPixels();
            using var image = SKImage.FromPixels(pixmap);
            canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }
        if (v.Brightness != 1)
        {
            var pixels = crop.GetPixelSpan();
            for (var i = 0; i < pixels.Length; i += 4)
            {
                for (var c = 0; c < 3; c++)
                {
                    pixels[i + c] = (byte)Math.Clamp(MathF.Round(pixels[i + c] * v.Brightness), 0, 255);
                }
            }
        }
        SKBitmap picture = crop;
        SKBitmap? decoded = null;
        if (v.JpegQuality > 0)
        {
            using var data = crop.Encode(SKEncodedImageFormat.Jpeg, v.JpegQuality);
            decoded = ImageDecoding.Decode(data.ToArray());
            picture = decoded;
        }
        try
        {
            var expectedX = (outSide / 2f) - (v.ShiftX * face.Width * scale);
            var expectedY = (outSide / 2f) - (v.ShiftY * face.Width * scale);
            var found = detector.Detect(picture)
                .Where(f => MathF.Abs(f.CentreX - expectedX) < f.Width / 2 && MathF.Abs(f.CentreY - expectedY) < f.Height / 2)
                .OrderBy(f => MathF.Abs(f.CentreX - expectedX) + MathF.Abs(f.CentreY - expectedY))
                .ToArray();
            if (found.Length == 0)
            {
                return null;
            }
            faceWidth = found[0].Width;
            return embedder.Embed(picture, found[0]);
        }
        finally
        {
            decoded?.Dispose();
        }
    }

    private static string Cpu()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }
}
