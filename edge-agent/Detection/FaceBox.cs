namespace NextGenCrm.EdgeAgent.Detection;

/// <summary>A detected face in source-image pixels (top-left origin).</summary>
public readonly record struct FaceBox(float X, float Y, float Width, float Height, float Score)
{
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

    public FaceBox Offset(float dx, float dy) => this with { X = X + dx, Y = Y + dy };
}
