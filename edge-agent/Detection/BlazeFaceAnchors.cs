namespace NextGenCrm.EdgeAgent.Detection;

/// <summary>
/// BlazeFace front model (128×128) anchors: a 16×16 grid with 2 anchors per cell (stride 8), then an
/// 8×8 grid with 6 per cell (stride 16); each anchor is a cell centre in [0,1] input coordinates.
/// </summary>
internal static class BlazeFaceAnchors
{
    public const int InputSize = 128;
    public const int FineCount = 16 * 16 * 2;
    public const int CoarseCount = 8 * 8 * 6;

    public static readonly (float X, float Y)[] Fine = Build(16, 2);
    public static readonly (float X, float Y)[] Coarse = Build(8, 6);

    private static (float X, float Y)[] Build(int cells, int perCell)
    {
        var anchors = new (float X, float Y)[cells * cells * perCell];
        var i = 0;
        for (var y = 0; y < cells; y++)
        {
            for (var x = 0; x < cells; x++)
            {
                for (var k = 0; k < perCell; k++)
                {
                    anchors[i++] = ((x + 0.5f) / cells, (y + 0.5f) / cells);
                }
            }
        }
        return anchors;
    }
}
