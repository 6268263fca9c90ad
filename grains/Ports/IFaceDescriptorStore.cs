namespace NextGenCrm.Ports;

/// <summary>
/// Where the on-premises face collection is kept durably: people and their faces' descriptors (DynamoDB on AWS,
/// the data folder's SQLite file embedded). The index grain reads it whole when it activates and writes each change
/// through before answering, so a restart or a moved activation finds exactly what was acknowledged.
/// </summary>
public interface IFaceDescriptorStore
{
    /// <summary>Every stored face, in no particular order.</summary>
    IAsyncEnumerable<StoredFace> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stores the face, and the person unless <paramref name="onlyIfPersonExists"/>; with it, false and nothing
    /// stored when the person does not exist (erased meanwhile). Atomic: the face and its person go in together.
    /// </summary>
    Task<bool> AddAsync(StoredFace face, bool onlyIfPersonExists, CancellationToken cancellationToken);

    /// <summary>Deletes the person and every face of theirs; counts what was there.</summary>
    Task<ErasedFaces> ErasePersonAsync(string personId, CancellationToken cancellationToken);
}

/// <summary>One face of a person: its id, whose it is, its descriptor (<see cref="FaceDescriptors"/>) and when it was added.</summary>
public sealed record StoredFace(string FaceId, string PersonId, float[] Descriptor, DateTimeOffset AddedAt);
