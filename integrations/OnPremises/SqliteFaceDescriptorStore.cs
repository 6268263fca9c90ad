using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using NextGenCrm.Orleans.Sqlite.Internal;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.OnPremises;

/// <summary>
/// The on-premises face collection in the data folder's SQLite file (<c>records.db</c>, beside the customer
/// directory): people, and each face's descriptor as 512 bytes of little-endian float32. A commit is in the
/// write-ahead log before the call returns, so a <c>kill -9</c> loses no acknowledged face. An erasure deletes with
/// <c>secure_delete</c> on and checkpoints the log, so the deleted descriptors' bytes are overwritten in the file
/// and do not linger in the log either.
/// </summary>
public sealed class SqliteFaceDescriptorStore(string databasePath) : IFaceDescriptorStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS descriptor_people (person_id TEXT PRIMARY KEY) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS descriptor_faces (
            face_id TEXT PRIMARY KEY,
            person_id TEXT NOT NULL,
            descriptor BLOB NOT NULL,
            added_at TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS descriptor_faces_by_person ON descriptor_faces (person_id);
        """;

    private readonly SqliteFile _file = new(databasePath);

    public async IAsyncEnumerable<StoredFace> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var connection = await _file.OpenAsync(nameof(SqliteFaceDescriptorStore), Schema, cancellationToken);
        using var command = SqliteFile.Command(connection, "SELECT face_id, person_id, descriptor, added_at FROM descriptor_faces");
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new StoredFace(
                reader.GetString(0), reader.GetString(1), FaceDescriptors.FromBytes((byte[])reader.GetValue(2)), DateTimeOffset.Parse(reader.GetString(3), System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    public async Task<bool> AddAsync(StoredFace face, bool onlyIfPersonExists, CancellationToken cancellationToken)
    {
        using var connection = await _file.OpenAsync(nameof(SqliteFaceDescriptorStore), Schema, cancellationToken);
        using var transaction = connection.BeginTransaction(deferred: false);
        if (onlyIfPersonExists)
        {
            using var exists = SqliteFile.Command(connection, "SELECT EXISTS (SELECT 1 FROM descriptor_people WHERE person_id = $person)", ("$person", face.PersonId));
            if ((long)exists.ExecuteScalar()! == 0)
            {
                transaction.Commit();
                return false;
            }
        }
        else
        {
            using var person = SqliteFile.Command(connection, "INSERT INTO descriptor_people (person_id) VALUES ($person) ON CONFLICT DO NOTHING", ("$person", face.PersonId));
            person.ExecuteNonQuery();
        }
        using var insert = SqliteFile.Command(connection,
            "INSERT INTO descriptor_faces (face_id, person_id, descriptor, added_at) VALUES ($face, $person, $descriptor, $at) ON CONFLICT DO NOTHING",
            ("$face", face.FaceId), ("$person", face.PersonId), ("$descriptor", FaceDescriptors.ToBytes(face.Descriptor)), ("$at", face.AddedAt.ToString("O")));
        insert.ExecuteNonQuery();
        transaction.Commit();
        return true;
    }

    public async Task<ErasedFaces> ErasePersonAsync(string personId, CancellationToken cancellationToken)
    {
        using var connection = await _file.OpenAsync(nameof(SqliteFaceDescriptorStore), Schema, cancellationToken);
        Execute(connection, "PRAGMA secure_delete=ON;");
        int faces;
        bool person;
        using (var transaction = connection.BeginTransaction(deferred: false))
        {
            using var deleteFaces = SqliteFile.Command(connection, "DELETE FROM descriptor_faces WHERE person_id = $person", ("$person", personId));
            faces = deleteFaces.ExecuteNonQuery();
            using var deletePerson = SqliteFile.Command(connection, "DELETE FROM descriptor_people WHERE person_id = $person", ("$person", personId));
            person = deletePerson.ExecuteNonQuery() > 0;
            transaction.Commit();
        }
        if (faces > 0)
        {
            // The pages that held the descriptors are zeroed in the log; copying it into the file and truncating it
            // leaves no earlier copy of them behind (another reader may delay it: then the next checkpoint does it).
            Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE);");
        }
        Execute(connection, "PRAGMA secure_delete=OFF;");
        return new ErasedFaces(faces, person);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = SqliteFile.Command(connection, sql);
        command.ExecuteNonQuery();
    }
}
