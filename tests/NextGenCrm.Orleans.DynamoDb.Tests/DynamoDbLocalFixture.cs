using Amazon.DynamoDBv2;
using Microsoft.Extensions.Options;
using NextGenCrm.Orleans.DynamoDb.Tests;
using NextGenCrm.TestSupport;
using Orleans.Configuration;

[assembly: AssemblyFixture(typeof(DynamoDbLocalFixture))]

namespace NextGenCrm.Orleans.DynamoDb.Tests;

/// <summary>One DynamoDB Local for the whole run; each test isolates itself with its own table names and ids.</summary>
public sealed class DynamoDbLocalFixture : IAsyncLifetime
{
    private DynamoDbLocal? _dynamo;

    public DynamoDbLocal Dynamo => _dynamo ?? throw new InvalidOperationException("DynamoDB Local is not started.");

    public async ValueTask InitializeAsync() => _dynamo = await DynamoDbLocal.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_dynamo is not null)
        {
            await _dynamo.DisposeAsync();
        }
    }

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>Options pointed at this DynamoDB Local, on a table of their own.</summary>
    public T Options<T>(string tablePrefix) where T : DynamoDBClientOptions, new() => Configure(new T(), tablePrefix);

    public T Configure<T>(T options, string tablePrefix) where T : DynamoDBClientOptions
    {
        options.Service = Dynamo.ServiceUrl;
        options.TableName = Unique(tablePrefix);
        return options;
    }

    public static IOptions<ClusterOptions> Cluster() => Microsoft.Extensions.Options.Options.Create(new ClusterOptions
    {
        ClusterId = Unique("cluster"),
        ServiceId = Unique("service"),
    });

    public AmazonDynamoDBClient CreateClient() => Dynamo.CreateClient();
}
