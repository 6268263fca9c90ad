using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Detection;
using NextGenCrm.EdgeAgent.Tracking;
using SkiaSharp;

namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>The crop sent for a track is its best face so far; faces nobody could recognise are not searched.</summary>
public sealed class BestFaceTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);
    private static readonly DetectionOptions Detection = new() { ModelPath = TestImages.ModelPath };
    private readonly BlazeFaceDetector _detector = new(Detection);

    [Fact]
    public void A_track_sends_its_sharpest_face_of_the_first_second_not_its_first()
    {
        // Three people in view at 2 fps; the camera's focus hunts: blurred, sharp, blurred again.
        using var photo = ImageDecoding.Decode(File.ReadAllBytes(TestImages.Photo("sample3.jpg")));
        var sightings = new CameraSightings(Detection, new TrackingOptions { FirstSightingAfter = TimeSpan.FromSeconds(1) }, "t-");
        var sent = new List<SightingCrop>();
        float[] blur = [2.5f, 0, 1.5f];
        for (var i = 0; i < blur.Length; i++)
        {
            using var frame = Blurred(photo, blur[i]);
            sent.AddRange(sightings.Frame(frame, _detector.Detect(frame), Start.AddSeconds(i * 0.5)).Sightings);
        }

        Assert.Equal(3, sent.Count);
        Assert.All(sent, s => Assert.Equal(Start.AddSeconds(0.5), s.CapturedAt));
        Assert.Equal(3, sent.Select(s => s.TrackId).Distinct().Count());
        Assert.All(sent, s => Assert.True(s.Quality.Sharpness >= Detection.MinSharpness));
    }

    [Fact]
    public void Faces_too_blurred_to_recognise_are_tracked_but_not_searched_and_counted_when_they_leave()
    {
        // A camera frame of five people, so out of focus that no face measures sharp enough to search.
        using var photo = ImageDecoding.Decode(File.ReadAllBytes(TestImages.Photo("sample5.jpg")));
        using var small = Scaled(photo, 0.5f);
        using var blurred = Blurred(small, 2);
        using var empty = TestImages.Filled(small.Width, small.Height, SKColors.Gray);
        var tracking = new TrackingOptions { FirstSightingAfter = TimeSpan.FromSeconds(1), AbsenceTimeout = TimeSpan.FromSeconds(2) };
        var sightings = new CameraSightings(Detection, tracking, "t-");
        var sent = new List<SightingCrop>();
        var tracks = new HashSet<string>();
        var notSearched = new List<string>();

        for (var i = 0; i < 12; i++)
        {
            var frame = i < 6 ? blurred : empty; // three seconds in view, then gone
            var result = sightings.Frame(frame, _detector.Detect(frame), Start.AddSeconds(i * 0.5));
            sent.AddRange(result.Sightings);
            tracks.UnionWith(result.Faces.Select(f => f.TrackId));
            notSearched.AddRange(result.EndedNotSearched);
        }

        Assert.True(tracks.Count >= 3, $"{tracks.Count} faces tracked");
        Assert.Empty(sent);
        Assert.Equal(tracks.Order(), notSearched.Order());
        Assert.Equal(tracks.Count, sightings.TracksNotSearched);
    }

    [Fact]
    public void A_track_that_leaves_before_its_first_sighting_is_due_still_sends_its_best_face()
    {
        using var photo = ImageDecoding.Decode(File.ReadAllBytes(TestImages.Photo("sample3.jpg")));
        using var empty = TestImages.Filled(photo.Width, photo.Height, SKColors.Gray);
        var sightings = new CameraSightings(Detection, new TrackingOptions { FirstSightingAfter = TimeSpan.FromSeconds(1), AbsenceTimeout = TimeSpan.FromSeconds(2) }, "t-");

        var first = sightings.Frame(photo, _detector.Detect(photo), Start);
        var later = sightings.Frame(empty, [], Start.AddSeconds(3));

        Assert.Empty(first.Sightings);
        Assert.Equal(3, later.Sightings.Count);
        Assert.All(later.Sightings, s => Assert.Equal(Start, s.CapturedAt));
        Assert.Equal(0, sightings.TracksNotSearched);
    }

    [Fact]
    public void Sending_descriptors_a_sighting_carries_the_best_faces_descriptor_and_no_crop_and_a_face_without_one_is_not_sent()
    {
        using var photo = ImageDecoding.Decode(File.ReadAllBytes(TestImages.Photo("sample3.jpg")));
        using var empty = TestImages.Filled(photo.Width, photo.Height, SKColors.Gray);
        var tracking = new TrackingOptions { FirstSightingAfter = TimeSpan.FromSeconds(1), AbsenceTimeout = TimeSpan.FromSeconds(2) };
        var described = new CameraSightings(Detection, tracking, "t-", "door", describer: new ThumbnailDescriber(), sendDescriptors: true);
        var undescribed = new CameraSightings(Detection, tracking, "u-", "door", describer: new NoDescriptions(), sendDescriptors: true);
        var faces = _detector.Detect(photo);

        var sent = described.Frame(photo, faces, Start).Sightings.Concat(described.Frame(photo, faces, Start.AddSeconds(1.5)).Sightings).ToList();
        var notSent = undescribed.Frame(photo, faces, Start).Sightings.Concat(undescribed.Frame(photo, faces, Start.AddSeconds(1.5)).Sightings).ToList();
        var ended = undescribed.Frame(empty, [], Start.AddSeconds(4));

        Assert.Equal(3, sent.Count);
        Assert.All(sent, s => Assert.Empty(s.Crop));
        Assert.All(sent, s => Assert.Equal(128, s.Descriptor!.Length));
        Assert.Equal(3, sent.Select(s => string.Join(',', s.Descriptor!)).Distinct().Count());
        Assert.Empty(notSent);
        Assert.Empty(ended.Sightings);
        Assert.Equal(3, ended.EndedNotSearched.Count);
    }

    [Fact]
    public void Quality_prefers_a_large_sharp_frontal_face()
    {
        using var photo = ImageDecoding.Decode(File.ReadAllBytes(TestImages.Photo("sample6.jpg")));
        using var blurred = Blurred(photo, 3);
        var face = _detector.Detect(photo).OrderByDescending(f => FaceQuality.MeasureFrontal(f)).First();

        var sharp = FaceQuality.Measure(photo, face);
        var soft = FaceQuality.Measure(blurred, face);

        Assert.True(sharp.Score > soft.Score, $"sharp {sharp} vs blurred {soft}");
        Assert.True(sharp.Sharpness > 4 * soft.Sharpness, $"sharp {sharp.Sharpness} vs blurred {soft.Sharpness}");
        Assert.InRange(sharp.Frontal, 0.5f, 1f); // the most frontal face of the photo looks at the camera
    }

    private static SKBitmap Scaled(SKBitmap source, float scale)
    {
        var bitmap = new SKBitmap(new SKImageInfo((int)(source.Width * scale), (int)(source.Height * scale), SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        using var image = SKImage.FromBitmap(source);
        canvas.DrawImage(image, SKRect.Create(bitmap.Width, bitmap.Height), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        return bitmap;
    }

    private static SKBitmap Blurred(SKBitmap source, float sigma)
    {
        var bitmap = new SKBitmap(source.Info);
        using var canvas = new SKCanvas(bitmap);
        using var paint = new SKPaint { ImageFilter = sigma > 0 ? SKImageFilter.CreateBlur(sigma, sigma) : null };
        using var image = SKImage.FromBitmap(source);
        canvas.DrawImage(image, 0, 0, SKSamplingOptions.Default, paint);
        return bitmap;
    }

    public void Dispose() => _detector.Dispose();
}
