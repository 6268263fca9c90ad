using System.Runtime.CompilerServices;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.OnPremises;

/// <summary>The on-premises face collection with <c>--ephemeral</c>: in this process only, gone when it stops.</summary>
public sealed class InMemoryFaceDescriptorStore : IFaceDescriptorStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<StoredFace>> _people = new(StringComparer.Ordinal);

    public int FaceCount
    {
        get
        {
            lock (_lock)
            {
                return _people.Values.Sum(f => f.Count);
            }
        }
    }

    public async IAsyncEnumerable<StoredFace> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<StoredFace> all;
        lock (_lock)
        {
            all = [.. _people.Values.SelectMany(f => f)];
        }
        foreach (var face in all)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return face;
        }
        await Task.CompletedTask;
    }

    public Task<bool> AddAsync(StoredFace face, bool onlyIfPersonExists, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_people.TryGetValue(face.PersonId, out var faces))
            {
                if (onlyIfPersonExists)
                {
                    return Task.FromResult(false);
                }
                _people[face.PersonId] = faces = [];
            }
            if (!faces.Any(f => f.FaceId == face.FaceId))
            {
                faces.Add(face with { Descriptor = [.. face.Descriptor] });
            }
            return Task.FromResult(true);
        }
    }

    public Task<ErasedFaces> ErasePersonAsync(string personId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_people.Remove(personId, out var faces) ? new ErasedFaces(faces.Count, true) : ErasedFaces.None);
        }
    }
}
