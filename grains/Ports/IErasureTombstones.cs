namespace NextGenCrm.Ports;

/// <summary>
/// The fence of an erasure: a tombstone per erased person, written before anything of theirs is deleted and kept
/// for a bounded time, so that work already in flight when the erasure began (a courier's delivery, a face search
/// whose answer names them, a sighting queued behind the erasure) cannot bring back what the erasure removed.
/// Whatever could write a person's data again reads the tombstone first, and whatever wrote into a store the
/// erasure empties (a history record, a face) reads it again after writing and takes back what it wrote.
/// </summary>
public interface IErasureTombstones
{
    /// <summary>Records that the people's erasure has begun; each tombstone stands until <paramref name="until"/>.</summary>
    Task RecordAsync(IReadOnlyCollection<string> personIds, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>Whether a tombstone of <paramref name="personId"/> stands now (read consistently).</summary>
    Task<bool> IsErasedAsync(string personId, CancellationToken cancellationToken);
}

/// <summary>What erasing a person in the face collection removed: their faces (including faces of nobody that carry their id) and the person (user) itself.</summary>
public sealed record ErasedFaces(int Faces, bool Person)
{
    public static readonly ErasedFaces None = new(0, false);
}
