namespace NextGenCrm.Silo.Security;

/// <summary>
/// The "Branches" section: the bank's branches and, optionally, each branch's cameras
/// (<c>Branches:Known:main-st:0=entrance</c>). A token scoped to named branches may address only those; a token that
/// reaches every branch ("*", admin) may address only branches listed here, so a stray id cannot create grains and
/// state. A branch listed with cameras accepts only those cameras, from any token. With no branch listed, the
/// registry is off (the embedded default) and a "*" token may address any id.
/// </summary>
public sealed class BranchRegistry
{
    private readonly Dictionary<string, HashSet<string>> _known;

    public BranchRegistry(IConfiguration configuration)
    {
        _known = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var branch in configuration.GetSection("Branches:Known").GetChildren())
        {
            _known[branch.Key] = [.. branch.GetChildren().Select(c => c.Value).OfType<string>()];
        }
    }

    public bool Configured => _known.Count > 0;

    /// <summary>Why the caller may not address this branch and camera, or null when it may.</summary>
    public string? Refusal(Caller caller, string branchId, string? cameraId)
    {
        if (!caller.Reaches(branchId))
        {
            return $"The token does not reach branch {branchId}.";
        }
        var named = caller.Branches.Contains(branchId);
        if (!named && Configured && !_known.ContainsKey(branchId))
        {
            return $"Branch {branchId} is not a known branch (Branches:Known).";
        }
        if (cameraId is not null && _known.TryGetValue(branchId, out var cameras) && cameras.Count > 0 && !cameras.Contains(cameraId))
        {
            return $"Camera {cameraId} is not a known camera of branch {branchId}.";
        }
        return null;
    }
}
