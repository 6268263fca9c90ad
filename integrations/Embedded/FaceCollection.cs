namespace NextGenCrm.Integrations.Embedded;

/// <summary>
/// Where the simulated face search keeps its faces and people: in memory (<see cref="InMemoryFaceCollection"/>,
/// the ephemeral mode and tests) or in the data folder (<see cref="SqliteFaceCollection"/>, so a collection of a
/// hundred thousand strangers costs disk, not memory, and survives a restart). Each call is one atomic step.
/// </summary>
public interface IFaceCollection
{
    /// <summary>The people holding a face of <paramref name="token"/>.</summary>
    IReadOnlyList<string> PeopleWithToken(string token);

    /// <summary>CreateUser: adds the person unless they exist.</summary>
    void AddPerson(string personId);

    /// <summary>IndexFaces: stores a new face of nobody yet, tagged with the person it is meant for.</summary>
    void AddFace(string faceId, string token, string externalImageId);

    /// <summary>A face of <paramref name="token"/> tagged for <paramref name="externalImageId"/> that belongs to nobody yet (SearchFacesByImage).</summary>
    string? UnassociatedFace(string token, string externalImageId);

    /// <summary>AssociateFaces: false when the person or the face is gone, or the person is full.</summary>
    bool Associate(string personId, string faceId, int maxFacesPerPerson);

    /// <summary>DeleteUser: removes the person; their faces stay, now nobody's. The faces they had, or null when there was no such person.</summary>
    IReadOnlyCollection<string>? RemovePerson(string personId);

    /// <summary>
    /// DeleteFaces of every face of nobody stored under the person's id (IndexFaces tags each face with it) or among
    /// <paramref name="formerFaces"/>; how many went.
    /// </summary>
    int DeleteFacesOf(string personId, IReadOnlyCollection<string> formerFaces);

    /// <summary>Faces stored under the person's id, theirs or nobody's (tests, erasure checks).</summary>
    int FacesStoredUnder(string personId);

    /// <summary>Deletes faces that were nobody's at the previous sweep and still are; marks today's for the next.</summary>
    int SweepOrphans();

    int FaceCount { get; }

    int PersonCount { get; }

    /// <summary>Faces stored for the token, a person's or nobody's.</summary>
    int FacesStoredFor(string token);
}

/// <summary>The face collection in memory: everything a run indexes stays until erased or swept, and goes with the process.</summary>
public sealed class InMemoryFaceCollection : IFaceCollection
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, StoredFace> _faces = new(StringComparer.Ordinal);
    // Faces by token, so a search costs the same with a million faces stored as with ten.
    private readonly Dictionary<string, List<StoredFace>> _byToken = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _people = new(StringComparer.Ordinal);
    private readonly HashSet<string> _orphansSeen = new(StringComparer.Ordinal);

    public int FaceCount
    {
        get { lock (_lock) { return _faces.Count; } }
    }

    public int PersonCount
    {
        get { lock (_lock) { return _people.Count; } }
    }

    public IReadOnlyList<string> PeopleWithToken(string token)
    {
        lock (_lock)
        {
            return [.. FacesOf(token).Where(f => f.PersonId is not null).Select(f => f.PersonId!).Distinct().Order(StringComparer.Ordinal)];
        }
    }

    public int FacesStoredFor(string token)
    {
        lock (_lock)
        {
            return FacesOf(token).Count;
        }
    }

    public void AddPerson(string personId)
    {
        lock (_lock)
        {
            _people.TryAdd(personId, new HashSet<string>(StringComparer.Ordinal));
        }
    }

    public void AddFace(string faceId, string token, string externalImageId)
    {
        lock (_lock)
        {
            var face = new StoredFace(faceId, token, externalImageId);
            _faces[faceId] = face;
            if (!_byToken.TryGetValue(token, out var same))
            {
                _byToken[token] = same = [];
            }
            same.Add(face);
        }
    }

    public string? UnassociatedFace(string token, string externalImageId)
    {
        lock (_lock)
        {
            return FacesOf(token).FirstOrDefault(f => f.ExternalImageId == externalImageId && f.PersonId is null)?.FaceId;
        }
    }

    public bool Associate(string personId, string faceId, int maxFacesPerPerson)
    {
        lock (_lock)
        {
            if (!_people.TryGetValue(personId, out var faces)
                || !_faces.TryGetValue(faceId, out var stored)
                || faces.Count >= maxFacesPerPerson && !faces.Contains(faceId))
            {
                return false;
            }
            faces.Add(faceId);
            stored.PersonId = personId;
            return true;
        }
    }

    public IReadOnlyCollection<string>? RemovePerson(string personId)
    {
        lock (_lock)
        {
            if (!_people.Remove(personId, out var faces))
            {
                return null;
            }
            foreach (var faceId in faces)
            {
                if (_faces.TryGetValue(faceId, out var face))
                {
                    face.PersonId = null;
                }
            }
            return faces;
        }
    }

    public int DeleteFacesOf(string personId, IReadOnlyCollection<string> formerFaces)
    {
        lock (_lock)
        {
            var theirs = _faces.Values
                .Where(f => f.PersonId is null && (f.ExternalImageId == personId || formerFaces.Contains(f.FaceId)))
                .Select(f => f.FaceId)
                .ToList();
            foreach (var faceId in theirs)
            {
                Forget(faceId);
            }
            return theirs.Count;
        }
    }

    public int FacesStoredUnder(string personId)
    {
        lock (_lock)
        {
            return _faces.Values.Count(f => f.ExternalImageId == personId || f.PersonId == personId);
        }
    }

    public int SweepOrphans()
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
            return deleted;
        }
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
