using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NextGenCrm.Ports;

namespace NextGenCrm.Faces;

/// <summary>
/// The on-premises face collection: the <see cref="FaceDescriptorMatrix"/> of every stored face, read whole from the
/// <see cref="IFaceDescriptorStore"/> when the grain activates, changed only after the store has the change. One
/// activation in the cluster (kept alive: reading 100,000 faces back takes seconds), so searches from every silo see
/// one collection: the branch registrar's second search finds the stranger its first registration added, and an
/// erased person is found by no silo's search once the erasure returns.
/// </summary>
[KeepAlive]
public sealed partial class FaceIndexGrain(
    IFaceDescriptorStore store,
    [FromKeyedServices(GrainClock.Key)] TimeProvider clock,
    ILogger<FaceIndexGrain> logger) : Grain, IFaceIndexGrain
{
    /// <summary>Rekognition's limit of faces a user holds, kept here too: a person's later faces stop at it.</summary>
    public const int MaxFacesPerPerson = 100;

    /// <summary>People a search names at most (more means a threshold too low, not more duplicates).</summary>
    public const int MaxPeoplePerSearch = 5;

    private readonly FaceDescriptorMatrix _matrix = new();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        await foreach (var face in store.ReadAllAsync(cancellationToken))
        {
            _matrix.Add(face.FaceId, face.PersonId, face.Descriptor);
        }
        LogLoaded(_matrix.Count, _matrix.PersonCount, (long)clock.GetElapsedTime(started).TotalMilliseconds);
    }

    public Task<DescriptorMatch[]> Search(float[] descriptor, float minSimilarity)
    {
        ThrowIfUnusable(descriptor);
        var people = _matrix.Search(descriptor, minSimilarity, MaxPeoplePerSearch);
        return Task.FromResult(people.Select(p => new DescriptorMatch(p.PersonId, p.Similarity)).ToArray());
    }

    public async Task<DescriptorAdded> Add(string personId, float[] descriptor, bool onlyIfPersonExists)
    {
        ArgumentException.ThrowIfNullOrEmpty(personId);
        ThrowIfUnusable(descriptor);
        if (_matrix.FacesOf(personId) >= MaxFacesPerPerson)
        {
            return new DescriptorAdded(null, PersonExists: true);
        }
        var face = new StoredFace(Guid.CreateVersion7().ToString("N"), personId, descriptor, clock.GetUtcNow());
        if (!await store.AddAsync(face, onlyIfPersonExists, CancellationToken.None))
        {
            return new DescriptorAdded(null, PersonExists: false);
        }
        _matrix.Add(face.FaceId, personId, descriptor);
        return new DescriptorAdded(face.FaceId, PersonExists: true);
    }

    public async Task<DescriptorsErased> Erase(string personId)
    {
        ArgumentException.ThrowIfNullOrEmpty(personId);
        // The store first: a failure leaves the person searchable and the erasure to be repeated, never the other way round.
        var erased = await store.ErasePersonAsync(personId, CancellationToken.None);
        var inMemory = _matrix.RemovePerson(personId);
        LogErased(personId, erased.Faces, inMemory);
        return new DescriptorsErased(erased.Faces, erased.Person);
    }

    private static void ThrowIfUnusable(float[] descriptor)
    {
        if (FaceDescriptors.Problem(descriptor) is { } problem)
        {
            throw new ArgumentException(problem, nameof(descriptor));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Face index loaded: {Faces} faces of {People} people in {ElapsedMs} ms")]
    private partial void LogLoaded(int faces, int people, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Person {PersonId} erased from the face index: {Stored} stored faces, {InMemory} in memory")]
    private partial void LogErased(string personId, int stored, int inMemory);
}
