using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Identity;

/// <summary>Recognition improves with each visit: a person's later visits add their faces to them in the collection.</summary>
[Collection(ClusterCollection.Name)]
public sealed class LaterFacesTests(ClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    [Fact]
    public async Task A_strangers_second_visit_adds_a_face_and_a_customers_first_does_but_a_first_visit_of_a_stranger_does_not()
    {
        var branch = World.NewBranch("faces");
        var stranger = $"later-{Guid.NewGuid():N}";
        var customerFace = $"later-cust-{Guid.NewGuid():N}";
        await World.EnrolAsync($"cf-{Guid.NewGuid():N}"[..20], "Inês Duarte", customerFace);

        var first = await _grains.RecordAsync(Sightings.Of(stranger, branch, "lobby", "t1"));
        await _grains.RecordAsync(Sightings.Of(customerFace, branch, "lobby", "t2"));
        await Sightings.EventuallyAsync(() => World.FaceSearch.FacesStoredFor(customerFace) == 2, "the customer's camera face is added");
        Assert.Equal(1, World.FaceSearch.FacesStoredFor(stranger));

        World.Clock.Advance(TimeSpan.FromMinutes(16));
        var second = await _grains.RecordAsync(Sightings.Of(stranger, branch, "door", "t3"));

        Assert.Equal(SightingOutcome.NewVisit, second.Outcome);
        Assert.Equal(first.VisitorId, second.VisitorId);
        await Sightings.EventuallyAsync(() => World.FaceSearch.FacesStoredFor(stranger) == 2, "the stranger's second visit adds a face");
        Assert.Single(World.FaceSearch.PeopleWithToken(stranger));
    }
}
