using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Detection;

namespace NextGenCrm.EdgeAgent.Tests.Recall;

/// <summary>The detection benchmark over the demo photographs and lobby-like frames made of them.</summary>
public sealed class DetectionRecallTests(ITestOutputHelper output)
{
    [Fact]
    public void The_benchmark_sets_hold_every_counted_face()
    {
        var sets = DetectionRecall.Sets().ToDictionary(s => s.Set, s => s.Frames.Sum(f => f.Faces.Count));

        Assert.Equal([22, 22, 15, 22], sets.Values);
        Assert.All(DetectionRecall.Sets().SelectMany(s => s.Frames).Where(f => f.Name.Contains('+', StringComparison.Ordinal)), f =>
            Assert.All(f.Faces, face => Assert.True(face.Left >= 0 && face.Right <= DetectionRecall.FrameWidth && face.Top >= 0 && face.Bottom <= DetectionRecall.FrameHeight)));
    }

    [Fact]
    public void Faces_found_and_extra_boxes_are_reported_per_set()
    {
        var options = new DetectionOptions { ModelPath = TestImages.ModelPath };
        using var detector = new BlazeFaceDetector(options);

        var scores = DetectionRecall.Sets().Select(s => DetectionRecall.Score(s.Set, s.Frames, detector.Detect)).ToList();

        Report($"short-range model, whole frame, score threshold {options.ScoreThreshold}", scores);
        Assert.Equal(4, scores.Count);
    }

    private void Report(string detector, List<RecallScore> scores)
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
        // Also beside the test binary, to be read without a test logger: bin/Debug/net10.0/detection-recall.md.
        File.WriteAllLines(Path.Combine(AppContext.BaseDirectory, "detection-recall.md"), report);
    }
}
