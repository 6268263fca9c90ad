using SkiaSharp;

namespace NextGenCrm.FaceDetection;

/// <summary>
/// Finds faces anywhere in a frame with BlazeFace. The whole frame, letterboxed into the model's square
/// input, catches faces that fill a good part of it; a far face is a few pixels there, so the frame is
/// also scaled to <see cref="FaceDetectorOptions.TileSide"/> frame pixels per model input and cut into
/// overlapping tiles. Candidates from every view, in frame pixels, are merged by a score-weighted
/// average (MediaPipe's "weighted NMS"). Safe to share between cameras.
/// </summary>
public sealed class BlazeFaceDetector : IDisposable
{
    private const float MergeIoU = 0.3f;

    /// <summary>Tiles overlap by this share of their side, so a face cut by one tile's edge is whole in its neighbour.</summary>
    private const float TileOverlap = 0.25f;

    private readonly BlazeFaceModel _model;
    private readonly float _scoreThreshold;
    private readonly int _minFaceSize;
    private readonly int _tileSide;

    public BlazeFaceDetector(FaceDetectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _model = new BlazeFaceModel(options);
        _scoreThreshold = options.ScoreThreshold;
        _minFaceSize = options.MinFaceSize;
        _tileSide = options.TileSide;
    }

    /// <summary>The configured path, else the copy shipped next to the binary.</summary>
    public static string ResolveModelPath(FaceDetectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return BlazeFaceModel.ResolvePath(options.ModelPath, BlazeFaceModelInfo.For(options.Model));
    }

    /// <summary>Faces in frame pixels, clipped to the frame, best first.</summary>
    public IReadOnlyList<FaceBox> Detect(SKBitmap frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var size = _model.InputSize;
        var candidates = new List<FaceBox>();
        using var pixmap = frame.PeekPixels();
        using var image = SKImage.FromPixels(pixmap);

        // The whole frame in one input.
        var fit = (float)size / Math.Max(frame.Width, frame.Height);
        RunLevel(image, fit, candidates);

        // Overlapping tiles, when they see the frame finer than the whole-frame view does.
        if (_tileSide > 0)
        {
            var tileScale = (float)size / _tileSide;
            if (tileScale > fit * 1.5f)
            {
                RunLevel(image, Math.Min(1f, tileScale), candidates);
            }
        }

        var faces = new List<FaceBox>();
        foreach (var merged in WeightedMerge(candidates))
        {
            var x = Math.Max(0, merged.X);
            var y = Math.Max(0, merged.Y);
            var face = merged with { X = x, Y = y, Width = Math.Min(frame.Width, merged.Right) - x, Height = Math.Min(frame.Height, merged.Bottom) - y };
            if (face.Width >= _minFaceSize && face.Height >= _minFaceSize)
            {
                faces.Add(face);
            }
        }
        return faces;
    }

    /// <summary>Scales the frame once and runs the model on each square tile of it (one tile when it fits).</summary>
    private void RunLevel(SKImage frame, float scale, List<FaceBox> into)
    {
        var size = _model.InputSize;
        var width = Math.Max(1, (int)MathF.Round(frame.Width * scale));
        var height = Math.Max(1, (int)MathF.Round(frame.Height * scale));
        using var scaled = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(scaled))
        {
            canvas.DrawImage(frame, SKRect.Create(width, height), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }
        var scaleX = (float)frame.Width / width;
        var scaleY = (float)frame.Height / height;
        var input = new float[size * size * 3];
        var raw = new List<RawFace>();
        foreach (var left in Starts(width, size))
        {
            foreach (var top in Starts(height, size))
            {
                // A single view of the whole frame is centred (letterboxed) in the input; tiles start at its corner.
                var padX = width <= size ? (size - width) / 2 : 0;
                var padY = height <= size ? (size - height) / 2 : 0;
                Fill(scaled, left, top, padX, padY, size, input);
                raw.Clear();
                _model.Run(input, _scoreThreshold, raw);
                foreach (var face in raw)
                {
                    var x0 = face.CentreX - (face.Width / 2) - padX;
                    var y0 = face.CentreY - (face.Height / 2) - padY;
                    // A face cut by an inner tile edge is whole in the neighbouring tile: keep only that one.
                    if ((left > 0 && x0 < 0) || (top > 0 && y0 < 0)
                        || (left + size < width && x0 + face.Width > size) || (top + size < height && y0 + face.Height > size))
                    {
                        continue;
                    }
                    into.Add(new FaceBox((x0 + left) * scaleX, (y0 + top) * scaleY, face.Width * scaleX, face.Height * scaleY, face.Score)
                    {
                        Landmarks = ToFrame(face.Landmarks, left - padX, top - padY, scaleX, scaleY),
                    });
                }
            }
        }
    }

    private static FaceLandmarks ToFrame(FaceLandmarks l, float offsetX, float offsetY, float scaleX, float scaleY)
    {
        FacePoint T(FacePoint p) => new((p.X + offsetX) * scaleX, (p.Y + offsetY) * scaleY);
        return new(T(l.RightEye), T(l.LeftEye), T(l.Nose), T(l.Mouth), T(l.RightEar), T(l.LeftEar));
    }

    /// <summary>Tile origins along one side: evenly spread, overlapping by at least <see cref="TileOverlap"/>.</summary>
    private static IEnumerable<int> Starts(int length, int tile)
    {
        if (length <= tile)
        {
            yield return 0;
            yield break;
        }
        var step = tile * (1 - TileOverlap);
        var count = (int)MathF.Ceiling((length - tile) / step) + 1;
        for (var i = 0; i < count; i++)
        {
            yield return (int)MathF.Round((float)(length - tile) * i / (count - 1));
        }
    }

    /// <summary>Copies a tile of the scaled frame into the model input (RGB in [-1, 1]); outside the frame is black.</summary>
    private static void Fill(SKBitmap scaled, int left, int top, int padX, int padY, int size, float[] input)
    {
        Array.Fill(input, -1f);
        var pixels = scaled.GetPixelSpan();
        var rowBytes = scaled.RowBytes;
        var rows = Math.Min(size - padY, scaled.Height - top);
        var columns = Math.Min(size - padX, scaled.Width - left);
        for (var r = 0; r < rows; r++)
        {
            var source = pixels.Slice(((top + r) * rowBytes) + (left * 4), columns * 4);
            var target = input.AsSpan((((padY + r) * size) + padX) * 3, columns * 3);
            for (int c = 0, s = 0, t = 0; c < columns; c++, s += 4, t += 3)
            {
                target[t] = (source[s] / 127.5f) - 1f;
                target[t + 1] = (source[s + 1] / 127.5f) - 1f;
                target[t + 2] = (source[s + 2] / 127.5f) - 1f;
            }
        }
    }

    /// <summary>MediaPipe's "weighted NMS": overlapping candidates are averaged by score, not discarded.</summary>
    private static List<FaceBox> WeightedMerge(List<FaceBox> candidates)
    {
        candidates.Sort((a, b) => b.Score.CompareTo(a.Score));
        var merged = new List<FaceBox>();
        var used = new bool[candidates.Count];
        for (var i = 0; i < candidates.Count; i++)
        {
            if (used[i])
            {
                continue;
            }
            float sx = 0, sy = 0, sr = 0, sb = 0, total = 0;
            var points = new float[12];
            for (var j = i; j < candidates.Count; j++)
            {
                if (used[j] || FaceBox.IoU(candidates[i], candidates[j]) < MergeIoU)
                {
                    continue;
                }
                used[j] = true;
                var c = candidates[j];
                sx += c.X * c.Score;
                sy += c.Y * c.Score;
                sr += c.Right * c.Score;
                sb += c.Bottom * c.Score;
                total += c.Score;
                var l = c.Landmarks!.Value;
                ReadOnlySpan<FacePoint> ps = [l.RightEye, l.LeftEye, l.Nose, l.Mouth, l.RightEar, l.LeftEar];
                for (var k = 0; k < 6; k++)
                {
                    points[2 * k] += ps[k].X * c.Score;
                    points[(2 * k) + 1] += ps[k].Y * c.Score;
                }
            }
            FacePoint P(int k) => new(points[2 * k] / total, points[(2 * k) + 1] / total);
            merged.Add(new FaceBox(sx / total, sy / total, (sr - sx) / total, (sb - sy) / total, candidates[i].Score)
            {
                Landmarks = new FaceLandmarks(P(0), P(1), P(2), P(3), P(4), P(5)),
            });
        }
        return merged;
    }

    public void Dispose() => _model.Dispose();
}
