using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Detection;
using SkiaSharp;

namespace NextGenCrm.EdgeAgent.Tests;

public sealed class DetectionTests : IDisposable
{
    // The agent's defaults: full-range model, whole frame and tiles, score threshold 0.75.
    private readonly BlazeFaceDetector _detector = new(new DetectionOptions { ModelPath = TestImages.ModelPath });

    /// <summary>Faces counted by eye (Recall/faces.json).</summary>
    public static TheoryData<string, int> Photos => new() { { "sample1.jpg", 3 }, { "sample2.jpg", 3 }, { "sample3.jpg", 3 }, { "sample4.jpg", 4 }, { "sample5.jpg", 5 }, { "sample6.jpg", 4 } };

    [Theory]
    [MemberData(nameof(Photos))]
    public void Every_face_in_real_photographs_is_found_with_a_plausible_box(string photo, int faceCount)
    {
        using var bitmap = ImageDecoding.Decode(File.ReadAllBytes(TestImages.Photo(photo)));

        var faces = _detector.Detect(bitmap);

        Assert.Equal(faceCount, faces.Count);
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
            Assert.True(found == centres.Length, $"{photo}: found {found} of {centres.Length} people");
        }
    }

    [Fact]
    public void The_six_keypoints_come_back_in_frame_pixels_on_the_face()
    {
        // sample3 at half size in the corner of a 1080p frame: the keypoints must follow the face there.
        using var photo = ImageDecoding.Decode(File.ReadAllBytes(TestImages.Photo("sample3.jpg")));
        using var frame = TestImages.Filled(1920, 1080, SKColors.Gray);
        using (var canvas = new SKCanvas(frame))
        using (var image = SKImage.FromBitmap(photo))
        {
            canvas.DrawImage(image, SKRect.Create(900, 400, 960, 675), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }

        var faces = _detector.Detect(frame);

        Assert.Equal(3, faces.Count);
        Assert.All(faces, f =>
        {
            var l = Assert.NotNull(f.Landmarks);
            Assert.True(f.X > 900 && f.Y > 400, $"face at ({f.X},{f.Y}) is outside the photo");
            foreach (var p in new[] { l.RightEye, l.LeftEye, l.Nose, l.Mouth })
            {
                Assert.InRange(p.X, f.X, f.Right);
                Assert.InRange(p.Y, f.Y, f.Bottom);
            }
            // Facing the camera: the person's right eye is on the picture's left, eyes above nose above mouth.
            Assert.True(l.RightEye.X < l.LeftEye.X);
            Assert.True(Math.Max(l.RightEye.Y, l.LeftEye.Y) < l.Mouth.Y && l.Nose.Y < l.Mouth.Y);
        });
    }

    [Fact]
    public void The_short_range_model_can_still_be_chosen()
    {
        using var shortRange = new BlazeFaceDetector(new DetectionOptions
        {
            Model = BlazeFaceModelKind.ShortRange, ModelPath = TestImages.Model(BlazeFaceModelKind.ShortRange), TileSide = 0,
        });
        using var frame = ImageDecoding.Decode(TestImages.Scaled(TestImages.Photo("sample3.jpg"), 640, 450));

        Assert.NotEmpty(shortRange.Detect(frame));
    }

    [Fact]
    public void A_face_at_camera_resolution_is_found_in_a_decoded_JPEG()
    {
        // What a 640x480 camera frame of the same scene gives: faces are 70-80 px wide.
        using var frame = ImageDecoding.Decode(TestImages.Scaled(TestImages.Photo("sample3.jpg"), 640, 450));

        var faces = _detector.Detect(frame);

        // 256 model pixels for 640 frame pixels: faces of 75 px are 30 there, near the model's limit; the
        // right-hand face, turned a little, is the one the 1080p lobby sets miss at the same scale too.
        Assert.InRange(faces.Count, 2, 3);
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
        Assert.Single(_detector.Detect(crop));
    }

    [Fact]
    public void A_model_with_the_wrong_checksum_is_refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            new BlazeFaceDetector(new DetectionOptions { ModelPath = TestImages.ModelPath, ModelSha256 = new string('0', 64) }));

        Assert.Contains("sha256", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_short_range_file_is_refused_where_the_full_range_model_is_configured()
    {
        // Each model is pinned by its own hash: a file swapped for the other model is not loaded.
        var error = Assert.Throws<InvalidOperationException>(() =>
            new BlazeFaceDetector(new DetectionOptions { Model = BlazeFaceModelKind.FullRange, ModelPath = TestImages.Model(BlazeFaceModelKind.ShortRange) }));

        Assert.Contains("sha256", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _detector.Dispose();
}
