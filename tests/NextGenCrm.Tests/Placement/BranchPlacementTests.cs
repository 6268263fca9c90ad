using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.Configuration;
using NextGenCrm.Silo.Extensions;
using NextGenCrm.Tests.Infrastructure;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace NextGenCrm.Tests.Placement;

/// <summary>
/// On three silos, what a sighting touches at one branch (its cameras, the branch, its face registrar, and the
/// visitor the camera calls) is on one silo, and a branch whose silo stops comes back whole on another.
/// </summary>
public sealed class BranchPlacementTests : IAsyncLifetime
{
    /// <summary>
    /// This cluster's own clock: the shared World.Clock is advanced by tests running beside this one, which would
    /// close these visits (and let their visitors leave memory) while the test looks for where they live.
    /// </summary>
    private static readonly FakeTimeProvider Clock = new(DateTimeOffset.UtcNow);

    private const int Branches = 12;
    private static readonly string[] Cameras = ["entrance", "lobby", "teller"];
    private TestCluster _cluster = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = new TestClusterBuilder(3);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task A_branchs_grains_share_one_silo_and_move_together_when_it_stops()
    {
        var grains = _cluster.Client;
        var management = grains.GetGrain<IManagementGrain>(0);
        var branches = Enumerable.Range(0, Branches).Select(i => World.NewBranch($"place{i}")).ToList();

        // A stranger walks past every camera of every branch: cameras, registrar, visitor and branch all activate.
        var homes = new Dictionary<string, SiloAddress>();
        foreach (var branch in branches)
        {
            var silos = await SightEveryCameraAsync(grains, management, branch, $"stranger-{branch}");
            homes[branch] = Assert.Single(silos.Distinct());
        }
        // Spread over the silos, not all on one (12 branches on one of 3 silos by chance: 3 in 177,147).
        Assert.True(homes.Values.Distinct().Count() > 1, $"all {Branches} branches on one silo");

        // Stop a silo that holds branches (a secondary one: the test cluster's membership lives on the primary).
        var victim = _cluster.SecondarySilos.First(s => homes.Values.Contains(s.SiloAddress));
        var moved = branches.Where(b => homes[b] == victim.SiloAddress).ToList();
        var stayed = branches.Where(b => homes[b] != victim.SiloAddress).ToList();
        await _cluster.StopSiloAsync(victim, TestContext.Current.CancellationToken);

        foreach (var branch in moved)
        {
            // The same branch, a new stranger: every grain activates again, all on one surviving silo.
            var silos = await SightEveryCameraAsync(grains, management, branch, $"second-{branch}");
            var home = Assert.Single(silos.Distinct());
            Assert.NotEqual(victim.SiloAddress, home);
        }
        foreach (var branch in stayed)
        {
            // Branches whose silo lives on stay where they were.
            var silos = await SightEveryCameraAsync(grains, management, branch, $"second-{branch}");
            Assert.Equal(homes[branch], Assert.Single(silos.Distinct()));
        }
    }

    /// <summary>Sights a new face at each camera of the branch; returns the silo of every grain involved.</summary>
    private static async Task<List<SiloAddress>> SightEveryCameraAsync(IGrainFactory grains, IManagementGrain management, string branch, string face)
    {
        var silos = new List<SiloAddress>();
        string? visitorId = null;
        foreach (var camera in Cameras)
        {
            var result = await grains.RecordAsync(Sightings.Of(face, branch, camera, $"{face}-{camera}", Clock.GetUtcNow()));
            visitorId = Assert.IsType<string>(result.VisitorId);
            silos.Add(await AddressOf(management, grains.GetGrain<ICameraGrain>(CameraKeys.Format(branch, camera))));
        }
        silos.Add(await AddressOf(management, grains.GetGrain<IBranchGrain>(branch)));
        silos.Add(await AddressOf(management, grains.GetGrain<IFaceRegistrarGrain>(branch)));
        silos.Add(await AddressOf(management, grains.GetGrain<IVisitorGrain>(visitorId!)));
        return silos;
    }

    private static async Task<SiloAddress> AddressOf(IManagementGrain management, IAddressable grain) =>
        Assert.IsType<SiloAddress>(await management.GetActivationAddress(grain));

    public sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Visits:SaveOnShutdown"] = "false", // memory storage ends with the cluster
            }).Build();
            silo.AddMemoryGrainStorage(StorageNames.Visits);
            silo.UseInMemoryReminderService();
            silo.Services.AddVisitTracking(configuration);
            silo.Services.AddWorld(Clock);
        }
    }
}
