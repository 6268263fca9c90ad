using NextGenCrm.FaceDetection;
using SkiaSharp;

namespace NextGenCrm.TestSupport;

/// <summary>
/// Real pictures for the face search: crops of the 22 faces in the demo photographs (npm
/// @vladmandic/face-api, MIT, installed by scripts/setup.sh), cut as the edge agent cuts them, and
/// pictures that hold no face.
/// </summary>
public static class DemoPhotos
{
    private static readonly Lazy<IReadOnlyList<byte[]>> Faces = new(CutFaces);

    /// <summary>The <paramref name="index"/>-th face (0–21) as a JPEG crop: the face box and 30 % around it, at most 320 px.</summary>
    public static byte[] FaceCrop(int index) => Faces.Value[index];

    /// <summary>
    /// The same face crop with <paramref name="tag"/> in a JPEG comment: the same picture in other bytes, so
    /// the simulated search (which knows a face by its bytes) takes it for a person of its own.
    /// </summary>
    public static byte[] FaceCrop(int index, string tag)
    {
        var crop = FaceCrop(index);
        var comment = System.Text.Encoding.UTF8.GetBytes(tag);
        var length = comment.Length + 2;
        return [0xFF, 0xD8, 0xFF, 0xFE, (byte)(length >> 8), (byte)length, .. comment, .. crop.AsSpan(2)];
    }

    public static int FaceCount => Faces.Value.Count;

    private static readonly Lazy<IReadOnlyList<(string Photo, FaceBox Box)>> Boxes = new(FindFaces);

    /// <summary>
    /// The <paramref name="index"/>-th face cut another way: <paramref name="margin"/> of the face's width around it
    /// (0.3 for <see cref="FaceCrop(int)"/>), scaled to at most <paramref name="maxSide"/> pixels. Another crop and
    /// another scale of the same face: a different picture of the same person.
    /// </summary>
    public static byte[] FaceCrop(int index, float margin, int maxSide)
    {
        var (name, face) = Boxes.Value[index];
        using var photo = ImageDecoding.Decode(File.ReadAllBytes(Photo(name)));
        var m = face.Width * margin;
        var box = SKRectI.Round(new SKRect(face.X - m, face.Y - m, face.Right + m, face.Bottom + m));
        box.Intersect(SKRectI.Create(photo.Width, photo.Height));
        return Jpeg(photo, box, maxSide);
    }

    private static List<(string Photo, FaceBox Box)> FindFaces()
    {
        using var detector = new BlazeFaceDetector(new FaceDetectorOptions());
        var faces = new List<(string, FaceBox)>();
        for (var i = 1; i <= 6; i++)
        {
            using var photo = ImageDecoding.Decode(File.ReadAllBytes(Photo($"sample{i}.jpg")));
            faces.AddRange(detector.Detect(photo).OrderBy(f => f.X).Select(f => ($"sample{i}.jpg", f)));
        }
        return faces;
    }

    /// <summary>A photograph with no face in it: the lower middle of sample1.jpg (arms and clothes).</summary>
    public static byte[] WithoutFace()
    {
        using var photo = ImageDecoding.Decode(File.ReadAllBytes(Photo("sample1.jpg")));
        return Jpeg(photo, SKRectI.Create(640, photo.Height - 420, 640, 420));
    }

    /// <summary>A plain grey 200×200 JPEG.</summary>
    public static byte[] Grey()
    {
        using var bitmap = new SKBitmap(200, 200);
        bitmap.Erase(new SKColor(128, 128, 128));
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    public static string Photo(string name)
    {
        var path = Path.Combine(RepositoryPaths.Tools("test-images"), "node_modules", "@vladmandic", "face-api", "demo", name);
        return File.Exists(path) ? path : throw new FileNotFoundException("Run scripts/setup.sh to fetch the test photographs", path);
    }

    private static List<byte[]> CutFaces()
    {
        using var detector = new BlazeFaceDetector(new FaceDetectorOptions());
        var crops = new List<byte[]>();
        for (var i = 1; i <= 6; i++)
        {
            using var photo = ImageDecoding.Decode(File.ReadAllBytes(Photo($"sample{i}.jpg")));
            foreach (var face in detector.Detect(photo).OrderBy(f => f.X))
            {
                var margin = face.Width * 0.3f;
                var box = SKRectI.Round(new SKRect(face.X - margin, face.Y - margin, face.Right + margin, face.Bottom + margin));
                box.Intersect(SKRectI.Create(photo.Width, photo.Height));
                crops.Add(Jpeg(photo, box));
            }
        }
        return crops;
    }

    private static byte[] Jpeg(SKBitmap photo, SKRectI area, int maxSide = 320)
    {
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
