using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.Ports;
using NextGenCrm.TestSupport;

namespace NextGenCrm.Integrations.Tests;

public sealed class RekognitionFaceSearchTests : IAsyncLifetime
{
    private FakeRekognitionClients _clients = null!;
    private FakeRekognition _rekognition = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _rekognition = (_clients = await FakeRekognitionClients.StartAsync(Ct)).Fake;

    public ValueTask DisposeAsync() => _clients.DisposeAsync();

    private RekognitionFaceSearch FaceSearch(Action<FaceSearchOptions>? tune = null, string? secret = FakeRekognition.SecretKey)
    {
        var options = new FaceSearchOptions { CollectionId = "customers", RetryDelay = TimeSpan.FromMilliseconds(20), MaxRequestsPerSecond = 200 };
        tune?.Invoke(options);
        return _clients.Compose(options, secret).GetRequiredService<RekognitionFaceSearch>();
    }

    private async Task<RekognitionFaceSearch> ReadyFaceSearch(Action<FaceSearchOptions>? tune = null)
    {
        var search = FaceSearch(tune);
        await search.EnsureCollectionAsync(Ct);
        return search;
    }

    [Fact]
    public async Task The_collection_is_created_once_when_missing()
    {
        var search = FaceSearch();

        Assert.True(await search.EnsureCollectionAsync(Ct));
        Assert.False(await search.EnsureCollectionAsync(Ct));

        Assert.Equal(1, _rekognition.CallsTo("CreateCollection"));
        Assert.Equal(0, _rekognition.RejectedSignatures);
    }

    [Fact]
    public async Task A_person_added_once_is_recognised_by_user_on_the_next_visit()
    {
        var search = await ReadyFaceSearch();

        var added = await search.AddFaceAsync(FaceImage.FromBytes(FakeRekognition.Face("alice")), "v-alice", Ct);
        var again = await search.SearchAsync(FaceImage.FromBytes(FakeRekognition.Face("alice")), Ct);
        var stranger = await search.SearchAsync(FaceImage.FromBytes(FakeRekognition.Face("bob")), Ct);

        Assert.Equal(FaceSearchOutcome.Match, again.Outcome);
        Assert.Equal("v-alice", again.PersonId);
        Assert.Equal([added.FaceId!], _rekognition.UsersIn("customers")["v-alice"]);
        Assert.Equal(FaceSearchOutcome.NoMatch, stranger.Outcome);
        Assert.Equal(2, _rekognition.CallsTo("SearchUsersByImage"));
    }

    [Fact]
    public async Task Faces_from_later_visits_join_the_same_user()
    {
        var search = await ReadyFaceSearch();

        await search.AddFaceAsync(FaceImage.FromBytes(FakeRekognition.FaceJpeg("gil", variant: 1)), "c-gil", Ct);
        await search.AddFaceAsync(FaceImage.FromBytes(FakeRekognition.FaceJpeg("gil", variant: 2)), "c-gil", Ct);

        Assert.Equal(2, _rekognition.UsersIn("customers")["c-gil"].Count);
        Assert.Empty(_rekognition.OrphanFacesIn("customers"));
        Assert.Equal("c-gil", (await search.SearchAsync(FaceImage.FromBytes(FakeRekognition.FaceJpeg("gil", variant: 3)), Ct)).PersonId);
    }

    [Fact]
    public async Task A_lost_index_answer_is_followed_by_a_search_for_the_face_not_a_second_index()
    {
        var search = await ReadyFaceSearch(o => o.RequestTimeout = TimeSpan.FromMilliseconds(300));
        _rekognition.LoseNextAnswers(1, "IndexFaces");

        var added = await search.AddFaceAsync(FaceImage.FromBytes(FakeRekognition.Face("hana")), "v-hana", Ct);

        Assert.Equal(1, _rekognition.LostAnswers);
        Assert.Equal(FaceSearchOutcome.Match, added.Outcome);
        Assert.Equal(1, _rekognition.CallsTo("IndexFaces"));
        Assert.Equal(1, _rekognition.CallsTo("SearchFacesByImage"));
        Assert.Empty(_rekognition.OrphanFacesIn("customers"));
        Assert.Equal([added.FaceId!], _rekognition.UsersIn("customers")["v-hana"]);
        Assert.Equal("v-hana", (await search.SearchAsync(FaceImage.FromBytes(FakeRekognition.Face("hana")), Ct)).PersonId);
    }

    [Fact]
    public async Task A_face_no_user_takes_is_swept_at_the_second_sweep_and_the_users_faces_stay()
    {
        var search = await ReadyFaceSearch();
        await search.AddFaceAsync(FaceImage.FromBytes(FakeRekognition.Face("kim")), "c-kim", Ct);

        // An enrolment photo of somebody else: AssociateFaces refuses it (LOW_MATCH_CONFIDENCE) and it belongs to nobody.
        var refused = await search.AddFaceAsync(FaceImage.FromBytes(FakeRekognition.Face("lee")), "c-kim", Ct);

        Assert.Null(refused.FaceId);
        Assert.Single(_rekognition.OrphanFacesIn("customers"));
        Assert.Equal(0, await search.SweepOrphanFacesAsync(Ct));
        Assert.Equal(1, await search.SweepOrphanFacesAsync(Ct));
        Assert.Empty(_rekognition.OrphanFacesIn("customers"));
        Assert.Single(_rekognition.UsersIn("customers")["c-kim"]);
        Assert.Equal(FaceSearchOutcome.NoMatch, (await search.SearchAsync(FaceImage.FromBytes(FakeRekognition.Face("lee")), Ct)).Outcome);
    }

    [Fact]
    public async Task With_a_third_of_all_answers_lost_every_person_is_one_user_with_one_face()
    {
        var search = await ReadyFaceSearch(o => (o.RequestTimeout, o.MaxRetryAttempts) = (TimeSpan.FromMilliseconds(250), 10));
        _rekognition.LostAnswerRate = 0.33;
        var people = Enumerable.Range(0, 8).Select(i => $"lost{i}").ToList();

        // CreateUser and AssociateFaces are retried with the same client request token; a lost IndexFaces answer is
        // followed by a search for the face it stored, so no face is stored twice.
        var added = await Task.WhenAll(people.Select(p => search.AddFaceAsync(FaceImage.FromBytes(FakeRekognition.Face(p)), $"v-{p}", Ct)));
        _rekognition.LostAnswerRate = 0;

        Assert.True(_rekognition.LostAnswers > 0, "some answers were lost");
        Assert.All(added, a => Assert.Equal(FaceSearchOutcome.Match, a.Outcome));
        var users = _rekognition.UsersIn("customers");
        Assert.Equal(people.Select(p => $"v-{p}").Order(), users.Keys.Order());
        Assert.All(users.Values, faces => Assert.Single(faces));
        Assert.Equal(people.Count, _rekognition.CallsTo("IndexFaces"));
        Assert.Empty(_rekognition.OrphanFacesIn("customers"));
        foreach (var person in people)
        {
            Assert.Equal($"v-{person}", (await search.SearchAsync(FaceImage.FromBytes(FakeRekognition.Face(person)), Ct)).PersonId);
        }
    }

    [Fact]
    public async Task Two_users_matching_one_face_answer_with_the_older_and_name_the_other()
    {
        var search = await ReadyFaceSearch();
        var older = PersonIds.NewAnonymous(DateTimeOffset.UtcNow.AddMinutes(-5));
        var younger = PersonIds.NewAnonymous(DateTimeOffset.UtcNow);
        await search.AddFaceAsync(FaceImage.FromBytes(FakeRekognition.FaceJpeg("jo", variant: 1)), younger, Ct);
        await search.AddFaceAsync(FaceImage.FromBytes(FakeRekognition.FaceJpeg("jo", variant: 2)), older, Ct);

        var found = await search.SearchAsync(FaceImage.FromBytes(FakeRekognition.Face("jo")), Ct);

        Assert.Equal(older, found.PersonId);
        Assert.Equal([younger], found.AlsoMatched!);
    }

    [Fact]
    public async Task A_lookalike_below_the_match_threshold_is_not_a_match()
    {
        var strict = await ReadyFaceSearch(o => o.MatchThreshold = 90);
        var lenient = FaceSearch(o => o.MatchThreshold = 80);
        await strict.AddFaceAsync(FaceImage.FromBytes(FakeRekognition.Face("alice")), "c-1", Ct);

        var lookalike = FaceImage.FromBytes(FakeRekognition.Face("alice", similarity: 85));

        Assert.Equal(FaceSearchOutcome.NoMatch, (await strict.SearchAsync(lookalike, Ct)).Outcome);
        Assert.Equal(FaceSearchOutcome.Match, (await lenient.SearchAsync(lookalike, Ct)).Outcome);
    }

    [Fact]
    public async Task An_image_without_a_face_is_an_outcome_not_an_error()
    {
        var search = await ReadyFaceSearch();
        var noFace = FaceImage.FromBytes("just a wall"u8.ToArray());

        Assert.Equal(FaceSearchOutcome.NoFace, (await search.SearchAsync(noFace, Ct)).Outcome);
        Assert.Equal(FaceSearchOutcome.NoFace, (await search.AddFaceAsync(noFace, "v-wall", Ct)).Outcome);
        Assert.Empty(_rekognition.FacesIn("customers"));
        // CreateUser runs beside IndexFaces: a user may exist, without a face, which identifies nobody.
        Assert.All(_rekognition.UsersIn("customers").Values, faces => Assert.Empty(faces));
    }

    [Fact]
    public async Task A_crop_stored_in_s3_is_searched_by_its_key()
    {
        var search = await ReadyFaceSearch(o => o.ImageBucket = "customerimages");
        const string key = "DeepLens Images/b1/cam1/2026-11-28/s-1.jpg";
        _rekognition.PutS3Image("customerimages", key, FakeRekognition.Face("carol"));

        await search.AddFaceAsync(FaceImage.FromStoredImage(key), "v-carol", Ct);
        var found = await search.SearchAsync(FaceImage.FromBytes(FakeRekognition.Face("carol")), Ct);

        Assert.Equal("v-carol", found.PersonId);
    }

    [Fact]
    public async Task An_erasure_whose_delete_answer_is_lost_still_counts_the_faces_it_removed()
    {
        var search = await ReadyFaceSearch(o => o.RequestTimeout = TimeSpan.FromMilliseconds(300));
        await search.AddFaceAsync(FaceImage.FromBytes(FakeRekognition.FaceJpeg("ines", variant: 1)), "v-ines", Ct);
        await search.AddFaceAsync(FaceImage.FromBytes(FakeRekognition.FaceJpeg("ines", variant: 2)), "v-ines", Ct);
        _rekognition.LoseNextAnswers(1, "DeleteFaces");

        var erased = await search.ErasePersonAsync("v-ines", Ct);

        Assert.Equal(1, _rekognition.LostAnswers);
        Assert.Equal(2, _rekognition.CallsTo("DeleteFaces")); // the retry finds them gone: FACE_NOT_FOUND
        Assert.Equal(new ErasedFaces(2, Person: true), erased);
        Assert.Empty(_rekognition.FacesIn("customers"));
    }

    [Fact]
    public async Task An_erasure_reads_every_page_of_the_collection_and_deletes_only_the_persons_faces()
    {
        var search = await ReadyFaceSearch(o => o.ListFacesPageSize = 2);
        await search.AddFaceAsync(FaceImage.FromBytes(FakeRekognition.FaceJpeg("gil", variant: 9)), "v-gil", Ct, onlyIfPersonExists: true);
        for (var variant = 1; variant <= 3; variant++)
        {
            await search.AddFaceAsync(FaceImage.FromBytes(FakeRekognition.FaceJpeg("gil", variant)), "v-gil", Ct);
            await search.AddFaceAsync(FaceImage.FromBytes(FakeRekognition.FaceJpeg("hana", variant)), "v-hana", Ct);
        }
        await search.AddFaceAsync(FaceImage.FromBytes(FakeRekognition.FaceJpeg("hana", variant: 9)), "v-hana", Ct, onlyIfPersonExists: false);
        var listed = _rekognition.CallsTo("ListFaces");

        var erased = await search.ErasePersonAsync("v-gil", Ct);

        Assert.Equal(new ErasedFaces(4, Person: true), erased);
        // Two faces a page: the user's 3 faces in 2 pages, then the 4 left of 8 in the collection in 2 or more.
        Assert.True(_rekognition.CallsTo("ListFaces") - listed >= 4, $"{_rekognition.CallsTo("ListFaces") - listed} ListFaces calls");
        Assert.Equal(4, _rekognition.UsersIn("customers")["v-hana"].Count);
        Assert.Equal(4, _rekognition.FacesIn("customers").Count);
        Assert.DoesNotContain("v-gil", _rekognition.FacesIn("customers").Values);
    }

    [Fact]
    public async Task An_erased_person_loses_every_face_and_their_user_and_is_no_longer_recognised()
    {
        var search = await ReadyFaceSearch();
        // A face stored under dave's id that no user owns: an association refused (here: the user did not exist yet).
        await search.AddFaceAsync(FaceImage.FromBytes(FakeRekognition.FaceJpeg("dave", variant: 3)), "c-dave", Ct, onlyIfPersonExists: true);
        await search.AddFaceAsync(FaceImage.FromBytes(FakeRekognition.FaceJpeg("dave", variant: 1)), "c-dave", Ct);
        await search.AddFaceAsync(FaceImage.FromBytes(FakeRekognition.FaceJpeg("dave", variant: 2)), "c-dave", Ct);
        await search.AddFaceAsync(FaceImage.FromBytes(FakeRekognition.Face("eve")), "c-eve", Ct);
        Assert.Single(_rekognition.OrphanFacesIn("customers"));

        Assert.Equal(new ErasedFaces(3, Person: true), await search.ErasePersonAsync("c-dave", Ct));

        Assert.Equal(FaceSearchOutcome.NoMatch, (await search.SearchAsync(FaceImage.FromBytes(FakeRekognition.Face("dave")), Ct)).Outcome);
        Assert.Equal(["c-eve"], _rekognition.UsersIn("customers").Keys);
        Assert.Single(_rekognition.FacesIn("customers"));
        Assert.Empty(_rekognition.OrphanFacesIn("customers"));
        Assert.Equal(ErasedFaces.None, await search.ErasePersonAsync("c-dave", Ct));
    }

    [Fact]
    public async Task A_request_signed_with_the_wrong_secret_is_refused()
    {
        var search = FaceSearch(secret: "not-the-secret");

        var error = await Assert.ThrowsAnyAsync<AmazonServiceException>(() => search.EnsureCollectionAsync(Ct));

        Assert.Equal("InvalidSignatureException", error.ErrorCode);
        Assert.Contains("InvalidSignatureException", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, _rekognition.RejectedSignatures);
    }

    [Fact]
    public async Task Under_throttling_every_search_succeeds_and_the_rate_limit_holds()
    {
        const int limit = 8;
        var search = await ReadyFaceSearch(o => o.MaxRequestsPerSecond = limit);
        _rekognition.ThrottleFirstAttemptOfEachRequest = true;

        var people = Enumerable.Range(0, 16).Select(i => $"p{i}").ToArray();
        var results = await Task.WhenAll(people.Select(p => search.SearchAsync(FaceImage.FromBytes(FakeRekognition.Face(p)), Ct)));

        Assert.All(results, r => Assert.Equal(FaceSearchOutcome.NoMatch, r.Outcome));
        Assert.Equal(people.Length, _rekognition.Throttled);
        Assert.Equal(2 * people.Length, _rekognition.CallsTo("SearchUsersByImage"));
        Assert.InRange(_rekognition.PeakCallsPerSecond, 1, limit);
    }

    [Fact]
    public async Task Service_errors_are_retried_until_an_answer_comes()
    {
        var search = await ReadyFaceSearch();
        _rekognition.FailNextWithServerError(2);
        _rekognition.ThrottleCode = "ThrottlingException";
        _rekognition.ThrottleNext(1);

        var result = await search.SearchAsync(FaceImage.FromBytes(FakeRekognition.Face("erin")), Ct);

        Assert.Equal(FaceSearchOutcome.NoMatch, result.Outcome);
        Assert.Equal(4, _rekognition.CallsTo("SearchUsersByImage"));
    }

    [Fact]
    public async Task Other_errors_surface_at_once_with_their_aws_code()
    {
        var search = FaceSearch(o => o.CollectionId = "never-created");

        var error = await Assert.ThrowsAnyAsync<AmazonServiceException>(() => search.SearchAsync(FaceImage.FromBytes(FakeRekognition.Face("x")), Ct));

        Assert.Contains("ResourceNotFoundException", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, _rekognition.CallsTo("SearchUsersByImage"));
    }

    [Fact]
    public async Task A_slow_answer_counts_as_a_failed_attempt_and_is_retried()
    {
        var search = await ReadyFaceSearch(o => (o.RequestTimeout, o.MaxRetryAttempts) = (TimeSpan.FromMilliseconds(150), 2));
        _rekognition.Delay = TimeSpan.FromMilliseconds(600);

        await Assert.ThrowsAsync<TimeoutException>(() => search.SearchAsync(FaceImage.FromBytes(FakeRekognition.Face("f")), Ct));

        Assert.Equal(3, _rekognition.CallsTo("SearchUsersByImage"));
    }

    [Fact]
    public async Task Without_explicit_credentials_the_sdk_default_chain_signs_the_calls()
    {
        // The environment is the chain's first source; nothing else in this process relies on it.
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", FakeRekognition.AccessKey);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", FakeRekognition.SecretKey);
        try
        {
            var search = _clients.Compose(new FaceSearchOptions(), secret: null).GetRequiredService<RekognitionFaceSearch>();

            Assert.True(await search.EnsureCollectionAsync(Ct));
            Assert.Equal(0, _rekognition.RejectedSignatures);
        }
        finally
        {
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", null);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", null);
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(101)]
    public void A_threshold_outside_0_to_100_is_refused_at_start_up(double threshold)
    {
        var result = new FaceSearchOptionsValidator().Validate(null, new FaceSearchOptions { MatchThreshold = threshold });

        Assert.Contains("FaceSearch:MatchThreshold", result.FailureMessage, StringComparison.Ordinal);
    }
}
