using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NextGenCrm.Orleans.Contracts;
using NextGenCrm.Orleans.Sqlite;
using NextGenCrm.Orleans.Sqlite.Storage;
using Orleans.Configuration;
using Orleans.Storage;

namespace NextGenCrm.LocalStore.Tests;

/// <summary>The data folder's orleans.db as the build before Orleans' serializer left it, read by this one.</summary>
public sealed class SqliteStoredStateUpgradeTests : StoredStateUpgradeContract, IDisposable
{
    private readonly TempFolder _folder = new();

    protected override async Task<(IGrainStorage Storage, IReadOnlyList<StoredRow> Rows)> OpenFixturesAsync()
    {
        var path = _folder.File($"{Guid.NewGuid():N}.db");
        File.Copy(Path.Combine(FixtureFolder, "orleans.db"), path);
        var rows = new List<StoredRow>();
        await using (var connection = Open(path))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT grain_key, state_name, grain_type, etag, data FROM grain_state";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add(new StoredRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), (byte[])reader.GetValue(4)));
            }
        }
        var storage = new SqliteGrainStorage("visits", new SqliteGrainStorageOptions { DatabasePath = path, GrainStorageSerializer = Serializer },
            Options.Create(new ClusterOptions { ServiceId = ServiceId }), Activators, NullLogger<SqliteGrainStorage>.Instance);
        _paths[storage] = path;
        return (storage, rows);
    }

    protected override async Task<byte[]> StoredBytesAsync(IGrainStorage storage, StoredRow row)
    {
        await using var connection = Open(_paths[storage]);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT data FROM grain_state WHERE grain_key = $key AND state_name = $state";
        command.Parameters.AddWithValue("$key", row.GrainKey);
        command.Parameters.AddWithValue("$state", row.StateName);
        return (byte[])(await command.ExecuteScalarAsync())!;
    }

    private readonly Dictionary<IGrainStorage, string> _paths = [];

    private static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        return connection;
    }

    public void Dispose() => _folder.Dispose();
}
