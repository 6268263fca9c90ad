using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NextGenCrm.FaceDetection;
using NextGenCrm.Integrations.OnPremises;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Extensions;
using NextGenCrm.Tests.Infrastructure;
using Orleans.TestingHost;

namespace NextGenCrm.Tests.Identity;

/// <summary>
/// The world of the on-premises scenarios: the real <see cref="OnPremisesFaceSearch"/> with its index grain, its
/// descriptors in a real SQLite file, and the real embedder (BlazeFace + the dlib ResNet) for photographs; the rest as
/// in <see cref="IdentityWorld"/> (tasks and alerts counted, not deduplicated).
/// </summary>
public static class OnPremisesWorld
{
    public static readonly string Folder = Path.Combine(Path.GetTempPath(), "nextgencrm-tests", $"onprem-{Guid.NewGuid():N}");
    public static string Database => Path.Combine(Folder, "records.db");
    public static readonly Lazy<SqliteFaceDescriptorStore> Store = new(() => new SqliteFaceDescriptorStore(Database));
    public static readonly IOptions<OnPremisesFaceSearchOptions> Options =
        Microsoft.Extensions.Options.Options.Create(new OnPremisesFaceSearchOptions { MaxDistance = OnPremisesScenarios.MaxDistance });
    public static readonly Lazy<PhotoFaceEmbedder> Embedder = new(() => new PhotoFaceEmbedder(new FaceDetectorOptions(), new FaceEmbedderOptions()));

    public static OnPremisesFaceSearch SearchFor(IGrainFactory grains) =>
        new(grains, Options, Embedder.Value, IdentityWorld.Images.ReadAsync);
}

/// <summary>Three silos (the index grain lives on one of them) and the HTTP API in on-premises mode in front.</summary>
public sealed class OnPremisesCluster() : ClusterWithApi<OnPremisesCluster.SiloConfigurator>(3)
{
    protected override Task<WebApplication> StartApiAsync(TestCluster cluster) =>
        ApiInFront.StartAsync(cluster, TimeProvider.System, OnPremisesWorld.SearchFor(cluster.Client), IdentityWorld.Directory, IdentityWorld.Images,
            IdentityWorld.Tombstones, selection: new FaceSearchSelection { Provider = FaceSearchProvider.OnPremises, AcceptsPictures = true });

    public sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            IdentityCluster.ConfigureWorld(silo);
            silo.Services.AddSingleton<IFaceDescriptorStore>(_ => OnPremisesWorld.Store.Value);
            silo.Services.AddSingleton<IFaceSearch>(sp => OnPremisesWorld.SearchFor(sp.GetRequiredService<IGrainFactory>()));
        }
    }
}
