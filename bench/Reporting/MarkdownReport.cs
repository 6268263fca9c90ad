using System.Globalization;
using System.Text;
using NextGenCrm.Bench.Scenarios;

namespace NextGenCrm.Bench.Reporting;

public static class MarkdownReport
{
    public static string Write(BenchResults results, Machine machine, string command, TimeSpan wallTime, DateTimeOffset startedAt)
    {
        var md = new StringBuilder();
        md.AppendLine("# NextGenCrm benchmark");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Run `{command}` at {startedAt:yyyy-MM-dd HH:mm} UTC, {wallTime.TotalSeconds:N0} s wall time.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {machine.Cores} cores (`nproc`), {machine.Cpu}, {machine.Memory} RAM, {machine.Runtime}, {machine.Os}; load average at start {machine.LoadAverage:N2}.");
        md.AppendLine();
        md.AppendLine("The machine's cores are shared with other work, so absolute rates are noisy; compare ratios within this one run. Targets are the issue's, compared, not asserted. Load generator, silo(s) and fakes all share the same cores.");
        md.AppendLine();
        md.AppendLine("## The trace");
        md.AppendLine();
        foreach (var fact in results.TraceFacts)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {fact}");
        }
        md.AppendLine();
        md.AppendLine("## Per visit: ours vs the per-frame design (same trace, same fakes)");
        md.AppendLine();
        md.AppendLine("| per visit | ours | per-frame design | target | ours meets it |");
        md.AppendLine("|---|--:|--:|---|---|");
        foreach (var row in results.VisitCosts)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {row.Name} | {row.Ours:N2} | {row.PerFrame:N2} | {row.Target} | {Verdict(row.Met)} |");
        }
        md.AppendLine();
        md.AppendLine("## Throughput, latency, memory, scaling");
        md.AppendLine();
        md.AppendLine("| section | figure | measured | target | meets it | note |");
        md.AppendLine("|---|---|--:|---|---|---|");
        foreach (var f in results.Figures)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {f.Section} | {f.Name} | {f.Formatted} | {f.Target} | {Verdict(f.Met)} | {f.Note} |");
        }
        md.AppendLine();
        if (results.Notes.Count > 0)
        {
            md.AppendLine("## Notes");
            md.AppendLine();
            foreach (var note in results.Notes)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
            }
            md.AppendLine();
        }
        if (results.Missing.Count > 0)
        {
            md.AppendLine("## Not measured in this run");
            md.AppendLine();
            foreach (var missing in results.Missing)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {missing}");
            }
            md.AppendLine();
        }
        md.AppendLine("![chart](report.svg)");
        return md.ToString();
    }

    private static string Verdict(bool? met) => met switch { true => "yes", false => "**no**", null => "" };
}
