using System.Security.Cryptography;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Embedded;

/// <summary>
/// A face collection that behaves like Rekognition's, without a camera: a sighting carries a face token
/// standing in for a face (image bytes stand for the face of exactly those bytes). A picture is first
/// checked for a face with <see cref="EmbeddedFaceDetector"/> when one is given: without a face, the answer
/// is "no face", as Rekognition's (the silo always gives one). As the real service:
/// every IndexFaces stores a new face; people (users) own up to 100 faces; calls take
/// <see cref="SimulatedFaceSearchOptions.MinLatency"/>–<see cref="SimulatedFaceSearchOptions.MaxLatency"/>,
/// so concurrent callers overlap; and a share of calls lose their answer after doing their work, which the
/// simulated client retries. A lost IndexFaces answer is followed by a search for the face it stored, as
/// <c>RekognitionFaceSearch</c> does; a face stored by a call that failed for good belongs to nobody and is swept.
/// </summary>
public sealed class SimulatedFaceSearch : IFaceSearch, IFaceCollectionUpkeep
{
    private readonly SimulatedFaceSearchOptions _options;
    private readonly IFaceCollection _collection;
    private long _searches;
    private long _indexFacesCalls;
    private long _createUserCalls;
    private long _associateCalls;
    private long _lostAnswers;

    private readonly EmbeddedFaceDetector? _detector;

    /// <param name="options">Latency and lost answers.</param>
    /// <param name="collection">Where the faces and people are kept; in memory when null.</param>
    /// <param name="faces">Checks pictures for a face; null takes every picture for a face (a unit test's, a benchmark's search on tokens).</param>
    public SimulatedFaceSearch(SimulatedFaceSearchOptions? options = null, IFaceCollection? collection = null, EmbeddedFaceDetector? faces = null)
    {
        _options = options ?? new SimulatedFaceSearchOptions();
        _collection = collection ?? new InMemoryFaceCollection();
        _detector = faces;
    }

    /// <summary>Search calls that reached the service, retries included: SearchUsersByImage, and SearchFacesByImage after a lost IndexFaces answer.</summary>
    public long Searches => Interlocked.Read(ref _searches);

    /// <summary>IndexFaces calls that reached the service, retries included: each stored a face.</summary>
    public long IndexFacesCalls => Interlocked.Read(ref _indexFacesCalls);

    public long CreateUserCalls => Interlocked.Read(ref _createUserCalls);
    public long AssociateFacesCalls => Interlocked.Read(ref _associateCalls);

    /// <summary>Answers lost after the work was done (each retried by the simulated client).</summary>
    public long LostAnswers => Interlocked.Read(ref _lostAnswers);

    public int FaceCount => _collection.FaceCount;

    public int PersonCount => _collection.PersonCount;

    /// <summary>The people holding a face of <paramref name="faceToken"/>: more than one means a duplicate.</summary>
    public IReadOnlyList<string> PeopleWithToken(string faceToken) => _collection.PeopleWithToken(faceToken);

    /// <summary>Faces stored for <paramref name="faceToken"/>, a person's or nobody's: one per IndexFaces that reached the service.</summary>
    public int FacesStoredFor(string faceToken) => _collection.FacesStoredFor(faceToken);

    public async Task<FaceSearchResult> SearchAsync(FaceImage face, CancellationToken cancellationToken)
    {
        using var span = VisitTracing.StartCall("rekognition", "SearchUsersByImage (simulated)");
        if (!await HoldsFaceAsync(face, cancellationToken))
        {
            // SearchUsersByImage without a face: an InvalidParameterException, after the round trip.
            return await CallAsync(() => Interlocked.Increment(ref _searches), () => FaceSearchResult.NoFace, cancellationToken);
        }
        var token = TokenOf(face);
        return await CallAsync(() => Interlocked.Increment(ref _searches), () =>
            FaceSearchResult.FromMatches(_collection.PeopleWithToken(token).Select(person => (person, 99.0))), cancellationToken);
    }

    public async Task<FaceSearchResult> AddFaceAsync(FaceImage face, string personId, CancellationToken cancellationToken, bool onlyIfPersonExists = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(personId);
        if (!await HoldsFaceAsync(face, cancellationToken))
        {
            // IndexFaces without a face stores nothing and answers no face records.
            return await CallAsync(() => Interlocked.Increment(ref _indexFacesCalls), () => FaceSearchResult.NoFace, cancellationToken);
        }
        var token = TokenOf(face);
        // CreateUser needs nothing of IndexFaces: both at once. It carries a client request token, so a retry changes nothing.
        var indexing = IndexAsync(token, personId, cancellationToken);
        var creating = onlyIfPersonExists ? Task.FromResult(true) : CallAsync(() => Interlocked.Increment(ref _createUserCalls), () =>
        {
            _collection.AddPerson(personId);
            return true;
        }, cancellationToken);
        await Task.WhenAll(indexing, creating);
        var faceId = await indexing;
        // False when the person was erased meanwhile (ResourceNotFoundException) or is full (UnsuccessfulFaceAssociations):
        // the face stays nobody's, and is swept.
        var associated = await CallAsync(() => Interlocked.Increment(ref _associateCalls),
            () => _collection.Associate(personId, faceId, SimulatedFaceSearchOptions.MaxFacesPerPerson), cancellationToken);
        return associated ? FaceSearchResult.Added(personId, faceId) : FaceSearchResult.Matched(personId, 100);
    }

    public async Task<ErasedFaces> ErasePersonAsync(string personId, CancellationToken cancellationToken)
    {
        // DeleteUser, then DeleteFaces of every face the user had and every face of nobody stored under the person's
        // id (a lost IndexFaces answer, an association refused): two calls, each as slow as the service's.
        // Each call's first answer is the one a retry after a lost answer gets (DeleteUser's client request token; a face
        // listed a moment ago and not found by the retried DeleteFaces counts as removed, as RekognitionFaceSearch counts it).
        IReadOnlyCollection<string> usersFaces = [];
        bool? removed = null;
        int? deletedCount = null;
        var person = await CallAsync(() => { }, () => removed ??= RemovePerson(), cancellationToken);
        var deleted = await CallAsync(() => { }, () => deletedCount ??= _collection.DeleteFacesOf(personId, usersFaces), cancellationToken);
        return new ErasedFaces(deleted, person);

        bool RemovePerson()
        {
            if (_collection.RemovePerson(personId) is not { } faces)
            {
                return false;
            }
            usersFaces = faces;
            return true;
        }
    }

    /// <summary>Faces stored under <paramref name="personId"/>'s id, theirs or nobody's (tests, erasure checks).</summary>
    public int FacesStoredUnder(string personId) => _collection.FacesStoredUnder(personId);

    public Task<int> SweepOrphanFacesAsync(CancellationToken cancellationToken) => Task.FromResult(_collection.SweepOrphans());

    /// <summary>
    /// IndexFaces, whose lost answer is not simply retried (that would store the face again): the faces of
    /// nobody that carry the person's id are searched first (SearchFacesByImage finds them; SearchUsersByImage does not).
    /// </summary>
    private async Task<string> IndexAsync(string token, string personId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var latency = Latency();
            await Task.Delay(latency / 2, cancellationToken);
            Interlocked.Increment(ref _indexFacesCalls);
            var faceId = Guid.NewGuid().ToString();
            _collection.AddFace(faceId, token, personId);
            await Task.Delay(latency - (latency / 2), cancellationToken);
            if (!AnswerLost())
            {
                return faceId;
            }
            var stored = await CallAsync(() => Interlocked.Increment(ref _searches), () => _collection.UnassociatedFace(token, personId), cancellationToken);
            if (stored is not null)
            {
                return stored;
            }
            if (attempt >= _options.MaxAttempts)
            {
                throw new TimeoutException($"The simulated IndexFaces did not answer within {_options.MaxAttempts} attempts.");
            }
        }
    }

    private Task<bool> HoldsFaceAsync(FaceImage face, CancellationToken cancellationToken) =>
        _detector is null ? Task.FromResult(true) : _detector.HoldsFaceAsync(face, cancellationToken);

    private bool AnswerLost()
    {
        if (_options.LostAnswerRate <= 0 || Random.Shared.NextDouble() >= _options.LostAnswerRate)
        {
            return false;
        }
        Interlocked.Increment(ref _lostAnswers);
        return true;
    }

    /// <summary>
    /// One call as the SDK makes it: the request travels, the service does the work, the answer travels
    /// back or is lost; a lost answer is retried, and the work is done again.
    /// </summary>
    private async Task<T> CallAsync<T>(Action count, Func<T> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var latency = Latency();
            await Task.Delay(latency / 2, cancellationToken);
            count();
            var result = work();
            await Task.Delay(latency - (latency / 2), cancellationToken);
            if (!AnswerLost())
            {
                return result;
            }
            if (attempt >= _options.MaxAttempts)
            {
                throw new TimeoutException($"The simulated face search did not answer within {_options.MaxAttempts} attempts (the work was done).");
            }
        }
    }

    private TimeSpan Latency()
    {
        var spread = _options.MaxLatency - _options.MinLatency;
        return _options.MinLatency + (spread * Random.Shared.NextDouble());
    }

    /// <summary>Who a face is, here: its token, or the digest of its bytes or stored key (recognised only as those exact bytes).</summary>
    private static string TokenOf(FaceImage face)
    {
        if (face.FaceToken is { } token)
        {
            return token;
        }
        if (!face.Bytes.IsEmpty)
        {
            return "sha256:" + Convert.ToHexString(SHA256.HashData(face.Bytes.Span));
        }
        return "key:" + face.ImageKey;
    }
}
