namespace NextGenCrm.FaceDetection;

/// <summary>A point in source-image pixels.</summary>
public readonly record struct FacePoint(float X, float Y);

/// <summary>
/// BlazeFace's six keypoints in source-image pixels. "Right" is the person's right, which appears on
/// the left of the picture when they face the camera.
/// </summary>
public readonly record struct FaceLandmarks(
    FacePoint RightEye, FacePoint LeftEye, FacePoint Nose, FacePoint Mouth, FacePoint RightEar, FacePoint LeftEar)
{
    public FaceLandmarks Transform(float scale, float dx, float dy)
    {
        FacePoint T(FacePoint p) => new((p.X * scale) + dx, (p.Y * scale) + dy);
        return new(T(RightEye), T(LeftEye), T(Nose), T(Mouth), T(RightEar), T(LeftEar));
    }
}

/// <summary>A detected face in source-image pixels (top-left origin), with its keypoints when the detector gives them.</summary>
public readonly record struct FaceBox(float X, float Y, float Width, float Height, float Score)
{
    public FaceLandmarks? Landmarks { get; init; }

    public float CentreX => X + (Width / 2);

    public float CentreY => Y + (Height / 2);

    public float Right => X + Width;

    public float Bottom => Y + Height;

    public static float IoU(in FaceBox a, in FaceBox b)
    {
        var w = Math.Min(a.Right, b.Right) - Math.Max(a.X, b.X);
        var h = Math.Min(a.Bottom, b.Bottom) - Math.Max(a.Y, b.Y);
        if (w <= 0 || h <= 0)
        {
            return 0;
        }
        var overlap = w * h;
        return overlap / ((a.Width * a.Height) + (b.Width * b.Height) - overlap);
    }

    public FaceBox Offset(float dx, float dy) => this with
    {
        X = X + dx,
        Y = Y + dy,
        Landmarks = Landmarks?.Transform(1, dx, dy),
    };
}
