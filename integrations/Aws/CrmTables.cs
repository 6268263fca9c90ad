using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;

namespace NextGenCrm.Integrations.Aws;

/// <summary>Key layout of the CRM tables, and their creation when <see cref="CrmTablesOptions.CreateIfMissing"/> is on.</summary>
public sealed class CrmTables(IAmazonDynamoDB dynamo, IOptions<CrmTablesOptions> options)
{
    /// <summary>GSI of the customers table: customerId → the customer's face items.</summary>
    public const string CustomerIdIndex = "customerId-index";

    /// <summary>LSI of the history table: a visitor's visits ordered by start time.</summary>
    public const string VisitStartIndex = "visitStart-index";

    private readonly CrmTablesOptions _options = options.Value;

    /// <summary>Creates whichever table is missing and waits until all are active.</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        await EnsureAsync(new CreateTableRequest
        {
            TableName = _options.CustomersTable,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new("faceId", ScalarAttributeType.S), new("customerId", ScalarAttributeType.S)],
            KeySchema = [new("faceId", KeyType.HASH)],
            GlobalSecondaryIndexes =
            [
                new GlobalSecondaryIndex
                {
                    IndexName = CustomerIdIndex,
                    KeySchema = [new("customerId", KeyType.HASH)],
                    Projection = new Projection { ProjectionType = ProjectionType.ALL },
                },
            ],
        }, ttlAttribute: null, cancellationToken);

        await EnsureAsync(new CreateTableRequest
        {
            TableName = _options.HistoryTable,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions =
            [
                new("visitorId", ScalarAttributeType.S), new("visitId", ScalarAttributeType.S), new("visitStart", ScalarAttributeType.S),
            ],
            // visitId as the sort key makes a repeated write of one visit land on the same item.
            KeySchema = [new("visitorId", KeyType.HASH), new("visitId", KeyType.RANGE)],
            LocalSecondaryIndexes =
            [
                new LocalSecondaryIndex
                {
                    IndexName = VisitStartIndex,
                    KeySchema = [new("visitorId", KeyType.HASH), new("visitStart", KeyType.RANGE)],
                    Projection = new Projection { ProjectionType = ProjectionType.ALL },
                },
            ],
        }, ttlAttribute: "expiresAt", cancellationToken);

        await EnsureAsync(new CreateTableRequest
        {
            TableName = _options.TombstonesTable,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new("personId", ScalarAttributeType.S)],
            KeySchema = [new("personId", KeyType.HASH)],
        }, ttlAttribute: "expiresAt", cancellationToken);
    }

    private async Task EnsureAsync(CreateTableRequest create, string? ttlAttribute, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.DescribeTableAsync(create.TableName, cancellationToken);
            return;
        }
        catch (ResourceNotFoundException)
        {
            // Create it below.
        }
        try
        {
            await dynamo.CreateTableAsync(create, cancellationToken);
        }
        catch (ResourceInUseException)
        {
            // Another silo is creating it.
        }
        for (var wait = TimeSpan.FromMilliseconds(100); ; wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.TicksPerSecond * 5)))
        {
            var table = await dynamo.DescribeTableAsync(create.TableName, cancellationToken);
            if (table.Table.TableStatus == TableStatus.ACTIVE)
            {
                break;
            }
            await Task.Delay(wait, cancellationToken);
        }
        if (ttlAttribute is not null)
        {
            try
            {
                await dynamo.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
                {
                    TableName = create.TableName,
                    TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = ttlAttribute, Enabled = true },
                }, cancellationToken);
            }
            catch (AmazonDynamoDBException e) when (e.Message.Contains("already enabled", StringComparison.OrdinalIgnoreCase))
            {
                // Another silo that found the table missing at the same moment enabled it first.
            }
        }
    }
}
