using System.Globalization;
using System.Security;
using System.Text;
using NextGenCrm.Bench.Scenarios;

namespace NextGenCrm.Bench.Reporting;

/// <summary>
/// The report's chart, written as SVG text: left, each figure with a target as a share of it (the
/// dashed line is the target; longer is better: measured ÷ target, or target ÷ measured where lower
/// is better); right, per-visit costs of both pipelines on a log scale.
/// </summary>
public static class SvgChart
{
    private const int RowHeight = 26;
    private const int PanelWidth = 640;
    private const int LabelWidth = 300;
    /// <summary>Room right of the longest bar for its value.</summary>
    private const int ValueWidth = 90;

    public static string Write(BenchResults results)
    {
        var goals = results.Figures.Where(f => !double.IsNaN(f.Goal) && f.Value > 0).ToList();
        var costs = results.VisitCosts.Where(c => c.Ours > 0 || c.PerFrame > 0).ToList();
        var rows = Math.Max(goals.Count, costs.Count * 2);
        var height = 80 + (rows * RowHeight);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{(PanelWidth * 2) + 40}" height="{height}" font-family="sans-serif" font-size="12">""").AppendLine();
        svg.AppendLine("""<rect width="100%" height="100%" fill="white"/>""");
        Text(svg, 10, 24, "Against the issue's targets (past the dashed line = met; capped at 2x)", 14, "bold");
        Text(svg, PanelWidth + 30, 24, "Per visit: ours (blue) vs per-frame design (orange), log scale", 14, "bold");

        var barMax = PanelWidth - LabelWidth - ValueWidth;
        var target = LabelWidth + (barMax / 2);
        svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{target}" y1="40" x2="{target}" y2="{height - 20}" stroke="black" stroke-dasharray="4 3"/>""").AppendLine();
        Text(svg, target - 14, height - 6, "target", 11);
        for (var i = 0; i < goals.Count; i++)
        {
            var f = goals[i];
            var share = f.LowerIsBetter ? f.Goal / f.Value : f.Value / f.Goal;
            var width = Math.Min(2, share) / 2 * barMax;
            var y = 44 + (i * RowHeight);
            Text(svg, 10, y + 14, Shorten(f.Name, 46), 12);
            svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{LabelWidth}" y="{y}" width="{width:F1}" height="18" fill="{(share >= 1 ? "#2e7d32" : "#c62828")}"/>""").AppendLine();
            Text(svg, LabelWidth + width + 4, y + 14, f.Formatted, 11);
        }

        var left = PanelWidth + 30;
        var logMax = Math.Log10(Math.Max(10, costs.Max(c => Math.Max(c.Ours, c.PerFrame)))) + 0.3;
        const double logMin = -1; // 0.1
        double X(double v) => v <= 0.1 ? 0 : (Math.Log10(v) - logMin) / (logMax - logMin) * barMax;
        for (var i = 0; i < costs.Count; i++)
        {
            var c = costs[i];
            var y = 44 + (i * RowHeight * 2);
            Text(svg, left, y + 14, Shorten(c.Name, 44), 12);
            svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{left + LabelWidth}" y="{y}" width="{X(c.Ours):F1}" height="11" fill="#1565c0"/>""").AppendLine();
            Text(svg, left + LabelWidth + X(c.Ours) + 4, y + 10, c.Ours.ToString("N2", CultureInfo.InvariantCulture), 10);
            svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{left + LabelWidth}" y="{y + 12}" width="{X(c.PerFrame):F1}" height="11" fill="#ef6c00"/>""").AppendLine();
            Text(svg, left + LabelWidth + X(c.PerFrame) + 4, y + 22, c.PerFrame.ToString("N2", CultureInfo.InvariantCulture), 10);
        }
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static void Text(StringBuilder svg, double x, double y, string text, int size, string weight = "normal") =>
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{x:F1}" y="{y:F1}" font-size="{size}" font-weight="{weight}">{SecurityElement.Escape(text)}</text>""").AppendLine();

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
