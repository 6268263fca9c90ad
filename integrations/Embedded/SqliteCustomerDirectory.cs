using Microsoft.Data.Sqlite;
using NextGenCrm.Orleans.Sqlite.Internal;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Embedded;

/// <summary>
/// The customer directory in the data folder's SQLite file: who each enrolled person is, by person id, and the
/// customers by id. As the DynamoDB table, a person is never re-pointed to another customer.
/// </summary>
public sealed class SqliteCustomerDirectory(string databasePath) : ICustomerDirectory
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS customers (
            customer_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            phone TEXT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS enrolled_people (
            person_id TEXT PRIMARY KEY,
            customer_id TEXT NOT NULL,
            name TEXT NOT NULL,
            phone TEXT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS enrolled_people_by_customer ON enrolled_people (customer_id);
        """;

    private readonly SqliteFile _file = new(databasePath);

    public async Task<Customer?> FindByFaceIdAsync(string personId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        return await ReadCustomerAsync(connection, "SELECT customer_id, name, phone FROM enrolled_people WHERE person_id = $id", personId, cancellationToken);
    }

    public async Task<bool> EnrolAsync(string personId, Customer customer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(customer);
        await using var connection = Open();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var person = SqliteFile.Command(connection, """
            INSERT INTO enrolled_people (person_id, customer_id, name, phone) VALUES ($person, $customer, $name, $phone)
            ON CONFLICT (person_id) DO UPDATE SET name = excluded.name, phone = excluded.phone WHERE customer_id = excluded.customer_id
            """, ("$person", personId), ("$customer", customer.CustomerId), ("$name", customer.Name), ("$phone", customer.Phone));
        person.Transaction = transaction;
        if (await person.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            return false; // recorded as another customer: never re-pointed
        }
        await using var record = SqliteFile.Command(connection, """
            INSERT INTO customers (customer_id, name, phone) VALUES ($customer, $name, $phone)
            ON CONFLICT (customer_id) DO UPDATE SET name = excluded.name, phone = excluded.phone
            """, ("$customer", customer.CustomerId), ("$name", customer.Name), ("$phone", customer.Phone));
        record.Transaction = transaction;
        await record.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<Customer?> GetAsync(string customerId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        return await ReadCustomerAsync(connection, "SELECT customer_id, name, phone FROM customers WHERE customer_id = $id", customerId, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> FindFaceIdsAsync(string customerId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        return await PeopleOfAsync(connection, customerId, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> EraseAsync(string customerId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        var people = await PeopleOfAsync(connection, customerId, cancellationToken, transaction);
        await using var erase = SqliteFile.Command(connection,
            "DELETE FROM enrolled_people WHERE customer_id = $id; DELETE FROM customers WHERE customer_id = $id;", ("$id", customerId));
        erase.Transaction = transaction;
        await erase.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return people;
    }

    private SqliteConnection Open() => _file.Open(nameof(SqliteCustomerDirectory), Schema);

    private static async Task<Customer?> ReadCustomerAsync(SqliteConnection connection, string sql, string id, CancellationToken cancellationToken)
    {
        await using var command = SqliteFile.Command(connection, sql, ("$id", id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new Customer(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2))
            : null;
    }

    private static async Task<List<string>> PeopleOfAsync(SqliteConnection connection, string customerId, CancellationToken cancellationToken, SqliteTransaction? transaction = null)
    {
        await using var command = SqliteFile.Command(connection, "SELECT person_id FROM enrolled_people WHERE customer_id = $id ORDER BY person_id", ("$id", customerId));
        command.Transaction = transaction;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var people = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            people.Add(reader.GetString(0));
        }
        return people;
    }
}
