using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NextGenCrm.Orleans.DynamoDb.Storage;
using Orleans.Hosting;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace NextGenCrm.Orleans.DynamoDb;

/// <summary>Wires a named DynamoDB grain storage provider into a silo in one line.</summary>
public static class DynamoDbGrainStorageExtensions
{
    /// <summary>Grain storage named <paramref name="name"/> (the name grains give in <c>[PersistentState(..., name)]</c>).</summary>
    public static ISiloBuilder AddDynamoDbGrainStorage(this ISiloBuilder builder, string name, Action<DynamoDbGrainStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);

        var services = builder.Services;
        services.Configure(name, configure);
        // Fills GrainStorageSerializer from the silo's registered serializer when the caller set none.
        services.AddTransient<IPostConfigureOptions<DynamoDbGrainStorageOptions>, DefaultStorageProviderSerializerOptionsConfigurator<DynamoDbGrainStorageOptions>>();
        services.AddSingleton<IConfigurationValidator>(sp => new DynamoDbOptionsValidator<DynamoDbGrainStorageOptions>(
            sp.GetRequiredService<IOptionsMonitor<DynamoDbGrainStorageOptions>>().Get(name), name));
        services.AddGrainStorage(name, DynamoDbGrainStorage.Create);
        return builder;
    }

    /// <summary>The default grain storage (used by <c>[PersistentState]</c> without a storage name).</summary>
    public static ISiloBuilder AddDynamoDbGrainStorageAsDefault(this ISiloBuilder builder, Action<DynamoDbGrainStorageOptions> configure) =>
        builder.AddDynamoDbGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configure);
}
