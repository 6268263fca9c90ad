using Microsoft.Extensions.Options;

namespace NextGenCrm.Silo.Configuration;

/// <summary>
/// The "Silo" section's local store: where the embedded mode keeps what must outlive the process (grain state,
/// reminders, customer directory, face collection, visit history, crops), or that it keeps nothing (ephemeral).
/// </summary>
public sealed class LocalStoreOptions
{
    public const string SectionName = "Silo";
    public const string DataDirKey = SectionName + ":DataDir";
    public const string EphemeralKey = SectionName + ":Ephemeral";

    /// <summary>The data folder (<c>--data-dir</c>); created when missing.</summary>
    public string DataDir { get; set; } = DefaultDataDir;

    /// <summary>Keep everything in memory and nothing on disk (<c>--ephemeral</c>): for tests and quick demos.</summary>
    public bool Ephemeral { get; set; }

    /// <summary><see cref="DataDir"/> as a full path (the default when it is empty).</summary>
    public string FullDataDir => Path.GetFullPath(string.IsNullOrWhiteSpace(DataDir) ? DefaultDataDir : DataDir);

    /// <summary>The user's data folder: ~/.local/share/NextGenCrm on Linux, %LOCALAPPDATA%\NextGenCrm on Windows.</summary>
    public static string DefaultDataDir => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "NextGenCrm");

    /// <summary>
    /// The silo's own switches as configuration: <c>--ephemeral</c> is <c>--Silo:Ephemeral=true</c>,
    /// <c>--data-dir PATH</c> (or <c>--data-dir=PATH</c>) is <c>--Silo:DataDir=PATH</c>.
    /// </summary>
    public static string[] TranslateArguments(IReadOnlyList<string> args)
    {
        var translated = new List<string>(args.Count);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--ephemeral")
            {
                translated.Add($"--{EphemeralKey}=true");
            }
            else if (arg == "--data-dir" && i + 1 < args.Count)
            {
                translated.Add($"--{DataDirKey}={args[++i]}");
            }
            else if (arg.StartsWith("--data-dir=", StringComparison.Ordinal))
            {
                translated.Add($"--{DataDirKey}={arg["--data-dir=".Length..]}");
            }
            else
            {
                translated.Add(arg);
            }
        }
        return [.. translated];
    }
}

public sealed class LocalStoreOptionsValidator : IValidateOptions<LocalStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, LocalStoreOptions options)
    {
        if (!options.Ephemeral && string.IsNullOrWhiteSpace(options.DataDir))
        {
            return ValidateOptionsResult.Fail($"{LocalStoreOptions.DataDirKey} must name a folder (or run with --ephemeral).");
        }
        if (options.DataDir.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            return ValidateOptionsResult.Fail($"{LocalStoreOptions.DataDirKey} '{options.DataDir}' is not a path.");
        }
        return ValidateOptionsResult.Success;
    }
}
