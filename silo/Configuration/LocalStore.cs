using Microsoft.Extensions.Options;

namespace NextGenCrm.Silo.Configuration;

/// <summary>
/// The data folder as this silo uses it (from <see cref="LocalStoreOptions"/>): in use when something of the silo is
/// kept on this machine and not ephemeral; then it exists and can be written, else the host does not start.
/// </summary>
public sealed class LocalStore
{
    private LocalStore(string dataDir, bool ephemeral, bool inUse)
    {
        DataDir = dataDir;
        Ephemeral = ephemeral;
        InUse = inUse;
    }

    public string DataDir { get; }

    public bool Ephemeral { get; }

    /// <summary>Whether anything of this silo is kept in the data folder (not on AWS, where DynamoDB and S3 keep it).</summary>
    public bool InUse { get; }

    /// <summary>The SQLite file of grain state and reminders.</summary>
    public string OrleansDatabase => Path.Combine(DataDir, "orleans.db");

    /// <summary>The SQLite file of the customer directory, the face collection and the visit history.</summary>
    public string RecordsDatabase => Path.Combine(DataDir, "records.db");

    /// <summary>The folder of encrypted face crops.</summary>
    public string ImagesFolder => Path.Combine(DataDir, "images");

    /// <summary>The crops' key when Images:EncryptionKey is not set: made at the first start, readable by this user only.</summary>
    public string ImagesKeyFile => Path.Combine(DataDir, "images.key");

    /// <summary>The folder, made and checked for writing when it is <paramref name="used"/> (and not ephemeral).</summary>
    public static LocalStore Open(LocalStoreOptions options, bool used)
    {
        if (!used || options.Ephemeral)
        {
            return new LocalStore(options.DataDir, options.Ephemeral, inUse: false);
        }
        var dataDir = Path.GetFullPath(options.DataDir);
        try
        {
            Directory.CreateDirectory(dataDir);
            var probe = Path.Combine(dataDir, $".write-check-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception wrong) when (wrong is IOException or UnauthorizedAccessException)
        {
            throw new OptionsValidationException(LocalStoreOptions.SectionName, typeof(LocalStoreOptions),
                [$"{LocalStoreOptions.DataDirKey} '{dataDir}' cannot be written: {wrong.Message}"]);
        }
        return new LocalStore(dataDir, ephemeral: false, inUse: true);
    }
}
