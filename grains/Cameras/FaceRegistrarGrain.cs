using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NextGenCrm.Ports;

namespace NextGenCrm.Cameras;

/// <summary>
/// Turns an unmatched face into exactly one new person per stranger at a branch. Not reentrant: one
/// registration at a time, each searching the collection again before adding anyone if someone was added
/// here since the camera's own search began, so the cameras that missed the same stranger at the same
/// moment queue here and all but the first find the person the first added. A lone stranger costs no
/// second search. One stranger added twice anyway (two branches at one moment) is found as two people by
/// the next search, which picks the same survivor everywhere (<see cref="PersonIds.Survivor"/>) and merges
/// the other into it.
/// </summary>
[NextGenCrm.Placement.BranchPlacement] // with its branch's cameras (bench/README.md, scale-out)
public sealed partial class FaceRegistrarGrain(
    IFaceSearch faceSearch,
    IErasureTombstones tombstones,
    [FromKeyedServices(GrainClock.Key)] TimeProvider clock,
    VisitMetrics metrics,
    ILogger<FaceRegistrarGrain> logger) : Grain, IFaceRegistrarGrain
{
    /// <summary>
    /// How long after a registration a search may still not show it (Rekognition updates a user's faces
    /// asynchronously), plus clock skew between silos: a camera's search that began within this of the last
    /// registration here is made again before adding anyone.
    /// </summary>
    private static readonly TimeSpan SearchLag = TimeSpan.FromSeconds(5);

    private DateTimeOffset _lastAddedAt;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // What this branch registered before this activation is unknown: searches from just before are made again.
        _lastAddedAt = clock.GetUtcNow();
        return Task.CompletedTask;
    }

    public async Task<RegisteredPerson> Register(UnmatchedFace unmatched)
    {
        var face = new FaceImage(unmatched.Image ?? ReadOnlyMemory<byte>.Empty, unmatched.ImageKey, unmatched.FaceToken) { Descriptor = unmatched.FaceDescriptor };
        if (unmatched.SearchedAt <= _lastAddedAt + SearchLag)
        {
            // Someone was registered here while (or just before) the camera searched: perhaps this very person.
            var found = await metrics.SearchAsync(faceSearch, face, CancellationToken.None);
            switch (found.Outcome)
            {
                case FaceSearchOutcome.Match:
                    return new RegisteredPerson(found.PersonId, Added: false, found.AlsoMatched);
                case FaceSearchOutcome.NoFace:
                    return new RegisteredPerson(null, Added: false, null);
            }
        }
        // The id is chosen before the call: a retried IndexFaces adds its face to this same person.
        var personId = PersonIds.NewAnonymous(clock.GetUtcNow());
        var added = await faceSearch.AddFaceAsync(face, personId, CancellationToken.None);
        if (added.Outcome != FaceSearchOutcome.Match)
        {
            return new RegisteredPerson(null, Added: false, null);
        }
        _lastAddedAt = clock.GetUtcNow();
        metrics.FaceIndexed();
        LogAdded(this.GetPrimaryKeyString(), personId);
        return new RegisteredPerson(personId, Added: true, null);
    }

    public async Task AddFace(string personId, UnmatchedFace unmatched)
    {
        var face = new FaceImage(unmatched.Image ?? ReadOnlyMemory<byte>.Empty, unmatched.ImageKey, unmatched.FaceToken) { Descriptor = unmatched.FaceDescriptor };
        try
        {
            if (await tombstones.IsErasedAsync(personId, CancellationToken.None))
            {
                return; // erased since the visit opened: their face is not added back
            }
            var added = await faceSearch.AddFaceAsync(face, personId, CancellationToken.None, onlyIfPersonExists: true);
            LogFaceAdded(personId, added.FaceId is not null);
            if (await tombstones.IsErasedAsync(personId, CancellationToken.None))
            {
                // The erasure began while the face went in, and may have listed the collection before it did: erased again.
                await faceSearch.ErasePersonAsync(personId, CancellationToken.None);
            }
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            LogFaceNotAdded(personId, failure.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A later face of {PersonId} added: {Associated}")]
    private partial void LogFaceAdded(string personId, bool associated);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A later face of {PersonId} was not added: {Error}")]
    private partial void LogFaceNotAdded(string personId, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "New person {PersonId} registered at {BranchId}")]
    private partial void LogAdded(string branchId, string personId);
}
