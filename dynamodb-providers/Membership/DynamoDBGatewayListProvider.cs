using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.Orleans.DynamoDb.Internal;
using Orleans;
using Orleans.Configuration;
using Orleans.Messaging;
using Orleans.Runtime;
using static NextGenCrm.Orleans.DynamoDb.Membership.MembershipItem;

namespace NextGenCrm.Orleans.DynamoDb.Membership;

/// <summary>The client's list of gateways: active silos of the cluster that have a gateway (proxy) port.</summary>
public sealed partial class DynamoDBGatewayListProvider : IGatewayListProvider, IDisposable
{
    private readonly DynamoDBClusteringOptions _options;
    private readonly string _clusterId;
    private readonly ILogger<DynamoDBGatewayListProvider> _logger;
    private readonly IAmazonDynamoDB _client;

    public DynamoDBGatewayListProvider(
        IOptions<DynamoDBClusteringOptions> options,
        IOptions<ClusterOptions> clusterOptions,
        IOptions<GatewayOptions> gatewayOptions,
        ILogger<DynamoDBGatewayListProvider> logger)
    {
        _options = options.Value;
        _clusterId = clusterOptions.Value.ClusterId;
        _logger = logger;
        MaxStaleness = gatewayOptions.Value.GatewayListRefreshPeriod;
        _client = DynamoDbClientFactory.Create(_options);
    }

    public TimeSpan MaxStaleness { get; }

    public bool IsUpdatable => true;

    // The silos create the table; a client only reads it and must not need CreateTable permission.
    public Task InitializeGatewayListProvider() => Task.CompletedTask;

    public async Task<IList<Uri>> GetGateways()
    {
        List<Dictionary<string, AttributeValue>> items;
        try
        {
            items = await DynamoDbPaging.QueryAllAsync(_client, new QueryRequest
            {
                TableName = _options.TableName,
                KeyConditionExpression = "#cluster = :cluster",
                FilterExpression = "#status = :active AND #proxy > :zero",
                ExpressionAttributeNames = new() { ["#cluster"] = ClusterId, ["#status"] = Status, ["#proxy"] = ProxyPort },
                ExpressionAttributeValues = new()
                {
                    [":cluster"] = new AttributeValue { S = _clusterId },
                    [":active"] = Number((int)SiloStatus.Active),
                    [":zero"] = Number(0),
                },
            }, CancellationToken.None);
        }
        catch (ResourceNotFoundException)
        {
            LogTableMissing(_options.TableName);
            return [];
        }

        return items
            .Select(ToEntry)
            .Select(row => SiloAddress.New(row.Item1.SiloAddress.Endpoint.Address, row.Item1.ProxyPort, row.Item1.SiloAddress.Generation).ToGatewayUri())
            .ToList();
    }

    public void Dispose() => _client.Dispose();

    [LoggerMessage(LogLevel.Warning, "Membership table {TableName} does not exist yet: no gateways")]
    private partial void LogTableMissing(string tableName);
}
