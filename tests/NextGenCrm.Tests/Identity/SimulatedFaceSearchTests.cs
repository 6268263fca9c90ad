using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Ports;

namespace NextGenCrm.Tests.Identity;

/// <summary>The embedded face search behaves as Rekognition does where identity depends on it.</summary>
public sealed class SimulatedFaceSearchTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_added_face_is_stored_again_and_a_search_names_the_person()
    {
        var search = new SimulatedFaceSearch(SimulatedFaceSearchOptions.Instant);

        await search.AddFaceAsync(FaceImage.FromToken("ana"), "c-ana", Ct);
        await search.AddFaceAsync(FaceImage.FromToken("ana"), "c-ana", Ct);
        var found = await search.SearchAsync(FaceImage.FromToken("ana"), Ct);

        Assert.Equal(2, search.FacesStoredFor("ana"));
        Assert.Equal(1, search.PersonCount);
        Assert.Equal("c-ana", found.PersonId);
        Assert.Equal(FaceSearchOutcome.NoMatch, (await search.SearchAsync(FaceImage.FromToken("bruno"), Ct)).Outcome);
    }

    [Fact]
    public async Task Two_people_with_one_face_are_answered_with_the_older_and_the_other_to_merge()
    {
        var search = new SimulatedFaceSearch(SimulatedFaceSearchOptions.Instant);
        var older = PersonIds.NewAnonymous(DateTimeOffset.UtcNow.AddMinutes(-1));
        var younger = PersonIds.NewAnonymous(DateTimeOffset.UtcNow);

        await search.AddFaceAsync(FaceImage.FromToken("twin"), younger, Ct);
        await search.AddFaceAsync(FaceImage.FromToken("twin"), older, Ct);
        var found = await search.SearchAsync(FaceImage.FromToken("twin"), Ct);

        Assert.Equal(older, found.PersonId);
        Assert.Equal([younger], found.AlsoMatched!);
    }

    [Fact]
    public async Task Lost_answers_are_retried_without_storing_any_face_twice()
    {
        var search = new SimulatedFaceSearch(new SimulatedFaceSearchOptions { MinLatency = TimeSpan.Zero, MaxLatency = TimeSpan.Zero, LostAnswerRate = 0.3, MaxAttempts = 10 });
        for (var i = 0; i < 20; i++)
        {
            await search.AddFaceAsync(FaceImage.FromToken($"p{i}"), $"v-p{i}", Ct);
        }

        Assert.True(search.LostAnswers > 0, "some answers were lost");
        Assert.Equal(20, search.IndexFacesCalls);
        Assert.Equal(20, search.FaceCount);
        Assert.Equal(20, search.PersonCount);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal($"v-p{i}", (await search.SearchAsync(FaceImage.FromToken($"p{i}"), Ct)).PersonId);
        }
    }

    [Fact]
    public async Task A_face_no_person_takes_is_deleted_at_the_second_sweep()
    {
        var search = new SimulatedFaceSearch(SimulatedFaceSearchOptions.Instant);
        for (var i = 0; i <= SimulatedFaceSearchOptions.MaxFacesPerPerson; i++)
        {
            await search.AddFaceAsync(FaceImage.FromToken("busy"), "c-busy", Ct);
        }

        Assert.Equal(SimulatedFaceSearchOptions.MaxFacesPerPerson + 1, search.FaceCount);
        Assert.Equal(0, await search.SweepOrphanFacesAsync(Ct)); // first seen: it may be between IndexFaces and AssociateFaces
        Assert.Equal(1, await search.SweepOrphanFacesAsync(Ct));
        Assert.Equal(SimulatedFaceSearchOptions.MaxFacesPerPerson, search.FaceCount);
        Assert.Equal("c-busy", (await search.SearchAsync(FaceImage.FromToken("busy"), Ct)).PersonId);
    }

    [Fact]
    public async Task Erasing_a_person_removes_every_face_they_had()
    {
        var search = new SimulatedFaceSearch(SimulatedFaceSearchOptions.Instant);
        await search.AddFaceAsync(FaceImage.FromToken("eva-front"), "v-eva", Ct);
        await search.AddFaceAsync(FaceImage.FromToken("eva-side"), "v-eva", Ct);

        Assert.Equal(new ErasedFaces(2, Person: true), await search.ErasePersonAsync("v-eva", Ct));
        Assert.Equal(0, search.FaceCount);
        Assert.Equal(FaceSearchOutcome.NoMatch, (await search.SearchAsync(FaceImage.FromToken("eva-side"), Ct)).Outcome);
        Assert.Equal(ErasedFaces.None, await search.ErasePersonAsync("v-eva", Ct));
    }
}
