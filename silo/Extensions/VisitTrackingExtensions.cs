using Microsoft.Extensions.DependencyInjection.Extensions;
using NextGenCrm.Cameras;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Placement;
using NextGenCrm.Ports;
using NextGenCrm.ServiceDefaults;
using NextGenCrm.StoredState;
using NextGenCrm.Visits;

namespace NextGenCrm.Silo.Extensions;

public static class VisitTrackingExtensions
{
    /// <summary>What the grains need from the silo's container: the visit policy, metrics, the track resolver and the clock.</summary>
    public static IServiceCollection AddVisitTracking(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<VisitPolicy, VisitPolicyValidator>(configuration, VisitPolicy.SectionName);
        services.AddMetrics();
        services.AddSingleton<VisitMetrics>();
        services.AddHostedService<FaceCollectionUpkeepStarter>();
        services.AddSingleton<TrackResolver>();
        services.AddSingleton<PersonalData>();
        services.AddStoredStateSerializer();
        // The erasure fence in this process, on the grains' clock, for a host that composes the grains alone (the silo chose its own).
        services.TryAddSingleton<IErasureTombstones>(sp => new InMemoryErasureTombstones(sp.GetRequiredKeyedService<TimeProvider>(GrainClock.Key)));
        services.AddKeyedSingleton(GrainClock.Key, TimeProvider.System);
        // A branch's cameras, branch grain and face registrar on one silo (NextGenCrm.Placement.BranchPlacement).
        services.AddPlacementDirector<BranchPlacement, BranchPlacementDirector>();
        return services;
    }
}
