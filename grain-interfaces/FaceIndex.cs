namespace NextGenCrm;

/// <summary>
/// The on-premises face collection (key "all"): every face descriptor of every person in one float32 matrix in
/// memory, searched exactly, written through to a durable store before it is searchable. One activation in the
/// cluster, so a face added is found by the very next search from any silo, and an erased person is gone from
/// every silo's searches at once.
/// </summary>
public interface IFaceIndexGrain : IGrainWithStringKey
{
    public const string Key = "all";

    /// <summary>The people whose faces are at least <paramref name="minSimilarity"/> (cosine, -1–1) like the descriptor, most alike first.</summary>
    [Orleans.Concurrency.ReadOnly]
    Task<DescriptorMatch[]> Search(float[] descriptor, float minSimilarity);

    /// <summary>
    /// Adds a face to the person, creating the person unless <paramref name="onlyIfPersonExists"/> (then a person
    /// erased meanwhile stays erased). Durable when it returns.
    /// </summary>
    Task<DescriptorAdded> Add(string personId, float[] descriptor, bool onlyIfPersonExists);

    /// <summary>Removes the person and every face of theirs, durably; says what was there.</summary>
    Task<DescriptorsErased> Erase(string personId);
}

[GenerateSerializer, Immutable]
public sealed record DescriptorMatch(
    [property: Id(0)] string PersonId,
    [property: Id(1)] float Similarity);

/// <summary><see cref="FaceId"/> is null when nothing was added: the person is gone (<see cref="PersonExists"/> false) or holds the most faces a person may.</summary>
[GenerateSerializer, Immutable]
public sealed record DescriptorAdded(
    [property: Id(0)] string? FaceId,
    [property: Id(1)] bool PersonExists);

[GenerateSerializer, Immutable]
public sealed record DescriptorsErased(
    [property: Id(0)] int Faces,
    [property: Id(1)] bool Person);
