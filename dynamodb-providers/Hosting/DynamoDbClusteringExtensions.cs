using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NextGenCrm.Orleans.DynamoDb.Membership;
using Orleans;
using Orleans.Hosting;
using Orleans.Messaging;

namespace NextGenCrm.Orleans.DynamoDb;

/// <summary>Wires DynamoDB membership into a silo, and the DynamoDB gateway list into a client, in one line each.</summary>
public static class DynamoDbClusteringExtensions
{
    /// <summary>Silo membership in the DynamoDB table of <see cref="DynamoDbClusteringOptions"/>.</summary>
    public static ISiloBuilder UseDynamoDbClustering(this ISiloBuilder builder, Action<DynamoDbClusteringOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddClusteringOptions(builder.Services, configure);
        builder.Services.AddSingleton<IMembershipTable, DynamoDbMembershipTable>();
        return builder;
    }

    /// <summary>The client finds gateways among the active silos of the DynamoDB membership table.</summary>
    public static IClientBuilder UseDynamoDbClustering(this IClientBuilder builder, Action<DynamoDbClusteringOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddClusteringOptions(builder.Services, configure);
        builder.Services.AddSingleton<IGatewayListProvider, DynamoDbGatewayListProvider>();
        return builder;
    }

    private static void AddClusteringOptions(IServiceCollection services, Action<DynamoDbClusteringOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.Configure(configure);
        services.AddSingleton<IConfigurationValidator>(sp => new DynamoDbOptionsValidator<DynamoDbClusteringOptions>(
            sp.GetRequiredService<IOptions<DynamoDbClusteringOptions>>().Value, "clustering"));
    }
}
