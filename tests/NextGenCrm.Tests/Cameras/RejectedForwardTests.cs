using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Ports;
using System.Reflection;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Cameras;

/// <summary>
/// A visitor lets go of itself when its visit has closed; a camera's forward reaching it in that moment is rejected
/// by Orleans (after two forwards to the activation going away) without having run. The camera sends it once more
/// rather than answering "not recorded" (which the edge agent would have to send again). Orleans' rejection is
/// stood in for by a call filter that rejects a visitor's first sighting before it runs, as Orleans' does.
/// </summary>
public sealed class RejectedForwardTests
{
    [Fact]
    public async Task A_forward_rejected_before_it_ran_is_sent_again_and_the_sighting_is_recorded_once()
    {
        var rejections = new RejectFirstSighting();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow); // its own: other classes move World.Clock meanwhile
        await using var silo = WorldSilo.Start(services: s => Reject(s, rejections), clock: clock);
        var grains = silo.Grains;
        var branch = World.NewBranch("rejected");
        var face = $"rejected-{Guid.NewGuid():N}";

        var seen = await grains.RecordAsync(Sightings.Of(face, branch, "lobby", "t1", clock.GetUtcNow()));

        Assert.Equal(SightingOutcome.NewVisit, seen.Outcome);
        Assert.Equal(1, rejections.Rejected);
        Assert.Equal(seen.VisitId, Assert.Single(await grains.VisitsAsync(seen.VisitorId!)).VisitId);
        await Sightings.EventuallyAsync(() => World.TasksAt(branch).Count == 1, "the visit's task is delivered");
        await Sightings.EventuallyAsync(() => World.AlertsAt(branch).Count == 1, "the stranger's SMS is sent");
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Single(World.TasksAt(branch)); // and neither is sent twice
        Assert.Single(World.AlertsAt(branch));
    }

    [Fact]
    public async Task A_forward_rejected_twice_fails_that_sighting_alone_and_the_next_one_is_recorded()
    {
        var rejections = new RejectFirstSighting(times: 2);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var silo = WorldSilo.Start(services: s => Reject(s, rejections), clock: clock);
        var grains = silo.Grains;
        var branch = World.NewBranch("rejected");
        var face = $"rejected-{Guid.NewGuid():N}";

        await Assert.ThrowsAsync<OrleansMessageRejectionException>(() => grains.RecordAsync(Sightings.Of(face, branch, "lobby", "t1", clock.GetUtcNow())));
        var again = await grains.RecordAsync(Sightings.Of(face, branch, "lobby", "t1", clock.GetUtcNow().AddSeconds(1)));

        Assert.Equal(2, rejections.Rejected);
        Assert.Equal(SightingOutcome.NewVisit, again.Outcome);
        Assert.Single(await grains.VisitsAsync(again.VisitorId!));
    }

    /// <summary>
    /// The rejecting filter, and a face search without lost answers: World's loses 2 % of them, as Rekognition can, and
    /// the duplicate face that leaves is merged into another visitor, which is not what these tests look at.
    /// </summary>
    private static void Reject(IServiceCollection services, RejectFirstSighting rejections)
    {
        var faces = new SimulatedFaceSearch(SimulatedFaceSearchOptions.Instant);
        services.AddSingleton<IFaceSearch>(faces);
        services.AddSingleton<IFaceCollectionUpkeep>(faces);
        services.AddSingleton<IIncomingGrainCallFilter>(rejections);
    }

    /// <summary>Rejects the first <paramref name="times"/> sightings reaching any visitor, before the visitor runs.</summary>
    private sealed class RejectFirstSighting(int times = 1) : IIncomingGrainCallFilter
    {
        private static readonly ConstructorInfo Rejection = typeof(OrleansMessageRejectionException)
            .GetConstructor(BindingFlags.NonPublic | BindingFlags.Instance, [typeof(string)])!;

        private int _seen;
        private int _rejected;

        public int Rejected => Volatile.Read(ref _rejected);

        public Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.InterfaceMethod.DeclaringType == typeof(IVisitorGrain) && context.InterfaceMethod.Name == nameof(IVisitorGrain.RecordSighting) && Interlocked.Increment(ref _seen) <= times)
            {
                Interlocked.Increment(ref _rejected);
                throw (OrleansMessageRejectionException)Rejection.Invoke(["Forwarding failed: the activation is going away (injected)"]);
            }
            return context.Invoke();
        }
    }
}
