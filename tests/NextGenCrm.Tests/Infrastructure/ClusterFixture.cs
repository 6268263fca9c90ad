using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Extensions;
using Orleans.TestingHost;

namespace NextGenCrm.Tests.Infrastructure;

/// <summary>A two-silo cluster and the silo's HTTP API in front of it, shared by the scenario tests.</summary>
public sealed class ClusterFixture() : ClusterWithApi<ClusterFixture.SiloConfigurator>(2)
{
    protected override Task<WebApplication> StartApiAsync(TestCluster cluster) =>
        ApiInFront.StartAsync(cluster, World.Clock, World.FaceSearch, World.Directory, World.Images, World.Tombstones);

    public sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Visits:InactivityTimeout"] = "00:15:00",
                ["Visits:DeliveryRetryBase"] = "00:00:00.200",
                ["Visits:SaveOnShutdown"] = "false", // memory storage ends with the cluster
                ["Visits:ExitCameras:0"] = CameraKeys.Format(World.ExitBranch, World.ExitCamera),
            }).Build();
            silo.AddMemoryGrainStorage(StorageNames.Visits);
            silo.UseInMemoryReminderService();
            var services = silo.Services;
            services.AddVisitTracking(configuration);
            services.AddWorld(World.Clock);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    // The scenarios share one cluster and one visit clock, so they run one after another.
    public const string Name = "cluster";
}
