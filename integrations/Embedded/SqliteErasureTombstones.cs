using Microsoft.Data.Sqlite;
using NextGenCrm.Orleans.Sqlite.Internal;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Embedded;

/// <summary>
/// Erasure tombstones in the data folder's SQLite file, so the fence outlives a restart: a silo that stops in the
/// middle of an erasure, or right after it, still refuses to send a task, an SMS or a face for the erased person
/// when it comes back and finds work it owed them. The DynamoDB table's contract: one row per person with the
/// latest expiry, expired rows deleted whenever new ones are written.
/// </summary>
public sealed class SqliteErasureTombstones(string databasePath, TimeProvider clock) : IErasureTombstones
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS erasure_tombstones (
            person_id TEXT PRIMARY KEY,
            until_ms INTEGER NOT NULL
        ) WITHOUT ROWID;
        """;

    private readonly SqliteFile _file = new(databasePath);

    public async Task RecordAsync(IReadOnlyCollection<string> personIds, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await using var connection = await _file.OpenAsync(nameof(SqliteErasureTombstones), Schema, cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using (var expire = SqliteFile.Command(connection, "DELETE FROM erasure_tombstones WHERE until_ms <= $now",
            ("$now", clock.GetUtcNow().ToUnixTimeMilliseconds())))
        {
            expire.Transaction = transaction;
            await expire.ExecuteNonQueryAsync(cancellationToken);
        }
        foreach (var personId in personIds)
        {
            await using var upsert = SqliteFile.Command(connection, """
                INSERT INTO erasure_tombstones (person_id, until_ms) VALUES ($person, $until)
                ON CONFLICT (person_id) DO UPDATE SET until_ms = MAX(until_ms, excluded.until_ms)
                """, ("$person", personId), ("$until", until.ToUnixTimeMilliseconds()));
            upsert.Transaction = transaction;
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<bool> IsErasedAsync(string personId, CancellationToken cancellationToken)
    {
        await using var connection = await _file.OpenAsync(nameof(SqliteErasureTombstones), Schema, cancellationToken);
        await using var query = SqliteFile.Command(connection, "SELECT 1 FROM erasure_tombstones WHERE person_id = $person AND until_ms > $now",
            ("$person", personId), ("$now", clock.GetUtcNow().ToUnixTimeMilliseconds()));
        return await query.ExecuteScalarAsync(cancellationToken) is not null;
    }
}
