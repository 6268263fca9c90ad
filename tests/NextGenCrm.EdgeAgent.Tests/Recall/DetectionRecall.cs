using System.Globalization;
using System.Text.Json;
using NextGenCrm.EdgeAgent.Detection;
using SkiaSharp;

namespace NextGenCrm.EdgeAgent.Tests.Recall;

/// <summary>A camera frame made from the demo photographs, with the boxes of every face in it.</summary>
public sealed record RecallFrame(string Name, byte[] Jpeg, IReadOnlyList<SKRect> Faces);

/// <summary>Faces found, and boxes that are not faces, for one set of frames.</summary>
public sealed record RecallScore(string Set, int Frames, int Faces, int Found, int Extra, int MostExtraInOneFrame, IReadOnlyList<string> Misses)
{
    public double Recall => Faces == 0 ? 1 : (double)Found / Faces;

    public string Row() => string.Create(CultureInfo.InvariantCulture,
        $"| {Set} | {Frames} | {Found} / {Faces} ({Recall:P0}) | {Extra} | {MostExtraInOneFrame} |");
}

/// <summary>
/// The detection benchmark: the six demo photographs as they are, shrunk to half inside a 1920×1080
/// frame, two of them side by side as a lobby shot, and three side by side (faces 50–80 px, a lobby
/// seen from further away). The faces are those of faces.json, counted by eye.
/// </summary>
public static class DetectionRecall
{
    public const int FrameWidth = 1920;
    public const int FrameHeight = 1080;

    private static readonly SKColor Wall = new(0x6E, 0x6A, 0x64);

    public static IReadOnlyDictionary<string, IReadOnlyList<SKRect>> Truth { get; } = LoadTruth();

    public static IEnumerable<(string Set, IReadOnlyList<RecallFrame> Frames)> Sets()
    {
        var names = Truth.Keys.Order(StringComparer.Ordinal).ToArray();
        yield return ("photos (1920 wide)", [.. names.Select(Original)]);
        yield return ("half size in 1920x1080", [.. names.Select((n, i) => Composite($"{n} half", [n], 0.5f, i))]);
        yield return ("two side by side, 1920x1080", [Composite("sample1+2", ["sample1.jpg", "sample2.jpg"], 0.5f, 0), Composite("sample5+6", ["sample5.jpg", "sample6.jpg"], 0.5f, 0)]);
        yield return ("three side by side, 1920x1080", [Composite("sample1+2+3", ["sample1.jpg", "sample2.jpg", "sample3.jpg"], 1 / 3f, 0), Composite("sample4+5+6", ["sample4.jpg", "sample5.jpg", "sample6.jpg"], 1 / 3f, 0)]);
    }

    /// <summary>
    /// A detection finds a face when each one's centre lies inside the other's box; every face counts
    /// once, and a detection that finds no face not already found is an extra box.
    /// </summary>
    public static RecallScore Score(string set, IReadOnlyList<RecallFrame> frames, Func<SKBitmap, IReadOnlyList<FaceBox>> detect)
    {
        int faces = 0, found = 0, extra = 0, mostExtra = 0;
        var misses = new List<string>();
        foreach (var frame in frames)
        {
            using var bitmap = ImageDecoding.Decode(frame.Jpeg);
            var detections = detect(bitmap);
            var taken = new bool[frame.Faces.Count];
            var extraHere = 0;
            foreach (var d in detections.OrderByDescending(d => d.Score))
            {
                var box = SKRect.Create(d.X, d.Y, d.Width, d.Height);
                var match = -1;
                for (var f = 0; f < frame.Faces.Count && match < 0; f++)
                {
                    if (!taken[f] && box.Contains(frame.Faces[f].MidX, frame.Faces[f].MidY) && frame.Faces[f].Contains(box.MidX, box.MidY))
                    {
                        match = f;
                    }
                }
                if (match >= 0)
                {
                    taken[match] = true;
                }
                else
                {
                    extraHere++;
                }
            }
            faces += frame.Faces.Count;
            found += taken.Count(t => t);
            extra += extraHere;
            mostExtra = Math.Max(mostExtra, extraHere);
            misses.AddRange(frame.Faces.Where((_, i) => !taken[i]).Select(f => string.Create(CultureInfo.InvariantCulture, $"{frame.Name} face at ({f.MidX:0},{f.MidY:0}) {f.Width:0}px")));
        }
        return new RecallScore(set, frames.Count, faces, found, extra, mostExtra, misses);
    }

    private static RecallFrame Original(string name)
    {
        var bytes = File.ReadAllBytes(TestImages.Photo(name));
        return new RecallFrame(name, bytes, Truth[name]);
    }

    /// <summary>Photos scaled by the factor and laid side by side on a wall inside a 1920×1080 frame.</summary>
    private static RecallFrame Composite(string name, string[] photos, float scale, int index)
    {
        using var frame = TestImages.Filled(FrameWidth, FrameHeight, Wall);
        var faces = new List<SKRect>();
        using (var canvas = new SKCanvas(frame))
        {
            var sizes = photos.Select(p => { using var codec = SKCodec.Create(TestImages.Photo(p)); return (W: codec.Info.Width * scale, H: codec.Info.Height * scale); }).ToArray();
            var spare = FrameWidth - sizes.Sum(s => s.W);
            // A single photo wanders over the frame from one test frame to the next; several fill its width.
            var x = photos.Length == 1 ? spare * ((index * 0.37f) % 1) : spare / 2;
            for (var i = 0; i < photos.Length; i++)
            {
                var y = photos.Length == 1 ? (FrameHeight - sizes[i].H) * ((index * 0.61f) % 1) : (FrameHeight - sizes[i].H) / 2;
                using var photo = ImageDecoding.Decode(File.ReadAllBytes(TestImages.Photo(photos[i])));
                using var image = SKImage.FromBitmap(photo);
                canvas.DrawImage(image, SKRect.Create(x, y, sizes[i].W, sizes[i].H), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
                faces.AddRange(Truth[photos[i]].Select(f => SKRect.Create(x + (f.Left * scale), y + (f.Top * scale), f.Width * scale, f.Height * scale)));
                x += sizes[i].W;
            }
        }
        return new RecallFrame(name, TestImages.Jpeg(frame), faces);
    }

    private static Dictionary<string, IReadOnlyList<SKRect>> LoadTruth()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Recall", "faces.json")));
        return json.RootElement.GetProperty("photos").EnumerateObject().ToDictionary(
            p => p.Name,
            p => (IReadOnlyList<SKRect>)[.. p.Value.EnumerateArray().Select(b => SKRect.Create(b[0].GetSingle(), b[1].GetSingle(), b[2].GetSingle(), b[3].GetSingle()))],
            StringComparer.Ordinal);
    }
}
