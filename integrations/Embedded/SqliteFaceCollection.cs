using Microsoft.Data.Sqlite;
using NextGenCrm.Orleans.Sqlite.Internal;

namespace NextGenCrm.Integrations.Embedded;

/// <summary>
/// The simulated face collection in the data folder's SQLite file: faces indexed by token (a search reads one
/// index range), people, and the mark of faces found nobody's at the last sweep. Memory stays flat however
/// many strangers were registered; a restart keeps every enrolment.
/// </summary>
public sealed class SqliteFaceCollection(string databasePath) : IFaceCollection
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS faces (
            face_id TEXT PRIMARY KEY,
            token TEXT NOT NULL,
            external_image_id TEXT NOT NULL,
            person_id TEXT NULL,
            orphan_seen INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS faces_by_token ON faces (token);
        CREATE INDEX IF NOT EXISTS faces_by_person ON faces (person_id);
        CREATE TABLE IF NOT EXISTS people (person_id TEXT PRIMARY KEY) WITHOUT ROWID;
        """;

    private readonly SqliteFile _file = new(databasePath);

    public int FaceCount => (int)Scalar<long>("SELECT COUNT(*) FROM faces");

    public int PersonCount => (int)Scalar<long>("SELECT COUNT(*) FROM people");

    public IReadOnlyList<string> PeopleWithToken(string token)
    {
        using var connection = Open();
        using var command = SqliteFile.Command(connection,
            "SELECT DISTINCT person_id FROM faces WHERE token = $token AND person_id IS NOT NULL ORDER BY person_id", ("$token", token));
        using var reader = command.ExecuteReader();
        var people = new List<string>();
        while (reader.Read())
        {
            people.Add(reader.GetString(0));
        }
        return people;
    }

    public int FacesStoredFor(string token) => (int)Scalar<long>("SELECT COUNT(*) FROM faces WHERE token = $token", ("$token", token));

    public void AddPerson(string personId) => Execute("INSERT INTO people (person_id) VALUES ($person) ON CONFLICT DO NOTHING", ("$person", personId));

    public void AddFace(string faceId, string token, string externalImageId) =>
        Execute("INSERT INTO faces (face_id, token, external_image_id) VALUES ($face, $token, $external)",
            ("$face", faceId), ("$token", token), ("$external", externalImageId));

    public string? UnassociatedFace(string token, string externalImageId) =>
        Scalar<string?>("SELECT face_id FROM faces WHERE token = $token AND external_image_id = $external AND person_id IS NULL LIMIT 1",
            ("$token", token), ("$external", externalImageId));

    public bool Associate(string personId, string faceId, int maxFacesPerPerson)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        var allowed = Scalar<long>(connection, """
            SELECT EXISTS (SELECT 1 FROM people WHERE person_id = $person)
               AND EXISTS (SELECT 1 FROM faces WHERE face_id = $face)
               AND ((SELECT COUNT(*) FROM faces WHERE person_id = $person) < $max
                    OR EXISTS (SELECT 1 FROM faces WHERE face_id = $face AND person_id = $person))
            """, ("$person", personId), ("$face", faceId), ("$max", maxFacesPerPerson)) == 1;
        if (allowed)
        {
            using var update = SqliteFile.Command(connection, "UPDATE faces SET person_id = $person, orphan_seen = 0 WHERE face_id = $face",
                ("$person", personId), ("$face", faceId));
            update.ExecuteNonQuery();
        }
        transaction.Commit();
        return allowed;
    }

    public IReadOnlyCollection<string>? RemovePerson(string personId)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        using var person = SqliteFile.Command(connection, "DELETE FROM people WHERE person_id = $person", ("$person", personId));
        if (person.ExecuteNonQuery() == 0)
        {
            transaction.Commit();
            return null;
        }
        var faces = new List<string>();
        using (var query = SqliteFile.Command(connection, "SELECT face_id FROM faces WHERE person_id = $person", ("$person", personId)))
        using (var reader = query.ExecuteReader())
        {
            while (reader.Read())
            {
                faces.Add(reader.GetString(0));
            }
        }
        using var release = SqliteFile.Command(connection, "UPDATE faces SET person_id = NULL, orphan_seen = 0 WHERE person_id = $person", ("$person", personId));
        release.ExecuteNonQuery();
        transaction.Commit();
        return faces;
    }

    public int DeleteFacesOf(string personId, IReadOnlyCollection<string> formerFaces)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        using var tagged = SqliteFile.Command(connection, "DELETE FROM faces WHERE person_id IS NULL AND external_image_id = $person", ("$person", personId));
        var deleted = tagged.ExecuteNonQuery();
        foreach (var faceId in formerFaces)
        {
            using var former = SqliteFile.Command(connection, "DELETE FROM faces WHERE person_id IS NULL AND face_id = $face", ("$face", faceId));
            deleted += former.ExecuteNonQuery();
        }
        transaction.Commit();
        return deleted;
    }

    public int FacesStoredUnder(string personId) =>
        (int)Scalar<long>("SELECT COUNT(*) FROM faces WHERE external_image_id = $person OR person_id = $person", ("$person", personId));

    public int SweepOrphans()
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        using var delete = SqliteFile.Command(connection, "DELETE FROM faces WHERE person_id IS NULL AND orphan_seen = 1");
        var deleted = delete.ExecuteNonQuery();
        using var mark = SqliteFile.Command(connection, "UPDATE faces SET orphan_seen = 1 WHERE person_id IS NULL");
        mark.ExecuteNonQuery();
        transaction.Commit();
        return deleted;
    }

    private SqliteConnection Open() => _file.Open(nameof(SqliteFaceCollection), Schema);

    private void Execute(string sql, params (string, object?)[] parameters)
    {
        using var connection = Open();
        using var command = SqliteFile.Command(connection, sql, parameters);
        command.ExecuteNonQuery();
    }

    private T Scalar<T>(string sql, params (string, object?)[] parameters)
    {
        using var connection = Open();
        return Scalar<T>(connection, sql, parameters);
    }

    private static T Scalar<T>(SqliteConnection connection, string sql, params (string, object?)[] parameters)
    {
        using var command = SqliteFile.Command(connection, sql, parameters);
        var value = command.ExecuteScalar();
        return value is null or DBNull ? default! : (T)value;
    }
}
