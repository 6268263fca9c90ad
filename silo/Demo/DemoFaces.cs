using NextGenCrm.FaceDetection;
using SkiaSharp;

namespace NextGenCrm.Silo.Demo;

/// <summary>
/// The demo's real faces (with <c>FaceSearch:Provider=OnPremises</c>): the 22 faces of the pinned demo photographs
/// (npm @vladmandic/face-api's demo/sample1–6.jpg, installed by scripts/setup.sh), each cut twice: the enrolment
/// crop (the face and 0.3 of its width around it, at most 320 px) and the camera crop (0.4 around it, at most
/// 240 px), so the silo recognises a person from another picture than the one they were enrolled with.
/// </summary>
public sealed class DemoFaces
{

    private DemoFaces(IReadOnlyList<byte[]> enrolment, IReadOnlyList<byte[]> camera)
    {
        Enrolment = enrolment;
        Camera = camera;
    }

    public IReadOnlyList<byte[]> Enrolment { get; }

    public IReadOnlyList<byte[]> Camera { get; }

    /// <param name="configured">Demo:PhotosFolder; empty = looked for beside the binary and in the repository.</param>
    public static DemoFaces Load(string configured)
    {
        var folder = configured is { Length: > 0 } ? configured : FindFolder()
            ?? throw new FileNotFoundException("The demo photographs were not found: run scripts/setup.sh, or set Demo:PhotosFolder.");
        using var detector = new BlazeFaceDetector(new FaceDetectorOptions());
        var enrolment = new List<byte[]>();
        var camera = new List<byte[]>();
        for (var i = 1; i <= 6; i++)
        {
            using var photo = ImageDecoding.Decode(File.ReadAllBytes(Path.Combine(folder, $"sample{i}.jpg")));
            foreach (var face in detector.Detect(photo).OrderBy(f => f.X))
            {
                enrolment.Add(Crop(photo, face, 0.3f, 320));
                camera.Add(Crop(photo, face, 0.4f, 240));
            }
        }
        return new DemoFaces(enrolment, camera);
    }

    private static string? FindFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tools", "test-images", "node_modules", "@vladmandic", "face-api", "demo");
            if (File.Exists(Path.Combine(candidate, "sample1.jpg")))
            {
                return candidate;
            }
        }
        return null;
    }

    private static byte[] Crop(SKBitmap photo, FaceBox face, float margin, int maxSide)
    {
        var m = face.Width * margin;
        var area = SKRectI.Round(new SKRect(face.X - m, face.Y - m, face.Right + m, face.Bottom + m));
        area.Intersect(SKRectI.Create(photo.Width, photo.Height));
        var scale = Math.Min(1f, (float)maxSide / Math.Max(area.Width, area.Height));
        using var crop = new SKBitmap(new SKImageInfo((int)(area.Width * scale), (int)(area.Height * scale), SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(crop))
        using (var image = SKImage.FromBitmap(photo))
        {
            canvas.DrawImage(image, area, SKRect.Create(crop.Width, crop.Height), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }
        using var data = crop.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }
}
