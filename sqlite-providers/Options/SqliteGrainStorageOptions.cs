using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace NextGenCrm.Orleans.Sqlite;

/// <summary>Grain state in a SQLite file (write-ahead log: a killed process loses no committed write).</summary>
public sealed class SqliteGrainStorageOptions : IStorageProviderSerializerOptions
{
    /// <summary>The database file; its folder is created when missing.</summary>
    public string DatabasePath { get; set; } = "";

    /// <summary>Filled from the silo's serializer when left empty.</summary>
    public IGrainStorageSerializer GrainStorageSerializer { get; set; } = null!;
}

/// <summary>Checks the <see cref="SqliteGrainStorageOptions"/> of grain storage <paramref name="name"/> when the silo starts.</summary>
public sealed class SqliteGrainStorageOptionsValidator(SqliteGrainStorageOptions options, string name) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        if (string.IsNullOrWhiteSpace(options.DatabasePath))
        {
            throw new OrleansConfigurationException($"Invalid configuration of the SQLite grain storage '{name}': {nameof(SqliteGrainStorageOptions)}.DatabasePath must name the database file.");
        }
        if (options.GrainStorageSerializer is null)
        {
            throw new OrleansConfigurationException($"Invalid configuration of the SQLite grain storage '{name}': {nameof(SqliteGrainStorageOptions)}.GrainStorageSerializer is not set and the silo registers none.");
        }
    }
}
