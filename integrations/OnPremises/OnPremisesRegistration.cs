using Amazon.DynamoDBv2;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.OnPremises;

public static class OnPremisesRegistration
{
    /// <summary>
    /// The on-premises face search (<c>FaceSearch:Provider=OnPremises</c>) and its descriptor store, as the host chose it
    /// from <paramref name="settings"/> (bound and validated); <paramref name="recordsDatabase"/> is the data folder's
    /// SQLite file for the local store. Code reads the same settings as <c>IOptions&lt;OnPremisesFaceSearchOptions&gt;</c>.
    /// </summary>
    public static IServiceCollection AddOnPremisesFaceSearch(
        this IServiceCollection services, IConfiguration configuration, OnPremisesFaceSearchOptions settings, FaceDescriptorStoreKind store, string? recordsDatabase)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(settings);
        services.AddOptions<OnPremisesFaceSearchOptions>().BindConfiguration(OnPremisesFaceSearchOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OnPremisesFaceSearchOptions>, OnPremisesFaceSearchOptionsValidator>());
        switch (store)
        {
            case FaceDescriptorStoreKind.Local:
                ArgumentException.ThrowIfNullOrEmpty(recordsDatabase);
                services.AddSingleton<IFaceDescriptorStore>(_ => new SqliteFaceDescriptorStore(recordsDatabase));
                break;
            case FaceDescriptorStoreKind.DynamoDb:
                services.AddAwsClients(configuration);
                services.AddSingleton<IFaceDescriptorStore>(sp =>
                {
                    var o = sp.GetRequiredService<IOptions<OnPremisesFaceSearchOptions>>().Value;
                    return new DynamoDbFaceDescriptorStore(sp.GetRequiredService<IAmazonDynamoDB>(), o.TableName, o.CreateTableIfMissing);
                });
                break;
            default:
                services.AddSingleton<IFaceDescriptorStore, InMemoryFaceDescriptorStore>();
                break;
        }
        // Pictures become descriptors here when the models are installed; without them only descriptors are accepted.
        if (PhotoFaceEmbedder.ModelsPresent(settings.Detection, settings.Embedding))
        {
            services.AddSingleton<IFaceEmbedder>(_ => new PhotoFaceEmbedder(settings.Detection, settings.Embedding));
        }
        services.AddSingleton(sp => new OnPremisesFaceSearch(
            sp.GetRequiredService<IGrainFactory>(),
            sp.GetRequiredService<IOptions<OnPremisesFaceSearchOptions>>(),
            sp.GetService<IFaceEmbedder>(),
            sp.GetService<LocalFolderImageStore>() is { } images ? images.ReadAsync : null));
        services.AddSingleton<IFaceSearch>(sp => sp.GetRequiredService<OnPremisesFaceSearch>());
        return services;
    }
}
