using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Detection;
using SkiaSharp;

namespace NextGenCrm.EdgeAgent.Tests;

public sealed class DetectionTests : IDisposable
{
    private readonly BlazeFaceDetector _detector = new(new DetectionOptions { ModelPath = TestImages.ModelPath, ScoreThreshold = 0.5f, MinFaceSize = 40 });

    public static TheoryData<string, int> Photos => new() { { "sample1.jpg", 1 }, { "sample2.jpg", 1 }, { "sample3.jpg", 2 }, { "sample4.jpg", 1 }, { "sample5.jpg", 1 }, { "sample6.jpg", 3 } };

    [Theory]
    [MemberData(nameof(Photos))]
    public void Faces_in_real_photographs_are_found_with_plausible_boxes(string photo, int atLeast)
    {
        using var bitmap = ImageDecoding.Decode(File.ReadAllBytes(TestImages.Photo(photo)));

        var faces = _detector.Detect(bitmap);

        Assert.True(faces.Count >= atLeast, $"{photo}: {faces.Count} faces, expected at least {atLeast}");
        Assert.All(faces, f =>
        {
            Assert.InRange(f.X, 0, bitmap.Width);
            Assert.InRange(f.Y, 0, bitmap.Height);
            Assert.InRange(f.Right, 0, bitmap.Width);
            Assert.InRange(f.Bottom, 0, bitmap.Height);
            // A face in these group photos is 5-40 % of the picture's width and roughly square.
            Assert.InRange(f.Width, bitmap.Width * 0.05f, bitmap.Width * 0.4f);
            Assert.InRange(f.Width / f.Height, 0.7f, 1.4f);
            Assert.InRange(f.Score, 0.5f, 1f);
        });
    }

    [Fact]
    public void Every_face_found_is_on_a_person_and_most_people_are_found()
    {
        // Face centres read off the photographs by eye (pixels of the 1920-wide originals).
        var people = new Dictionary<string, (float X, float Y)[]>
        {
            ["sample3.jpg"] = [(704, 480), (1212, 380), (1600, 400)],
            ["sample6.jpg"] = [(352, 648), (752, 496), (1288, 508), (1568, 428)],
        };
        foreach (var (photo, centres) in people)
        {
            using var bitmap = ImageDecoding.Decode(File.ReadAllBytes(TestImages.Photo(photo)));
            var faces = _detector.Detect(bitmap);

            bool Near(FaceBox f, (float X, float Y) c) => MathF.Abs(f.CentreX - c.X) < f.Width / 2 && MathF.Abs(f.CentreY - c.Y) < f.Height / 2;
            Assert.All(faces, f => Assert.Contains(centres, c => Near(f, c)));
            var found = centres.Count(c => faces.Any(f => Near(f, c)));
            Assert.True(found >= centres.Length - 1, $"{photo}: found {found} of {centres.Length} people");
        }
    }

    [Fact]
    public void A_face_at_camera_resolution_is_found_in_a_decoded_JPEG()
    {
        // What a 640x480 camera frame of the same scene gives: faces are ~90 px wide.
        using var frame = ImageDecoding.Decode(TestImages.Scaled(TestImages.Photo("sample3.jpg"), 640, 450));

        var faces = _detector.Detect(frame);

        Assert.NotEmpty(faces);
    }

    [Theory]
    [InlineData(0xFF, 0xFF, 0xFF)]
    [InlineData(0x00, 0x00, 0x00)]
    [InlineData(0x80, 0x80, 0x80)]
    [InlineData(0xC8, 0xA0, 0x8C)]
    public void A_blank_picture_has_no_face(byte r, byte g, byte b)
    {
        using var blank = TestImages.Filled(1280, 720, new SKColor(r, g, b));
        using var decoded = ImageDecoding.Decode(TestImages.Jpeg(blank));

        Assert.Empty(_detector.Detect(decoded));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Noise_has_no_face(int seed)
    {
        using var noise = TestImages.Noise(640, 480, seed);

        Assert.Empty(_detector.Detect(noise));
    }

    [Fact]
    public void A_face_crop_is_a_small_JPEG_around_the_face()
    {
        using var bitmap = ImageDecoding.Decode(File.ReadAllBytes(TestImages.Photo("sample3.jpg")));
        var face = _detector.Detect(bitmap)[0];

        var jpeg = FaceCrops.CropJpeg(bitmap, face, margin: 0.3f, maxSide: 320, quality: 90);

        Assert.InRange(jpeg.Length, 1024, 512 * 1024);
        using var crop = ImageDecoding.Decode(jpeg);
        Assert.InRange(crop.Width, 200, 320);
        Assert.InRange(crop.Height, 200, 320);
        // The crop is itself a face picture: the detector finds the face in it again.
        using var again = new BlazeFaceDetector(new DetectionOptions { ModelPath = TestImages.ModelPath, ScoreThreshold = 0.5f });
        Assert.Single(again.Detect(crop));
    }

    [Fact]
    public void A_model_with_the_wrong_checksum_is_refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            new BlazeFaceDetector(new DetectionOptions { ModelPath = TestImages.ModelPath, ModelSha256 = new string('0', 64) }));

        Assert.Contains("sha256", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _detector.Dispose();
}
