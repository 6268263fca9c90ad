using Amazon.DynamoDBv2;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.OnPremises;

public static class OnPremisesRegistration
{
    /// <summary>
    /// The on-premises face search (<c>FaceSearch:Provider=OnPremises</c>) and its store: <paramref name="defaultStore"/>
    /// unless <c>FaceSearch:OnPremises:Store</c> names one; <paramref name="recordsDatabase"/> is the data folder's SQLite
    /// file for the local store. Registered after the embedded defaults, so it is the <see cref="IFaceSearch"/>.
    /// </summary>
    public static IServiceCollection AddOnPremisesFaceSearch(
        this IServiceCollection services, IConfiguration configuration, FaceDescriptorStoreKind defaultStore, string? recordsDatabase)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<OnPremisesFaceSearchOptions>().Bind(configuration.GetSection(OnPremisesFaceSearchOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OnPremisesFaceSearchOptions>, OnPremisesFaceSearchOptionsValidator>();
        var store = configuration.GetSection(OnPremisesFaceSearchOptions.SectionName).Get<OnPremisesFaceSearchOptions>()?.Store ?? defaultStore;
        switch (store)
        {
            case FaceDescriptorStoreKind.Local:
                if (string.IsNullOrEmpty(recordsDatabase))
                {
                    throw new InvalidOperationException($"{OnPremisesFaceSearchOptions.SectionName}:Store=Local needs the data folder (Silo:DataDir), which --ephemeral turns off.");
                }
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
        var settings = configuration.GetSection(OnPremisesFaceSearchOptions.SectionName).Get<OnPremisesFaceSearchOptions>() ?? new();
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
