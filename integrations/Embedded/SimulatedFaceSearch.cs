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
    private readonly Lock _lock = new();
    private readonly Dictionary<string, StoredFace> _faces = new(StringComparer.Ordinal);
    // Faces by token, so a search costs the same with a million faces stored as with ten.
    private readonly Dictionary<string, List<StoredFace>> _byToken = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _people = new(StringComparer.Ordinal);
    private readonly HashSet<string> _orphansSeen = new(StringComparer.Ordinal);
    private long _searches;
    private long _indexFacesCalls;
    private long _createUserCalls;
    private long _associateCalls;
    private long _lostAnswers;

    private readonly EmbeddedFaceDetector? _detector;

    /// <param name="options">Latency and lost answers.</param>
    /// <param name="faces">Checks pictures for a face; null takes every picture for a face (a unit test's, a benchmark's search on tokens).</param>
    public SimulatedFaceSearch(SimulatedFaceSearchOptions? options = null, EmbeddedFaceDetector? faces = null)
    {
        _options = options ?? new SimulatedFaceSearchOptions();
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

    public int FaceCount
    {
        get { lock (_lock) { return _faces.Count; } }
    }

    public int PersonCount
    {
        get { lock (_lock) { return _people.Count; } }
    }

    /// <summary>The people holding a face of <paramref name="faceToken"/>: more than one means a duplicate.</summary>
    public IReadOnlyList<string> PeopleWithToken(string faceToken)
    {
        lock (_lock)
        {
            return [.. FacesOf(faceToken).Where(f => f.PersonId is not null).Select(f => f.PersonId!).Distinct().Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>Faces stored for <paramref name="faceToken"/>, a person's or nobody's: one per IndexFaces that reached the service.</summary>
    public int FacesStoredFor(string faceToken)
    {
        lock (_lock)
        {
            return FacesOf(faceToken).Count;
        }
    }

    public async Task<FaceSearchResult> SearchAsync(FaceImage face, CancellationToken cancellationToken)
    {
        if (!await HoldsFaceAsync(face, cancellationToken))
        {
            // SearchUsersByImage without a face: an InvalidParameterException, after the round trip.
            return await CallAsync(() => Interlocked.Increment(ref _searches), () => FaceSearchResult.NoFace, cancellationToken);
        }
        var token = TokenOf(face);
        return await CallAsync(() => Interlocked.Increment(ref _searches), () =>
        {
            lock (_lock)
            {
                return FaceSearchResult.FromMatches(FacesOf(token)
                    .Where(f => f.PersonId is not null)
                    .Select(f => (f.PersonId!, 99.0)));
            }
        }, cancellationToken);
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
            lock (_lock)
            {
                _people.TryAdd(personId, new HashSet<string>(StringComparer.Ordinal));
            }
            return true;
        }, cancellationToken);
        await Task.WhenAll(indexing, creating);
        var faceId = await indexing;
        var associated = await CallAsync(() => Interlocked.Increment(ref _associateCalls), () =>
        {
            lock (_lock)
            {
                if (!_people.TryGetValue(personId, out var faces))
                {
                    // ResourceNotFoundException: erased meanwhile. The face stays nobody's, and is swept.
                    return false;
                }
                if (!_faces.TryGetValue(faceId, out var stored) || faces.Count >= SimulatedFaceSearchOptions.MaxFacesPerPerson && !faces.Contains(faceId))
                {
                    return false; // UnsuccessfulFaceAssociations: the face stays nobody's, and is swept
                }
                faces.Add(faceId);
                stored.PersonId = personId;
                return true;
            }
        }, cancellationToken);
        return associated ? FaceSearchResult.Added(personId, faceId) : FaceSearchResult.Matched(personId, 100);
    }

    public async Task<ErasedFaces> ErasePersonAsync(string personId, CancellationToken cancellationToken)
    {
        // DeleteUser, then DeleteFaces of every face the user had and every face of nobody stored under the person's
        // id (a lost IndexFaces answer, an association refused): two calls, each as slow as the service's.
        // Each call's first answer is the one a retry after a lost answer gets (DeleteUser's client request token; a face
        // listed a moment ago and not found by the retried DeleteFaces counts as removed, as RekognitionFaceSearch counts it).
        HashSet<string> usersFaces = [];
        bool? removed = null;
        int? deletedCount = null;
        var person = await CallAsync(() => { }, () => removed ??= RemovePerson(), cancellationToken);
        var deleted = await CallAsync(() => { }, () => deletedCount ??= DeleteTheirFaces(), cancellationToken);
        return new ErasedFaces(deleted, person);

        bool RemovePerson()
        {
            lock (_lock)
            {
                if (!_people.Remove(personId, out var faces))
                {
                    return false;
                }
                usersFaces = faces;
                foreach (var faceId in faces)
                {
                    if (_faces.TryGetValue(faceId, out var face))
                    {
                        face.PersonId = null;
                    }
                }
                return true;
            }
        }

        int DeleteTheirFaces()
        {
            lock (_lock)
            {
                var theirs = _faces.Values.Where(f => f.PersonId is null && (f.ExternalImageId == personId || usersFaces.Contains(f.FaceId))).Select(f => f.FaceId).ToList();
                foreach (var faceId in theirs)
                {
                    Forget(faceId);
                }
                return theirs.Count;
            }
        }
    }

    /// <summary>Faces stored under <paramref name="personId"/>'s id, theirs or nobody's (tests, erasure checks).</summary>
    public int FacesStoredUnder(string personId)
    {
        lock (_lock)
        {
            return _faces.Values.Count(f => f.ExternalImageId == personId || f.PersonId == personId);
        }
    }

    public Task<int> SweepOrphanFacesAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var orphans = _faces.Where(f => f.Value.PersonId is null).Select(f => f.Key).ToHashSet(StringComparer.Ordinal);
            var deleted = 0;
            foreach (var faceId in orphans.Where(_orphansSeen.Contains))
            {
                Forget(faceId);
                deleted++;
            }
            _orphansSeen.Clear();
            _orphansSeen.UnionWith(orphans.Where(_faces.ContainsKey));
            return Task.FromResult(deleted);
        }
    }

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
            lock (_lock)
            {
                var face = new StoredFace(faceId, token, personId);
                _faces[faceId] = face;
                if (!_byToken.TryGetValue(token, out var same))
                {
                    _byToken[token] = same = [];
                }
                same.Add(face);
            }
            await Task.Delay(latency - (latency / 2), cancellationToken);
            if (!AnswerLost())
            {
                return faceId;
            }
            var stored = await CallAsync(() => Interlocked.Increment(ref _searches), () =>
            {
                lock (_lock)
                {
                    return FacesOf(token).FirstOrDefault(f => f.ExternalImageId == personId && f.PersonId is null)?.FaceId;
                }
            }, cancellationToken);
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

    private IReadOnlyList<StoredFace> FacesOf(string token) => _byToken.TryGetValue(token, out var faces) ? faces : [];

    private void Forget(string faceId)
    {
        if (_faces.Remove(faceId, out var face) && _byToken.TryGetValue(face.Token, out var same))
        {
            same.Remove(face);
            if (same.Count == 0)
            {
                _byToken.Remove(face.Token);
            }
        }
    }

    private sealed class StoredFace(string faceId, string token, string externalImageId)
    {
        public string FaceId { get; } = faceId;
        public string Token { get; } = token;
        public string ExternalImageId { get; } = externalImageId;
        public string? PersonId { get; set; }
    }
}
