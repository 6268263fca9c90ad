using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Providers;

[assembly: RegisterProvider("DynamoDB", "Clustering", "Silo", typeof(DynamoDBClusteringProviderBuilder))]
[assembly: RegisterProvider("DynamoDB", "Clustering", "Client", typeof(DynamoDBClusteringProviderBuilder))]
[assembly: RegisterProvider("DynamoDB", "GrainStorage", "Silo", typeof(DynamoDBGrainStorageProviderBuilder))]
[assembly: RegisterProvider("DynamoDB", "Reminders", "Silo", typeof(DynamoDBRemindersProviderBuilder))]

namespace Orleans.Hosting;

/// <summary><c>Orleans:Clustering:ProviderType=DynamoDB</c>: the section's keys are <see cref="DynamoDBClusteringOptions"/>'s.</summary>
internal sealed class DynamoDBClusteringProviderBuilder : IProviderBuilder<ISiloBuilder>, IProviderBuilder<IClientBuilder>
{
    public void Configure(ISiloBuilder builder, string? name, IConfigurationSection configurationSection) =>
        builder.UseDynamoDBClustering(options => options.BindProviderSection(configurationSection));

    public void Configure(IClientBuilder builder, string? name, IConfigurationSection configurationSection) =>
        builder.UseDynamoDBClustering(options => options.BindProviderSection(configurationSection));
}

/// <summary><c>Orleans:GrainStorage:{name}:ProviderType=DynamoDB</c>: the section's keys are <see cref="DynamoDBStorageOptions"/>'s.</summary>
internal sealed class DynamoDBGrainStorageProviderBuilder : IProviderBuilder<ISiloBuilder>
{
    public void Configure(ISiloBuilder builder, string? name, IConfigurationSection configurationSection) =>
        builder.AddDynamoDBGrainStorage(name!, options => options.BindProviderSection(configurationSection));
}

/// <summary><c>Orleans:Reminders:ProviderType=DynamoDB</c>: the section's keys are <see cref="DynamoDBReminderStorageOptions"/>'s.</summary>
internal sealed class DynamoDBRemindersProviderBuilder : IProviderBuilder<ISiloBuilder>
{
    public void Configure(ISiloBuilder builder, string? name, IConfigurationSection configurationSection) =>
        builder.UseDynamoDBReminderService(options => options.BindProviderSection(configurationSection));
}
