using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.Orleans.DynamoDb.Internal;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using static NextGenCrm.Orleans.DynamoDb.Membership.MembershipItem;

namespace NextGenCrm.Orleans.DynamoDb.Membership;

/// <summary>
/// Orleans membership on DynamoDB. Every insert or update of a silo row is one TransactWriteItems
/// with a conditional update of the cluster's version row, so the version moves exactly when a row does.
/// </summary>
public sealed partial class DynamoDBMembershipTable : IMembershipTable, IDisposable
{
    private const int MaxReadAttempts = 5;
    private readonly DynamoDBClusteringOptions _options;
    private readonly string _clusterId;
    private readonly ILogger<DynamoDBMembershipTable> _logger;
    private readonly IAmazonDynamoDB _client;

    public DynamoDBMembershipTable(
        IOptions<DynamoDBClusteringOptions> options, IOptions<ClusterOptions> clusterOptions, ILogger<DynamoDBMembershipTable> logger)
    {
        _options = options.Value;
        _clusterId = clusterOptions.Value.ClusterId;
        _logger = logger;
        _client = DynamoDbClientFactory.Create(_options);
    }

    public async Task InitializeMembershipTable(bool tryInitTableVersion)
    {
        await DynamoDbTableCreator.EnsureTableAsync(_client, _options, TableDefinition(), null, _logger, CancellationToken.None);
        if (!tryInitTableVersion)
        {
            return;
        }
        var versionRow = VersionKey(_clusterId);
        versionRow[VersionNumber] = Number(0);
        versionRow[ETag] = Number(0);
        try
        {
            await _client.PutItemAsync(new PutItemRequest
            {
                TableName = _options.TableName,
                Item = versionRow,
                ConditionExpression = "attribute_not_exists(#row)",
                ExpressionAttributeNames = new() { ["#row"] = RowKey },
            });
            LogVersionRowCreated(_clusterId);
        }
        catch (ConditionalCheckFailedException)
        {
            // Already there: another silo initialised this cluster.
        }
    }

    public async Task<MembershipTableData> ReadAll()
    {
        for (var attempt = 1; ; attempt++)
        {
            var items = await DynamoDbPaging.QueryAllAsync(_client, new QueryRequest
            {
                TableName = _options.TableName,
                ConsistentRead = true,
                KeyConditionExpression = "#cluster = :cluster",
                ExpressionAttributeNames = new() { ["#cluster"] = ClusterId },
                ExpressionAttributeValues = new() { [":cluster"] = new AttributeValue { S = _clusterId } },
            }, CancellationToken.None);

            var versionItem = items.FirstOrDefault(IsVersionRow);
            var version = versionItem is null ? new TableVersion(0, "0") : ToTableVersion(versionItem);
            var silos = items.Where(item => !IsVersionRow(item)).ToList();

            // A query is not a snapshot: a row written after the version row was read carries a newer version.
            if (silos.Any(item => TableVersionOf(item) > version.Version) && attempt < MaxReadAttempts)
            {
                continue;
            }
            return new MembershipTableData(silos.Select(ToEntry).ToList(), version);
        }
    }

    public async Task<MembershipTableData> ReadRow(SiloAddress key)
    {
        // TransactGetItems reads the silo row and the version row as one snapshot.
        var response = await _client.TransactGetItemsAsync(new TransactGetItemsRequest
        {
            TransactItems =
            [
                new TransactGetItem { Get = new Get { TableName = _options.TableName, Key = VersionKey(_clusterId) } },
                new TransactGetItem { Get = new Get { TableName = _options.TableName, Key = SiloKey(_clusterId, key) } },
            ],
        });
        var versionItem = response.Responses?[0].Item;
        var version = versionItem is { Count: > 0 } ? ToTableVersion(versionItem) : new TableVersion(0, "0");
        var siloItem = response.Responses?[1].Item;
        var rows = siloItem is { Count: > 0 } ? [ToEntry(siloItem)] : new List<Tuple<MembershipEntry, string>>();
        return new MembershipTableData(rows, version);
    }

    public async Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion)
    {
        if (!TryParseEtag(tableVersion.VersionEtag, out var versionEtag))
        {
            return false;
        }
        var insert = new Put
        {
            TableName = _options.TableName,
            Item = ToItem(_clusterId, entry, etag: 0, tableVersion.Version),
            ConditionExpression = "attribute_not_exists(#row)",
            ExpressionAttributeNames = new() { ["#row"] = RowKey },
        };
        return await WriteWithVersionAsync(new TransactWriteItem { Put = insert }, tableVersion.Version, versionEtag, entry.SiloAddress, "insert");
    }

    public async Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion)
    {
        if (!TryParseEtag(etag, out var rowEtag) || !TryParseEtag(tableVersion.VersionEtag, out var versionEtag))
        {
            return false;
        }
        var update = new Put
        {
            TableName = _options.TableName,
            Item = ToItem(_clusterId, entry, rowEtag + 1, tableVersion.Version),
            ConditionExpression = "#etag = :etag",
            ExpressionAttributeNames = new() { ["#etag"] = ETag },
            ExpressionAttributeValues = new() { [":etag"] = Number(rowEtag) },
        };
        return await WriteWithVersionAsync(new TransactWriteItem { Put = update }, tableVersion.Version, versionEtag, entry.SiloAddress, "update");
    }

    public async Task UpdateIAmAlive(MembershipEntry entry)
    {
        // Liveness only: neither the row's ETag nor the table version changes, so it never races a vote.
        await _client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = _options.TableName,
            Key = SiloKey(_clusterId, entry.SiloAddress),
            UpdateExpression = "SET #alive = :alive",
            ConditionExpression = "attribute_exists(#row)",
            ExpressionAttributeNames = new() { ["#alive"] = IAmAliveTime, ["#row"] = RowKey },
            ExpressionAttributeValues = new() { [":alive"] = Time(entry.IAmAliveTime) },
        });
    }

    public async Task DeleteMembershipTableEntries(string clusterId)
    {
        var keys = await KeysOfClusterAsync(clusterId);
        await DynamoDbPaging.DeleteAllAsync(_client, _options.TableName, keys, CancellationToken.None);
    }

    public async Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate)
    {
        var table = await ReadAll();
        var removed = 0;
        foreach (var (entry, etag) in table.Members)
        {
            var lastSeen = entry.IAmAliveTime > entry.StartTime ? entry.IAmAliveTime : entry.StartTime;
            if (entry.Status != SiloStatus.Dead || lastSeen >= beforeDate.UtcDateTime)
            {
                continue;
            }
            try
            {
                await _client.DeleteItemAsync(new DeleteItemRequest
                {
                    TableName = _options.TableName,
                    Key = SiloKey(_clusterId, entry.SiloAddress),
                    ConditionExpression = "#etag = :etag",
                    ExpressionAttributeNames = new() { ["#etag"] = ETag },
                    ExpressionAttributeValues = new() { [":etag"] = new AttributeValue { N = etag } },
                });
                removed++;
            }
            catch (ConditionalCheckFailedException)
            {
                // Changed since we read it: leave it to the next cleanup.
            }
        }
        LogDefunctRemoved(removed, _clusterId);
    }

    public void Dispose() => _client.Dispose();

    private async Task<bool> WriteWithVersionAsync(TransactWriteItem siloWrite, int newVersion, long versionEtag, SiloAddress silo, string operation)
    {
        var versionUpdate = new Update
        {
            TableName = _options.TableName,
            Key = VersionKey(_clusterId),
            UpdateExpression = "SET #version = :version, #etag = :next",
            ConditionExpression = "#etag = :etag",
            ExpressionAttributeNames = new() { ["#version"] = VersionNumber, ["#etag"] = ETag },
            ExpressionAttributeValues = new()
            {
                [":version"] = Number(newVersion),
                [":next"] = Number(versionEtag + 1),
                [":etag"] = Number(versionEtag),
            },
        };
        try
        {
            await _client.TransactWriteItemsAsync(new TransactWriteItemsRequest
            {
                TransactItems = [siloWrite, new TransactWriteItem { Update = versionUpdate }],
            });
            return true;
        }
        catch (TransactionCanceledException canceled) when (IsContention(canceled))
        {
            LogContention(operation, silo);
            return false;
        }
    }

    private static bool IsContention(TransactionCanceledException canceled) =>
        canceled.CancellationReasons?.Any(r => r.Code is "ConditionalCheckFailed" or "TransactionConflict") ?? false;

    private bool TryParseEtag(string? etag, out long value)
    {
        if (long.TryParse(etag, NumberStyles.Integer, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }
        LogInvalidEtag(etag);
        return false;
    }

    private async Task<List<Dictionary<string, AttributeValue>>> KeysOfClusterAsync(string clusterId)
    {
        var items = await DynamoDbPaging.QueryAllAsync(_client, new QueryRequest
        {
            TableName = _options.TableName,
            ConsistentRead = true,
            KeyConditionExpression = "#cluster = :cluster",
            ProjectionExpression = "#cluster, #row",
            ExpressionAttributeNames = new() { ["#cluster"] = ClusterId, ["#row"] = RowKey },
            ExpressionAttributeValues = new() { [":cluster"] = new AttributeValue { S = clusterId } },
        }, CancellationToken.None);
        return items.Select(item => Key(item[ClusterId].S, item[RowKey].S)).ToList();
    }

    internal static CreateTableRequest TableDefinition() => new()
    {
        KeySchema = [new KeySchemaElement(ClusterId, KeyType.HASH), new KeySchemaElement(RowKey, KeyType.RANGE)],
        AttributeDefinitions =
        [
            new AttributeDefinition(ClusterId, ScalarAttributeType.S),
            new AttributeDefinition(RowKey, ScalarAttributeType.S),
        ],
    };

    [LoggerMessage(LogLevel.Information, "Created the membership version row of cluster {ClusterId}")]
    private partial void LogVersionRowCreated(string clusterId);

    [LoggerMessage(LogLevel.Information, "Membership {Operation} of silo {Silo} lost to a concurrent change; Orleans will retry")]
    private partial void LogContention(string operation, SiloAddress silo);

    [LoggerMessage(LogLevel.Warning, "Membership ETag {Etag} is not one this table wrote")]
    private partial void LogInvalidEtag(string? etag);

    [LoggerMessage(LogLevel.Information, "Removed {Count} defunct silo entries of cluster {ClusterId}")]
    private partial void LogDefunctRemoved(int count, string clusterId);
}
