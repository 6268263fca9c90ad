namespace NextGenCrm.Silo.Configuration;

/// <summary>
/// The "Silo" section's local store: where the embedded mode keeps what must outlive the process (grain state,
/// reminders, customer directory, face collection, visit history, crops), or that it keeps nothing (ephemeral).
/// </summary>
public sealed class LocalStoreOptions
{
    public const string Section = "Silo";
    public const string DataDirKey = "Silo:DataDir";
    public const string EphemeralKey = "Silo:Ephemeral";

    /// <summary>The data folder (<c>--data-dir</c>); created when missing.</summary>
    public string DataDir { get; set; } = DefaultDataDir;

    /// <summary>Keep everything in memory and nothing on disk (<c>--ephemeral</c>): for tests and quick demos.</summary>
    public bool Ephemeral { get; set; }

    /// <summary>The user's data folder: ~/.local/share/NextGenCrm on Linux, %LOCALAPPDATA%\NextGenCrm on Windows.</summary>
    public static string DefaultDataDir => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "NextGenCrm");

    /// <summary>The SQLite file of grain state and reminders.</summary>
    public string OrleansDatabase => Path.Combine(DataDir, "orleans.db");

    /// <summary>The SQLite file of the customer directory, the face collection and the visit history.</summary>
    public string RecordsDatabase => Path.Combine(DataDir, "records.db");

    /// <summary>The folder of encrypted face crops.</summary>
    public string ImagesFolder => Path.Combine(DataDir, "images");

    /// <summary>The crops' key when Images:EncryptionKey is not set: made at the first start, readable by this user only.</summary>
    public string ImagesKeyFile => Path.Combine(DataDir, "images.key");

    /// <summary>Whether anything of this silo is kept in the data folder (not on AWS, where DynamoDB and S3 keep it).</summary>
    public bool InUse { get; private set; }

    /// <summary>
    /// Reads the section; when the folder is <paramref name="used"/> (and not ephemeral), makes it and checks it can
    /// be written: a wrong folder stops the host naming the key.
    /// </summary>
    public static LocalStoreOptions Read(IConfiguration configuration, bool used = true)
    {
        var options = ConfigurationReader.Bind<LocalStoreOptions>(configuration, Section);
        options.InUse = used && !options.Ephemeral;
        if (!options.InUse)
        {
            return options;
        }
        if (string.IsNullOrWhiteSpace(options.DataDir))
        {
            throw new InvalidSettingException($"{DataDirKey} must name a folder (or run with --ephemeral).");
        }
        options.DataDir = Path.GetFullPath(options.DataDir);
        try
        {
            Directory.CreateDirectory(options.DataDir);
            var probe = Path.Combine(options.DataDir, $".write-check-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception wrong) when (wrong is IOException or UnauthorizedAccessException)
        {
            throw new InvalidSettingException($"{DataDirKey} '{options.DataDir}' cannot be written: {wrong.Message}");
        }
        return options;
    }

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
