using System.Text;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace NextGenCrm.Placement;

/// <summary>
/// Places every grain of one branch (its cameras, the branch, its face registrar) on the same silo, so the
/// calls a sighting makes between them stay in the process. The grain's key names the branch: "branchId" or
/// "branchId:cameraId".
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class BranchPlacement : PlacementStrategy
{
    public static readonly BranchPlacement Instance = new();
}

/// <summary>Marks a grain class whose key starts with a branch id for <see cref="BranchPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class BranchPlacementAttribute() : PlacementAttribute(BranchPlacement.Instance);

/// <summary>
/// Picks the silo for a branch by rendezvous (highest random weight) hashing of the branch id over the active,
/// compatible silos: every silo computes the same answer from the same membership, and a silo joining or leaving
/// moves only the branches that hash to it (about 1/n of them). A branch whose silo died is placed, whole, on the
/// silo that scores next for it. Activations are never moved by this: it decides where a grain activates, so a
/// branch whose grains were active before a silo joined keeps them where they are until they deactivate.
/// </summary>
public sealed class BranchPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        if (silos.Length == 0)
        {
            throw new OrleansException($"No active silo can host {target.GrainIdentity}.");
        }
        // A caller's explicit hint wins, as with Orleans' own directors (tests use it to set up a failover).
        if (IPlacementDirector.GetPlacementHint(target.RequestContextData, silos) is { } hinted)
        {
            return Task.FromResult(hinted);
        }
        return Task.FromResult(Choose(BranchOf(target.GrainIdentity.Key.ToString()!), silos));
    }

    /// <summary>The branch id a grain key starts with: the part before the first ':' (the whole key if none).</summary>
    public static string BranchOf(string key)
    {
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? key : key[..colon];
    }

    /// <summary>The silo the branch's grains go to, among <paramref name="silos"/> (in any order).</summary>
    public static SiloAddress Choose(string branchId, IReadOnlyList<SiloAddress> silos)
    {
        ArgumentOutOfRangeException.ThrowIfZero(silos.Count);
        var branch = Fnv(Encoding.UTF8.GetBytes(branchId), 14695981039346656037UL);
        SiloAddress best = silos[0];
        var bestScore = 0UL;
        for (var i = 0; i < silos.Count; i++)
        {
            // The endpoint, not the generation: a silo restarted at the same address gets its branches back.
            var score = Mix(Fnv(Encoding.UTF8.GetBytes(silos[i].Endpoint.ToString()), branch));
            if (i == 0 || score > bestScore || (score == bestScore && silos[i].CompareTo(best) < 0))
            {
                best = silos[i];
                bestScore = score;
            }
        }
        return best;
    }

    private static ulong Fnv(ReadOnlySpan<byte> bytes, ulong hash)
    {
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }
        return hash;
    }

    /// <summary>The splitmix64 finaliser: FNV alone leaves the high bits poorly mixed for short keys.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
