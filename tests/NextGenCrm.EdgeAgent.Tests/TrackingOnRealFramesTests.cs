using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Detection;
using NextGenCrm.EdgeAgent.Tracking;
using SkiaSharp;

namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>The tracker on what the detector really gives (boxes and keypoints that jitter), not on made-up boxes.</summary>
public sealed class TrackingOnRealFramesTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);
    private readonly BlazeFaceDetector _detector = new(new DetectionOptions { ModelPath = TestImages.ModelPath });

    [Fact]
    public void Two_real_faces_that_walk_up_and_stop_next_to_each_other_keep_their_track_ids()
    {
        // A near face (110 px, from sample6) and a farther one (75 px, from sample3) walk towards each
        // other at 60 px a frame (2 fps) on a 1080p wall, stand 3 s side by side with their boxes touching,
        // and walk back. On the first frame they stand, each one's motion predicts the other's place.
        using var near = Cut("sample6.jpg", SKRect.Create(1151, 352, 230, 230), 110);
        using var far = Cut("sample3.jpg", SKRect.Create(1066, 258, 247, 247), 85);
        var tracker = new FaceTracker(new TrackingOptions { FirstSightingAfter = TimeSpan.Zero }, "t-");
        var nearIds = new List<string>();
        var farIds = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var walked = i < 4 ? i : i < 10 ? 3 : 12 - i;
            float a = 600 + (60 * walked), b = 1070 - (60 * walked); // standing: centres 110 px apart, faces 15 px apart
            using var frame = TestImages.Filled(1920, 1080, new SKColor(0x6E, 0x6A, 0x64));
            using (var canvas = new SKCanvas(frame))
            {
                canvas.DrawImage(far.Image, b - (far.Side / 2), 540 - (far.Side / 2), SKSamplingOptions.Default);
                canvas.DrawImage(near.Image, a - (near.Side / 2), 540 - (near.Side / 2), SKSamplingOptions.Default);
            }

            var faces = _detector.Detect(frame);
            var tracked = tracker.Update(faces, Start.AddSeconds(i * 0.5));

            Assert.Equal(2, tracked.Count);
            nearIds.Add(tracked.MinBy(f => MathF.Abs(f.Box.CentreX - a) + MathF.Abs(f.Box.Width - 110)).TrackId);
            farIds.Add(tracked.MinBy(f => MathF.Abs(f.Box.CentreX - b) + MathF.Abs(f.Box.Width - 75)).TrackId);
        }

        Assert.Single(nearIds.Distinct());
        Assert.Single(farIds.Distinct());
        Assert.NotEqual(nearIds[0], farIds[0]);
    }

    /// <summary>The face cut from a photo with a little room around it, scaled so the face is faceWidth wide.</summary>
    private static FacePicture Cut(string photo, SKRect face, float faceWidth)
    {
        using var bitmap = ImageDecoding.Decode(File.ReadAllBytes(TestImages.Photo(photo)));
        var source = SKRect.Inflate(face, face.Width * 0.1f, face.Height * 0.1f);
        var side = (int)(source.Width * faceWidth / face.Width);
        using var surface = SKSurface.Create(new SKImageInfo(side, side));
        using (var image = SKImage.FromBitmap(bitmap))
        {
            surface.Canvas.DrawImage(image, source, SKRect.Create(side, side), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }
        return new FacePicture(surface.Snapshot(), side);
    }

    private sealed record FacePicture(SKImage Image, int Side) : IDisposable
    {
        public void Dispose() => Image.Dispose();
    }

    public void Dispose() => _detector.Dispose();
}
