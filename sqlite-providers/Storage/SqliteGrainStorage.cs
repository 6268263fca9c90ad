using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.Orleans.Sqlite.Internal;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace NextGenCrm.Orleans.Sqlite.Storage;

/// <summary>
/// Grain state in a local SQLite file, one row per grain and state name, with the contract of the DynamoDB
/// storage: a write is conditional on the ETag read (a conflict is an <see cref="InconsistentStateException"/>),
/// a first write does not overwrite a row another activation created, and clearing deletes the row.
/// </summary>
public sealed partial class SqliteGrainStorage : IGrainStorage
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS grain_state (
            grain_key TEXT NOT NULL,
            state_name TEXT NOT NULL,
            grain_type TEXT NOT NULL,
            etag TEXT NOT NULL,
            data BLOB NOT NULL,
            written_at TEXT NOT NULL,
            PRIMARY KEY (grain_key, state_name)
        ) WITHOUT ROWID;
        """;

    private readonly string _name;
    private readonly SqliteGrainStorageOptions _options;
    private readonly string _serviceId;
    private readonly IActivatorProvider _activators;
    private readonly ILogger<SqliteGrainStorage> _logger;
    private readonly SqliteFile _file;

    public SqliteGrainStorage(
        string name,
        SqliteGrainStorageOptions options,
        IOptions<ClusterOptions> clusterOptions,
        IActivatorProvider activators,
        ILogger<SqliteGrainStorage> logger)
    {
        _name = name;
        _options = options;
        _serviceId = clusterOptions.Value.ServiceId;
        _activators = activators;
        _logger = logger;
        _file = new SqliteFile(options.DatabasePath);
    }

    public static SqliteGrainStorage Create(IServiceProvider services, string name) =>
        ActivatorUtilities.CreateInstance<SqliteGrainStorage>(
            services, name, services.GetRequiredService<IOptionsMonitor<SqliteGrainStorageOptions>>().Get(name));

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await using var connection = await OpenAsync();
        await using var command = SqliteFile.Command(connection,
            "SELECT etag, data FROM grain_state WHERE grain_key = $key AND state_name = $state",
            ("$key", KeyOf(grainId)), ("$state", stateName));
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            ResetState(grainState);
            return;
        }
        var data = (byte[])reader.GetValue(1);
        grainState.State = _options.GrainStorageSerializer.Deserialize<T>(new BinaryData(data));
        grainState.ETag = reader.GetString(0);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var data = _options.GrainStorageSerializer.Serialize(grainState.State).ToArray();
        var newEtag = Guid.NewGuid().ToString("N");
        await using var connection = await OpenAsync();
        // A null ETag means "no record as far as the grain knows": insert only; otherwise update only that version.
        var sql = grainState.ETag is null
            ? "INSERT INTO grain_state (grain_key, state_name, grain_type, etag, data, written_at) VALUES ($key, $state, $type, $new, $data, $at) ON CONFLICT DO NOTHING"
            : "UPDATE grain_state SET etag = $new, data = $data, written_at = $at, grain_type = $type WHERE grain_key = $key AND state_name = $state AND etag = $expected";
        await using var command = SqliteFile.Command(connection, sql,
            ("$key", KeyOf(grainId)), ("$state", stateName), ("$type", grainId.Type.ToString()), ("$new", newEtag),
            ("$data", data), ("$at", DateTimeOffset.UtcNow.ToString("O")), ("$expected", grainState.ETag));
        if (await command.ExecuteNonQueryAsync() == 0)
        {
            throw await InconsistentAsync(connection, "write", stateName, grainId, grainState.ETag);
        }
        grainState.ETag = newEtag;
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await using var connection = await OpenAsync();
        await using var command = SqliteFile.Command(connection,
            grainState.ETag is null
                ? "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM grain_state WHERE grain_key = $key AND state_name = $state)"
                : "DELETE FROM grain_state WHERE grain_key = $key AND state_name = $state AND etag = $expected RETURNING 1",
            ("$key", KeyOf(grainId)), ("$state", stateName), ("$expected", grainState.ETag));
        if (await command.ExecuteScalarAsync() is null)
        {
            throw await InconsistentAsync(connection, "clear", stateName, grainId, grainState.ETag);
        }
        ResetState(grainState);
    }

    private Task<SqliteConnection> OpenAsync() => _file.OpenAsync(nameof(SqliteGrainStorage), Schema);

    private string KeyOf(GrainId grainId) => $"{_serviceId}/{grainId}";

    private void ResetState<T>(IGrainState<T> grainState)
    {
        grainState.State = _activators.GetActivator<T>().Create();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private async Task<InconsistentStateException> InconsistentAsync(SqliteConnection connection, string operation, string stateName, GrainId grainId, string? expected)
    {
        await using var command = SqliteFile.Command(connection,
            "SELECT etag FROM grain_state WHERE grain_key = $key AND state_name = $state", ("$key", KeyOf(grainId)), ("$state", stateName));
        var stored = await command.ExecuteScalarAsync() as string;
        LogConflict(_name, operation, stateName, grainId.Type.ToString());
        return new InconsistentStateException(
            $"SQLite {operation} of state '{stateName}' of grain {grainId} in storage '{_name}' lost to a concurrent write "
            + $"(expected ETag {expected ?? "<none>"}, stored {stored ?? "<none>"}).",
            stored ?? "",
            expected ?? "");
    }

    [LoggerMessage(LogLevel.Warning, "Storage {Storage}: {Operation} of state {StateName} of a {GrainType} grain hit an ETag conflict")]
    private partial void LogConflict(string storage, string operation, string stateName, string grainType);
}
