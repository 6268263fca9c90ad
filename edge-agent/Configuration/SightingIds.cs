using System.Text.RegularExpressions;

namespace NextGenCrm.EdgeAgent.Configuration;

/// <summary>The silo's rule for branch, camera, track and sighting ids.</summary>
public static partial class SightingIds
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex IdPattern();

    public static bool IsValid(string? id) =>
        id is not null && IdPattern().IsMatch(id) && !id.Contains("..", StringComparison.Ordinal);

    /// <summary>Time-ordered, so redeliveries are recognisable and ids sort by creation.</summary>
    public static string NewSightingId() => Guid.CreateVersion7().ToString("N");
}
