using NextGenCrm.Integrations.OnPremises;
using NextGenCrm.Silo.Configuration;

namespace NextGenCrm.Silo.Extensions;

public static class OnPremisesFaceSearchExtensions
{
    /// <summary>
    /// <c>FaceSearch:Provider=OnPremises</c>: descriptors in DynamoDB on a DynamoDB cluster, in the data folder's
    /// <c>records.db</c> otherwise (in memory with <c>--ephemeral</c>), unless <c>FaceSearch:OnPremises:Store</c> says.
    /// Pictures are accepted only when a face embedder is installed.
    /// </summary>
    public static IServiceCollection AddOnPremisesFaceSearch(
        this IServiceCollection services, IConfiguration configuration, FaceSearchSelection selection, OrleansSettings orleans, LocalStoreOptions local)
    {
        var defaultStore = orleans.Storage == OrleansSettings.DynamoDB ? FaceDescriptorStoreKind.DynamoDb
            : local.InUse ? FaceDescriptorStoreKind.Local
            : FaceDescriptorStoreKind.Memory;
        try
        {
            services.AddOnPremisesFaceSearch(configuration, defaultStore, local.InUse ? local.RecordsDatabase : null);
        }
        catch (InvalidOperationException wrong)
        {
            throw new InvalidSettingException(wrong.Message);
        }
        selection.AcceptsPictures = services.Any(d => d.ServiceType == typeof(IFaceEmbedder));
        return services;
    }
}
