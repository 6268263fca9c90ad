using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NextGenCrm.Orleans.DynamoDb.Storage;
using Orleans.Configuration;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace Orleans.Hosting;

/// <summary>A named DynamoDB grain storage in a silo, in one line.</summary>
public static class DynamoDBGrainStorageSiloBuilderExtensions
{
    public static ISiloBuilder AddDynamoDBGrainStorage(this ISiloBuilder builder, string name, Action<DynamoDBStorageOptions> configureOptions) =>
        builder.AddDynamoDBGrainStorage(name, options => options.Configure(configureOptions));

    /// <summary>Grain storage named <paramref name="name"/> (the name grains give in <c>[PersistentState(..., name)]</c>).</summary>
    public static ISiloBuilder AddDynamoDBGrainStorage(this ISiloBuilder builder, string name, Action<OptionsBuilder<DynamoDBStorageOptions>>? configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var services = builder.Services;
        configureOptions?.Invoke(services.AddOptions<DynamoDBStorageOptions>(name));
        // Fills GrainStorageSerializer from the silo's registered serializer when the caller set none.
        services.AddTransient<IPostConfigureOptions<DynamoDBStorageOptions>, DefaultStorageProviderSerializerOptionsConfigurator<DynamoDBStorageOptions>>();
        services.AddSingleton<IConfigurationValidator>(sp =>
            new DynamoDBGrainStorageOptionsValidator(sp.GetRequiredService<IOptionsMonitor<DynamoDBStorageOptions>>().Get(name), name));
        services.AddGrainStorage(name, DynamoDBGrainStorage.Create);
        return builder;
    }

    /// <summary>The default grain storage (used by <c>[PersistentState]</c> without a storage name).</summary>
    public static ISiloBuilder AddDynamoDBGrainStorageAsDefault(this ISiloBuilder builder, Action<DynamoDBStorageOptions> configureOptions) =>
        builder.AddDynamoDBGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configureOptions);
}
