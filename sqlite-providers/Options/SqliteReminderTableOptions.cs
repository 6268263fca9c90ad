using Orleans;
using Orleans.Runtime;

namespace NextGenCrm.Orleans.Sqlite;

/// <summary>Reminders in a SQLite file (write-ahead log: a killed process loses no committed write).</summary>
public sealed class SqliteReminderTableOptions
{
    /// <summary>The database file; its folder is created when missing.</summary>
    public string DatabasePath { get; set; } = "";
}

/// <summary>Checks <see cref="SqliteReminderTableOptions"/> when the silo starts.</summary>
public sealed class SqliteReminderTableOptionsValidator(SqliteReminderTableOptions options) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        if (string.IsNullOrWhiteSpace(options.DatabasePath))
        {
            throw new OrleansConfigurationException($"Invalid configuration of the SQLite reminder table: {nameof(SqliteReminderTableOptions)}.DatabasePath must name the database file.");
        }
    }
}
