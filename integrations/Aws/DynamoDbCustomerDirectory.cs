using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Aws;

/// <summary>
/// The customers table of the original design: one item per enrolled person (hash key faceId, which holds
/// the person id "c-{customerId}" or an enrolled visitor's "v-…"; face ids in tables of earlier builds) holding
/// the customer's id, name and phone, with a GSI on customerId for look-ups by customer and erasure.
/// </summary>
public sealed class DynamoDbCustomerDirectory(IAmazonDynamoDB dynamo, IOptions<CrmTablesOptions> options) : ICustomerDirectory
{
    private readonly string _table = options.Value.CustomersTable;

    public async Task<Customer?> FindByFaceIdAsync(string faceId, CancellationToken cancellationToken)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = _table,
            Key = new() { ["faceId"] = new AttributeValue { S = faceId } },
            ConsistentRead = true,
        }, cancellationToken);
        return response.Item is { Count: > 0 } item ? ToCustomer(item) : null;
    }

    public async Task<bool> EnrolAsync(string personId, Customer customer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(customer);
        var item = new Dictionary<string, AttributeValue>
        {
            ["faceId"] = new() { S = personId },
            ["customerId"] = new() { S = customer.CustomerId },
            ["name"] = new() { S = customer.Name },
        };
        if (!string.IsNullOrEmpty(customer.Phone))
        {
            item["phone"] = new AttributeValue { S = customer.Phone };
        }
        try
        {
            // A person is never re-pointed from one customer to another; the same customer again updates the record.
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = _table,
                Item = item,
                ConditionExpression = "attribute_not_exists(faceId) OR customerId = :c",
                ExpressionAttributeValues = new() { [":c"] = new AttributeValue { S = customer.CustomerId } },
            }, cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task<Customer?> GetAsync(string customerId, CancellationToken cancellationToken)
    {
        var response = await dynamo.QueryAsync(new QueryRequest
        {
            TableName = _table,
            IndexName = CrmTables.CustomerIdIndex,
            KeyConditionExpression = "customerId = :c",
            ExpressionAttributeValues = new() { [":c"] = new AttributeValue { S = customerId } },
            Limit = 1,
        }, cancellationToken);
        return response.Items is { Count: > 0 } items ? ToCustomer(items[0]) : null;
    }

    public async Task<IReadOnlyList<string>> FindFaceIdsAsync(string customerId, CancellationToken cancellationToken)
    {
        var faceIds = new List<string>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            // The GSI is eventually consistent: a face enrolled a moment ago may show only on the next query.
            var page = await dynamo.QueryAsync(new QueryRequest
            {
                TableName = _table,
                IndexName = CrmTables.CustomerIdIndex,
                KeyConditionExpression = "customerId = :c",
                ExpressionAttributeValues = new() { [":c"] = new AttributeValue { S = customerId } },
                ProjectionExpression = "faceId",
                ExclusiveStartKey = start,
            }, cancellationToken);
            faceIds.AddRange((page.Items ?? []).Select(item => item["faceId"].S));
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);
        return faceIds;
    }

    public async Task<IReadOnlyList<string>> EraseAsync(string customerId, CancellationToken cancellationToken)
    {
        var erased = new List<string>();
        foreach (var faceId in await FindFaceIdsAsync(customerId, cancellationToken))
        {
            try
            {
                // Only while the face is still this customer's: a re-enrolment to someone else meanwhile stays.
                await dynamo.DeleteItemAsync(new DeleteItemRequest
                {
                    TableName = _table,
                    Key = new() { ["faceId"] = new AttributeValue { S = faceId } },
                    ConditionExpression = "customerId = :c",
                    ExpressionAttributeValues = new() { [":c"] = new AttributeValue { S = customerId } },
                }, cancellationToken);
                erased.Add(faceId);
            }
            catch (ConditionalCheckFailedException)
            {
                // Already gone (a concurrent erasure) or no longer this customer's.
            }
        }
        return erased;
    }

    private static Customer ToCustomer(Dictionary<string, AttributeValue> item) => new(
        item["customerId"].S,
        item.TryGetValue("name", out var name) ? name.S : "",
        item.TryGetValue("phone", out var phone) ? phone.S : null);
}
