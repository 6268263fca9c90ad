namespace NextGenCrm.TestSupport;

/// <summary>Finds the repository root (the folder holding NextGenCrm.sln) from a test's output folder.</summary>
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
