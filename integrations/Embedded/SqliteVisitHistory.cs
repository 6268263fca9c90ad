using System.Globalization;
using Microsoft.Data.Sqlite;
using NextGenCrm.Orleans.Sqlite.Internal;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Embedded;

/// <summary>
/// Visit history in the data folder's SQLite file, with the DynamoDB table's contract: one record per visit id,
/// the last written; a record expires <paramref name="retention"/> after its visit started (<c>CrmTables:Retention</c>,
/// the same setting as the table's TTL), and expired records are deleted as new ones are written.
/// </summary>
public sealed class SqliteVisitHistory(string databasePath, TimeSpan retention, TimeProvider? clock = null) : IVisitHistory
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS visit_history (
            visit_id TEXT PRIMARY KEY,
            visitor_id TEXT NOT NULL,
            customer_id TEXT NULL,
            branch_id TEXT NOT NULL,
            camera_id TEXT NOT NULL,
            visit_start TEXT NOT NULL,
            visit_start_ms INTEGER NOT NULL,
            image_key TEXT NULL,
            alert_sent_at TEXT NULL,
            expires_at_ms INTEGER NOT NULL,
            task_assigned_at TEXT NULL,
            task_id TEXT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS visit_history_by_visitor ON visit_history (visitor_id, visit_start_ms);
        CREATE INDEX IF NOT EXISTS visit_history_by_expiry ON visit_history (expires_at_ms);
        """;

    private const string Columns = "visit_id, visitor_id, customer_id, branch_id, camera_id, visit_start, image_key, alert_sent_at, task_assigned_at, task_id";
    private const int ExpireEvery = 256;

    private readonly SqliteFile _file = new(databasePath);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private long _appends;
    private bool _receiptColumnsChecked;

    public async Task AppendAsync(VisitHistoryRecord record, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = SqliteFile.Command(connection, $"""
            INSERT OR REPLACE INTO visit_history ({Columns}, visit_start_ms, expires_at_ms)
            VALUES ($visit, $visitor, $customer, $branch, $camera, $start, $image, $alert, $task_at, $task, $start_ms, $expires)
            """,
            ("$visit", record.VisitId), ("$visitor", record.VisitorId), ("$customer", record.CustomerId), ("$branch", record.BranchId),
            ("$camera", record.CameraId), ("$start", record.VisitStart.ToString("O", CultureInfo.InvariantCulture)), ("$image", record.ImageKey),
            ("$alert", record.AlertSentAt?.ToString("O", CultureInfo.InvariantCulture)),
            ("$task_at", record.TaskAssignedAt?.ToString("O", CultureInfo.InvariantCulture)), ("$task", record.TaskId),
            ("$start_ms", record.VisitStart.ToUnixTimeMilliseconds()), ("$expires", record.VisitStart.Add(retention).ToUnixTimeMilliseconds()));
        await command.ExecuteNonQueryAsync(cancellationToken);
        if (Interlocked.Increment(ref _appends) % ExpireEvery == 1)
        {
            await using var expire = SqliteFile.Command(connection, "DELETE FROM visit_history WHERE expires_at_ms <= $now", ("$now", NowMs()));
            await expire.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task<VisitHistoryRecord?> FindAsync(string visitorId, string visitId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var records = await ReadAsync(connection, $"SELECT {Columns} FROM visit_history WHERE visit_id = $visit AND visitor_id = $visitor AND expires_at_ms > $now",
            cancellationToken, ("$visit", visitId), ("$visitor", visitorId), ("$now", NowMs()));
        return records.Count > 0 ? records[0] : null;
    }

    public async Task<IReadOnlyList<VisitHistoryRecord>> QueryAsync(string visitorId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        return await ReadAsync(connection,
            $"SELECT {Columns} FROM visit_history WHERE visitor_id = $visitor AND expires_at_ms > $now ORDER BY visit_start_ms DESC LIMIT $limit",
            cancellationToken, ("$visitor", visitorId), ("$now", NowMs()), ("$limit", limit));
    }

    public async Task<int> EraseAsync(string visitorId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = SqliteFile.Command(connection, "DELETE FROM visit_history WHERE visitor_id = $visitor", ("$visitor", visitorId));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private SqliteConnection Open()
    {
        var connection = _file.Open(nameof(SqliteVisitHistory), Schema);
        if (!Volatile.Read(ref _receiptColumnsChecked))
        {
            // A folder written before the task's receipt was kept (the courier reads it before sending a task again).
            using var check = SqliteFile.Command(connection, "SELECT COUNT(*) FROM pragma_table_info('visit_history') WHERE name = 'task_id'");
            if ((long)check.ExecuteScalar()! == 0)
            {
                using var alter = SqliteFile.Command(connection,
                    "ALTER TABLE visit_history ADD COLUMN task_assigned_at TEXT NULL; ALTER TABLE visit_history ADD COLUMN task_id TEXT NULL;");
                alter.ExecuteNonQuery();
            }
            Volatile.Write(ref _receiptColumnsChecked, true);
        }
        return connection;
    }

    private long NowMs() => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    private static async Task<List<VisitHistoryRecord>> ReadAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var command = SqliteFile.Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<VisitHistoryRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(new VisitHistoryRecord(
                reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3), reader.GetString(4),
                DateTimeOffset.Parse(reader.GetString(5), CultureInfo.InvariantCulture),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : DateTimeOffset.Parse(reader.GetString(7), CultureInfo.InvariantCulture),
                reader.IsDBNull(8) ? null : DateTimeOffset.Parse(reader.GetString(8), CultureInfo.InvariantCulture),
                reader.IsDBNull(9) ? null : reader.GetString(9)));
        }
        return records;
    }
}
