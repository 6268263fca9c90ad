namespace NextGenCrm.Bench.Scenarios;

/// <summary>One measured figure, its target from the issue (when it has one), and whether it met it.</summary>
public sealed record Figure(string Section, string Name, double Value, string Unit, string Target = "", bool? Met = null, string Note = "", double Goal = double.NaN, bool LowerIsBetter = false)
{
    public string Formatted => Unit switch
    {
        "/s" => $"{Value:N0} /s",
        "ms" => $"{Value:N2} ms",
        "B" => $"{Value:N0} B",
        "x" => $"{Value:N2}×",
        "%" => $"{Value:N1} %",
        _ => Value >= 100 ? $"{Value:N0} {Unit}".TrimEnd() : $"{Value:N2} {Unit}".TrimEnd(),
    };
}

/// <summary>A per-visit comparison row: our pipeline against the per-frame design, on the same trace.</summary>
public sealed record VisitCost(string Name, double Ours, double PerFrame, string Target, bool? Met);


public sealed class BenchResults
{
    public List<Figure> Figures { get; } = [];
    public List<VisitCost> VisitCosts { get; } = [];
    public List<string> TraceFacts { get; } = [];
    public List<string> Notes { get; } = [];
    public List<string> Missing { get; } = [];

    public void Add(Figure figure)
    {
        Figures.Add(figure);
        Console.WriteLine($"  {figure.Section} | {figure.Name}: {figure.Formatted} {(figure.Target.Length > 0 ? $"(target {figure.Target})" : "")} {figure.Note}");
    }

    public double? Value(string name) => Figures.FirstOrDefault(f => f.Name == name)?.Value;
}
