using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Detection;

namespace NextGenCrm.EdgeAgent.Tests.Recall;

/// <summary>
/// The detection benchmark over the demo photographs and lobby-like frames made of them, and the
/// floor it must not fall below: a face the agent does not see is a customer nobody greets.
/// </summary>
public sealed class DetectionRecallTests(ITestOutputHelper output)
{
    /// <summary>Measured 22/22, 22/22, 15/15 and 20/22 with the defaults (bench/results/detection.md).</summary>
    private const double RecallFloor = 0.9;

    [Fact]
    public void The_benchmark_sets_hold_every_counted_face()
    {
        var sets = DetectionRecall.Sets().ToDictionary(s => s.Set, s => s.Frames.Sum(f => f.Faces.Count));

        Assert.Equal([22, 22, 15, 22], sets.Values);
        Assert.All(DetectionRecall.Sets().SelectMany(s => s.Frames).Where(f => f.Name.Contains('+', StringComparison.Ordinal)), f =>
            Assert.All(f.Faces, face => Assert.True(face.Left >= 0 && face.Right <= DetectionRecall.FrameWidth && face.Top >= 0 && face.Bottom <= DetectionRecall.FrameHeight)));
    }

    [Fact]
    public void Nine_in_ten_faces_are_found_in_every_set_with_at_most_one_extra_box_in_a_frame()
    {
        var options = new DetectionOptions { ModelPath = TestImages.ModelPath };
        using var detector = new BlazeFaceDetector(options);

        var sets = DetectionRecall.Sets().ToList();
        var scores = sets.Select(s => DetectionRecall.Score(s.Set, s.Frames, detector.Detect)).ToList();

        Report($"{options.Model} model, tile side {options.TileSide}, score threshold {options.ScoreThreshold}", scores);
        // The frames too, for `edge-agent detect` and bench/edge-agent-one-core.sh: bin/Debug/net10.0/recall-frames/.
        var frames = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "recall-frames")).FullName;
        foreach (var frame in sets.SelectMany(s => s.Frames))
        {
            File.WriteAllBytes(Path.Combine(frames, frame.Name.Replace(".jpg", "", StringComparison.Ordinal).Replace(' ', '-') + ".jpg"), frame.Jpeg);
        }
        Assert.All(scores, s =>
        {
            Assert.True(s.Recall >= RecallFloor, $"{s.Set}: {s.Found} of {s.Faces} faces found, floor {RecallFloor:P0}");
            Assert.True(s.MostExtraInOneFrame <= 1, $"{s.Set}: {s.MostExtraInOneFrame} extra boxes in one frame");
        });
    }

    [Fact]
    public void The_short_range_model_on_the_whole_frame_is_measured_for_comparison()
    {
        var options = new DetectionOptions { Model = BlazeFaceModelKind.ShortRange, ModelPath = TestImages.Model(BlazeFaceModelKind.ShortRange), TileSide = 0 };
        using var detector = new BlazeFaceDetector(options);

        var scores = DetectionRecall.Sets().Select(s => DetectionRecall.Score(s.Set, s.Frames, detector.Detect)).ToList();

        Report($"{options.Model} model, whole frame only (the agent before issue 12), score threshold {options.ScoreThreshold}", scores, "detection-recall-short-range.md");
        // What the agent found before: a face had to fill a good part of the frame.
        Assert.Equal([5, 0, 0, 0], scores.Select(s => s.Found));
    }

    private void Report(string detector, List<RecallScore> scores, string file = "detection-recall.md")
    {
        var report = new List<string>
        {
            detector,
            "",
            "| set | frames | faces found | extra boxes | most extra in one frame |",
            "|---|---|---|---|---|",
        };
        report.AddRange(scores.Select(s => s.Row()));
        report.AddRange(scores.SelectMany(s => s.Misses).Select(m => $"- missed: {m}"));
        report.ForEach(output.WriteLine);
        // Also beside the test binary, to be read without a test logger: bin/Debug/net10.0/detection-recall*.md.
        File.WriteAllLines(Path.Combine(AppContext.BaseDirectory, file), report);
    }
}
