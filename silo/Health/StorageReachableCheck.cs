using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace NextGenCrm.Silo.Health;

/// <summary>
/// Ready only while grain state can be reached: the local SQLite store opens and answers a read (a folder unmounted
/// or a file deleted under the silo fails), or DynamoDB describes the grain-state table (network, credentials,
/// endpoint). Memory storage is always reachable.
/// </summary>
public sealed class StorageReachableCheck(Func<CancellationToken, Task<string>> probe) : IHealthCheck
{
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            return HealthCheckResult.Healthy(await probe(timeout.Token));
        }
        catch (Exception failure) when (failure is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
        {
            // The type only: a message may name paths or endpoints, and probes are read without a token.
            return HealthCheckResult.Unhealthy($"grain storage unreachable ({failure.GetType().Name})");
        }
    }

    /// <summary>Opens the file without creating it and reads its schema.</summary>
    public static Func<CancellationToken, Task<string>> Sqlite(string databaseFile) => async cancellationToken =>
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = databaseFile, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString();
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_master";
        await command.ExecuteScalarAsync(cancellationToken);
        return "local store";
    };

    public static Func<CancellationToken, Task<string>> DynamoDb(IAmazonDynamoDB client, string tableName) => async cancellationToken =>
    {
        var table = await client.DescribeTableAsync(new DescribeTableRequest { TableName = tableName }, cancellationToken);
        return $"DynamoDB table {table.Table.TableStatus}";
    };

    public static Func<CancellationToken, Task<string>> Memory() => _ => Task.FromResult("memory");
}
