using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace NextGenCrm.Orleans.DynamoDb.Internal;

/// <summary>Makes sure a provider's table exists and is ACTIVE, creating it when allowed.</summary>
internal static class DynamoDbTableCreator
{
    private static readonly TimeSpan ActiveWait = TimeSpan.FromMinutes(2);

    public static async Task EnsureTableAsync(
        IAmazonDynamoDB client,
        DynamoDBClientOptions options,
        CreateTableRequest table,
        string? timeToLiveAttribute,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        var status = await DescribeStatusAsync(client, options.TableName, cancellationToken);
        if (status is null)
        {
            if (!options.CreateIfNotExists)
            {
                throw new InvalidOperationException(
                    $"DynamoDB table '{options.TableName}' does not exist and {options.GetType().Name}.CreateIfNotExists is false.");
            }
            await CreateAsync(client, options, table, logger, cancellationToken);
        }
        await WaitUntilActiveAsync(client, options.TableName, cancellationToken);

        if (!string.IsNullOrEmpty(timeToLiveAttribute))
        {
            await EnableTimeToLiveAsync(client, options.TableName, timeToLiveAttribute, logger, cancellationToken);
        }
    }

    private static async Task CreateAsync(
        IAmazonDynamoDB client, DynamoDBClientOptions options, CreateTableRequest table, ILogger logger, CancellationToken cancellationToken)
    {
        table.TableName = options.TableName;
        if (options.UseProvisionedThroughput)
        {
            var throughput = new ProvisionedThroughput(options.ReadCapacityUnits, options.WriteCapacityUnits);
            table.BillingMode = BillingMode.PROVISIONED;
            table.ProvisionedThroughput = throughput;
            foreach (var index in table.GlobalSecondaryIndexes ?? [])
            {
                index.ProvisionedThroughput = throughput;
            }
        }
        else
        {
            table.BillingMode = BillingMode.PAY_PER_REQUEST;
        }

        try
        {
            await client.CreateTableAsync(table, cancellationToken);
            logger.LogInformation("Created DynamoDB table {TableName} ({BillingMode})", options.TableName, table.BillingMode);
        }
        catch (ResourceInUseException)
        {
            // Another silo created it first: fine, it is the same table.
        }
    }

    private static async Task WaitUntilActiveAsync(IAmazonDynamoDB client, string tableName, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + ActiveWait;
        while (true)
        {
            var status = await DescribeStatusAsync(client, tableName, cancellationToken);
            if (status == TableStatus.ACTIVE)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"DynamoDB table '{tableName}' is not ACTIVE after {ActiveWait} (status {status?.Value ?? "missing"}).");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }

    private static async Task<TableStatus?> DescribeStatusAsync(IAmazonDynamoDB client, string tableName, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.DescribeTableAsync(new DescribeTableRequest { TableName = tableName }, cancellationToken);
            return response.Table.TableStatus;
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    private static async Task EnableTimeToLiveAsync(
        IAmazonDynamoDB client, string tableName, string attribute, ILogger logger, CancellationToken cancellationToken)
    {
        var current = await client.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = tableName }, cancellationToken);
        var description = current.TimeToLiveDescription;
        if (description?.TimeToLiveStatus == TimeToLiveStatus.ENABLED || description?.TimeToLiveStatus == TimeToLiveStatus.ENABLING)
        {
            if (description.AttributeName != attribute)
            {
                logger.LogWarning(
                    "DynamoDB table {TableName} expires items by attribute {Existing}, not the configured {Configured}",
                    tableName, description.AttributeName, attribute);
            }
            return;
        }
        await client.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
        {
            TableName = tableName,
            TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = attribute, Enabled = true },
        }, cancellationToken);
        logger.LogInformation("Enabled TTL on DynamoDB table {TableName} by attribute {Attribute}", tableName, attribute);
    }
}
