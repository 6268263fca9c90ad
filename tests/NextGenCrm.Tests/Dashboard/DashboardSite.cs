using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Extensions;
using NextGenCrm.Tests.Infrastructure;
using Orleans.TestingHost;

namespace NextGenCrm.Tests.Dashboard;

/// <summary>
/// The silo's site on a real loopback port (a browser cannot reach a test server), in front of a one-silo cluster
/// on the real clock with a short inactivity timeout, so a visitor leaves while the browser watches.
/// </summary>
public sealed class DashboardSite : IAsyncLifetime
{
    public static readonly TimeSpan InactivityTimeout = TimeSpan.FromSeconds(4);

    public TestCluster Cluster { get; private set; } = null!;
    public WebApplication Api { get; private set; } = null!;
    public Uri Address { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();

        var web = WebApplication.CreateBuilder();
        web.Configuration["Auth:SigningKeyFile"] = TestTokens.KeyFile;
        web.Configuration["Audit:Folder"] = Path.Combine(Path.GetDirectoryName(TestTokens.KeyFile)!, $"audit-{Guid.NewGuid():N}");
        web.Logging.SetMinimumLevel(LogLevel.Warning);
        web.WebHost.UseUrls("http://127.0.0.1:0");
        web.Services.AddSingleton<IGrainFactory>(Cluster.Client);
        web.Services.AddKeyedSingleton(GrainClock.Key, TimeProvider.System);
        web.Services.AddSingleton<IFaceSearch>(World.FaceSearch);
        web.Services.AddSingleton<ICustomerDirectory>(World.Directory);
        web.Services.AddSingleton<IImageStore>(World.Images);
        web.Services.AddSiloApi(web.Configuration, new FaceSearchSelection { Provider = FaceSearchProvider.Simulated });
        Api = web.Build();
        Api.MapNextGenCrmApi();
        await Api.StartAsync();
        Address = new Uri(Api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public HttpClient ClientAs(string role, params string[] branches) =>
        new HttpClient { BaseAddress = Address }.WithToken(TestTokens.For(role, branches));

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    public sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Visits:InactivityTimeout"] = InactivityTimeout.ToString(),
                ["Visits:ForwardInterval"] = "00:00:00.500",
                ["Visits:SaveOnShutdown"] = "false",
            }).Build();
            silo.AddMemoryGrainStorage(StorageNames.Visits);
            silo.UseInMemoryReminderService();
            var services = silo.Services;
            services.AddVisitTracking(configuration);
            services.AddWorld(TimeProvider.System);
        }
    }
}
