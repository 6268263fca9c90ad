namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>
/// Finds the repository root (the folder holding NextGenCrm.sln). Kept here rather than taken from
/// NextGenCrm.TestSupport so the edge agent's tests do not build the emulator and AWS test kit.
/// </summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Tools(string name) => Path.Combine(Root, "tools", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NextGenCrm.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"NextGenCrm.sln not found above {AppContext.BaseDirectory}");
    }
}
