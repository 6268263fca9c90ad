using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NextGenCrm.Orleans.DynamoDb.Membership;
using Orleans.Configuration;
using Orleans.Messaging;

namespace Orleans.Hosting;

/// <summary>DynamoDB membership for a silo, and the DynamoDB gateway list for a client, in one line each.</summary>
public static class DynamoDBClusteringHostingExtensions
{
    public static ISiloBuilder UseDynamoDBClustering(this ISiloBuilder builder, Action<DynamoDBClusteringOptions> configureOptions) =>
        builder.UseDynamoDBClustering(options => options.Configure(configureOptions));

    /// <summary>Silo membership in the DynamoDB table of <see cref="DynamoDBClusteringOptions"/>.</summary>
    public static ISiloBuilder UseDynamoDBClustering(this ISiloBuilder builder, Action<OptionsBuilder<DynamoDBClusteringOptions>>? configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddOptions(builder.Services, configureOptions);
        builder.Services.AddSingleton<IMembershipTable, DynamoDBMembershipTable>();
        return builder;
    }

    public static IClientBuilder UseDynamoDBClustering(this IClientBuilder builder, Action<DynamoDBClusteringOptions> configureOptions) =>
        builder.UseDynamoDBClustering(options => options.Configure(configureOptions));

    /// <summary>The client finds gateways among the active silos of the DynamoDB membership table.</summary>
    public static IClientBuilder UseDynamoDBClustering(this IClientBuilder builder, Action<OptionsBuilder<DynamoDBClusteringOptions>>? configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddOptions(builder.Services, configureOptions);
        builder.Services.AddSingleton<IGatewayListProvider, DynamoDBGatewayListProvider>();
        return builder;
    }

    private static void AddOptions(IServiceCollection services, Action<OptionsBuilder<DynamoDBClusteringOptions>>? configureOptions)
    {
        configureOptions?.Invoke(services.AddOptions<DynamoDBClusteringOptions>());
        services.AddSingleton<IConfigurationValidator>(sp =>
            new DynamoDBClusteringOptionsValidator(sp.GetRequiredService<IOptions<DynamoDBClusteringOptions>>().Value));
    }
}
