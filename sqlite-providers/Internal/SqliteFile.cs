using Microsoft.Data.Sqlite;

namespace NextGenCrm.Orleans.Sqlite.Internal;

/// <summary>
/// Opens connections to one database file. Write-ahead logging with synchronous=NORMAL: a commit is in the log
/// before the call returns, so a process killed at any moment keeps it (only a power cut may lose the last
/// commits); readers do not wait for the writer. Connections are pooled by Microsoft.Data.Sqlite, so each
/// operation opens its own, and SQLite serialises the writers (waiting up to the busy timeout).
/// </summary>
public sealed class SqliteFile
{
    private readonly string _connectionString;
    private readonly Lock _schemaLock = new();
    private readonly HashSet<string> _schemas = new(StringComparer.Ordinal);

    public SqliteFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
    }

    public string Path { get; }

    /// <summary>An open connection, with the schema named <paramref name="schemaName"/> created once per process.</summary>
    public Task<SqliteConnection> OpenAsync(string schemaName, string schema, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Opening a local file does no I/O worth awaiting (Microsoft.Data.Sqlite's OpenAsync is synchronous too).
        return Task.FromResult(Open(schemaName, schema));
    }

    /// <summary>An open connection, with the schema named <paramref name="schemaName"/> created once per process.</summary>
    public SqliteConnection Open(string schemaName, string schema)
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;");
        bool created;
        lock (_schemaLock)
        {
            created = _schemas.Contains(schemaName);
        }
        if (!created)
        {
            Execute(connection, schema);
            lock (_schemaLock)
            {
                _schemas.Add(schemaName);
            }
        }
        return connection;
    }

    public static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
