using Orleans.Storage;

namespace NextGenCrm.Orleans.Sqlite;

/// <summary>Where the local store lives: one SQLite file (write-ahead log, so a killed process loses no committed write).</summary>
public class SqliteStoreOptions
{
    /// <summary>The database file; its folder is created when missing.</summary>
    public string DatabasePath { get; set; } = "";
}

/// <summary>Grain state in a SQLite file (<see cref="SqliteStoreOptions.DatabasePath"/>).</summary>
public sealed class SqliteGrainStorageOptions : SqliteStoreOptions, IStorageProviderSerializerOptions
{
    /// <summary>Filled from the silo's serializer when left null.</summary>
    public IGrainStorageSerializer GrainStorageSerializer { get; set; } = null!;
}

/// <summary>Reminders in a SQLite file (<see cref="SqliteStoreOptions.DatabasePath"/>).</summary>
public sealed class SqliteReminderOptions : SqliteStoreOptions;
