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
    public static readonly Lazy<PhotoFaceEmbedder> Embedder = new(() => new PhotoFaceEmbedder(new FaceDetectorOptions(), new FaceEmbedderOptions()));
}

/// <summary>
/// Three production silos in on-premises mode (<c>FaceSearch:Provider=OnPremises</c>; the index grain lives on one of
/// them), sharing one descriptor file and one embedder as a cluster's silos share the DynamoDB table; the first serves HTTP.
/// </summary>
public sealed class OnPremisesCluster : IAsyncLifetime
{
    private SiloCluster _cluster = null!;

    /// <summary>A client with an admin token.</summary>
    public HttpClient Http { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var settings = WorldSilo.ScenarioSettings();
        settings["FaceSearch:Provider"] = "OnPremises";
        settings["FaceSearch:OnPremises:MaxDistance"] = OnPremisesScenarios.MaxDistance.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _cluster = await SiloCluster.StartAsync(3, new SiloFactoryOptions
        {
            Settings = settings,
            Services = services =>
            {
                IdentityCluster.AddWorld(services);
                services.AddSingleton(IdentityWorld.Images);
                services.AddSingleton<IFaceDescriptorStore>(_ => OnPremisesWorld.Store.Value);
                services.AddSingleton<IFaceEmbedder>(_ => OnPremisesWorld.Embedder.Value);
            },
        });
        Http = _cluster.First.Client(TestTokens.Admin());
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _cluster.DisposeAsync();
    }
}
