using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using NextGenCrm.Orleans.Sqlite.Internal;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;

namespace NextGenCrm.Orleans.Sqlite.Reminders;

/// <summary>
/// Orleans reminders in a local SQLite file, with the DynamoDB table's contract: one row per grain and reminder
/// name, an ETag that is a counter bumped by each upsert, removal only with the current ETag, and reads by the
/// silo's hash range (indexed on the grain's uniform hash).
/// </summary>
public sealed class SqliteReminderTable : IReminderTable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS reminders (
            service_id TEXT NOT NULL,
            grain_id TEXT NOT NULL,
            reminder_name TEXT NOT NULL,
            grain_hash INTEGER NOT NULL,
            start_at TEXT NOT NULL,
            period_ticks INTEGER NOT NULL,
            etag INTEGER NOT NULL,
            PRIMARY KEY (service_id, grain_id, reminder_name)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS reminders_by_hash ON reminders (service_id, grain_hash);
        """;

    private readonly string _serviceId;
    private readonly SqliteFile _file;

    public SqliteReminderTable(IOptions<SqliteReminderTableOptions> options, IOptions<ClusterOptions> clusterOptions)
    {
        _serviceId = clusterOptions.Value.ServiceId;
        _file = new SqliteFile(options.Value.DatabasePath);
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
    }

    public async Task<ReminderTableData> ReadRows(GrainId grainId)
    {
        await using var connection = await OpenAsync();
        return new ReminderTableData(await ReadAsync(connection,
            "SELECT grain_id, reminder_name, start_at, period_ticks, etag FROM reminders WHERE service_id = $service AND grain_id = $grain",
            ("$service", _serviceId), ("$grain", grainId.ToString())));
    }

    public async Task<ReminderTableData> ReadRows(uint begin, uint end)
    {
        // Orleans' ring range is (begin, end]; when begin >= end it wraps past zero: (begin, max] and [0, end].
        const string Columns = "SELECT grain_id, reminder_name, start_at, period_ticks, etag FROM reminders WHERE service_id = $service AND ";
        await using var connection = await OpenAsync();
        var rows = begin < end
            ? await ReadAsync(connection, Columns + "grain_hash > $begin AND grain_hash <= $end", ("$service", _serviceId), ("$begin", (long)begin), ("$end", (long)end))
            : await ReadAsync(connection, Columns + "(grain_hash > $begin OR grain_hash <= $end)", ("$service", _serviceId), ("$begin", (long)begin), ("$end", (long)end));
        return new ReminderTableData(rows);
    }

    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        await using var connection = await OpenAsync();
        var rows = await ReadAsync(connection,
            "SELECT grain_id, reminder_name, start_at, period_ticks, etag FROM reminders WHERE service_id = $service AND grain_id = $grain AND reminder_name = $name",
            ("$service", _serviceId), ("$grain", grainId.ToString()), ("$name", reminderName));
        return rows.Count > 0 ? rows[0] : null;
    }

    public async Task<string?> UpsertRow(ReminderEntry entry)
    {
        await using var connection = await OpenAsync();
        await using var command = SqliteFile.Command(connection, """
            INSERT INTO reminders (service_id, grain_id, reminder_name, grain_hash, start_at, period_ticks, etag)
            VALUES ($service, $grain, $name, $hash, $start, $period, 1)
            ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE SET
                grain_hash = excluded.grain_hash, start_at = excluded.start_at, period_ticks = excluded.period_ticks, etag = etag + 1
            RETURNING etag
            """,
            ("$service", _serviceId), ("$grain", entry.GrainId.ToString()), ("$name", entry.ReminderName),
            ("$hash", (long)entry.GrainId.GetUniformHashCode()),
            ("$start", entry.StartAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)), ("$period", entry.Period.Ticks));
        var etag = Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        return etag.ToString(CultureInfo.InvariantCulture);
    }

    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        if (!long.TryParse(eTag, NumberStyles.None, CultureInfo.InvariantCulture, out var expected))
        {
            return false; // not an ETag this table handed out, so it cannot match
        }
        await using var connection = await OpenAsync();
        await using var command = SqliteFile.Command(connection,
            "DELETE FROM reminders WHERE service_id = $service AND grain_id = $grain AND reminder_name = $name AND etag = $etag",
            ("$service", _serviceId), ("$grain", grainId.ToString()), ("$name", reminderName), ("$etag", expected));
        return await command.ExecuteNonQueryAsync() == 1;
    }

    public async Task TestOnlyClearTable()
    {
        await using var connection = await OpenAsync();
        await using var command = SqliteFile.Command(connection, "DELETE FROM reminders WHERE service_id = $service", ("$service", _serviceId));
        await command.ExecuteNonQueryAsync();
    }

    private Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default) =>
        _file.OpenAsync(nameof(SqliteReminderTable), Schema, cancellationToken);

    private static async Task<List<ReminderEntry>> ReadAsync(SqliteConnection connection, string sql, params (string, object?)[] parameters)
    {
        await using var command = SqliteFile.Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        var entries = new List<ReminderEntry>();
        while (await reader.ReadAsync())
        {
            entries.Add(new ReminderEntry
            {
                GrainId = GrainId.Parse(reader.GetString(0)),
                ReminderName = reader.GetString(1),
                StartAt = DateTime.Parse(reader.GetString(2), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind).ToUniversalTime(),
                Period = TimeSpan.FromTicks(reader.GetInt64(3)),
                ETag = reader.GetInt64(4).ToString(CultureInfo.InvariantCulture),
            });
        }
        return entries;
    }
}
