using System.Numerics;
using System.Runtime.InteropServices;

namespace NextGenCrm.EdgeAgent.ReIdentification;

/// <summary>A camera's track, as the silo knows it: the camera grain that resolved it answers for it.</summary>
public readonly record struct TrackKey(string CameraId, string TrackId);

/// <summary>
/// The face descriptors of the tracks this agent saw in the last <see cref="ReIdentificationOptions.Window"/>, across
/// all its cameras, in memory only. A new track whose descriptor matches one (and no other person's comes close) is
/// the same person: its sightings name that track, so the silo takes its answer instead of a face search.
/// Bounded: a descriptor is dropped (and its memory zeroed) when its track has not been seen for the window, or,
/// past <see cref="ReIdentificationOptions.MaxTracks"/>, when it is the least recently seen. Thread-safe: every
/// camera's worker calls it.
/// </summary>
public sealed class RecentFaces(ReIdentificationOptions options) : IDisposable
{
    private readonly Dictionary<TrackKey, Entry> _tracks = [];
    private readonly Lock _gate = new();
    private long _nextPerson;
    private long _matched, _ambiguous, _identified;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _tracks.Count;
            }
        }
    }

    /// <summary>New tracks matched to an earlier one so far.</summary>
    public long Matched => Interlocked.Read(ref _matched);

    /// <summary>New tracks that matched more than one person closely, left to the silo's search.</summary>
    public long Ambiguous => Interlocked.Read(ref _ambiguous);

    /// <summary>New tracks compared with the recent ones so far (matched, ambiguous, or a new person).</summary>
    public long Identified => Interlocked.Read(ref _identified);

    /// <summary>
    /// Keeps the new track's descriptor and answers the earlier track it matched (the most recently seen track of
    /// that person), or null: nobody within the window is close enough, or two people are about as close.
    /// The descriptor is copied; the caller may clear its own.
    /// </summary>
    public TrackKey? Identify(TrackKey track, ReadOnlySpan<float> descriptor, DateTimeOffset seenAt)
    {
        lock (_gate)
        {
            Expire(seenAt);
            if (_tracks.TryGetValue(track, out var known))
            {
                known.Seen(seenAt);
                return known.SameAs;
            }
            Interlocked.Increment(ref _identified);
            var (person, sameAs) = BestMatch(track, descriptor);
            var entry = new Entry(descriptor.ToArray(), person ?? _nextPerson++, sameAs, seenAt);
            _tracks[track] = entry;
            if (_tracks.Count > options.MaxTracks)
            {
                Evict(_tracks.Count - options.MaxTracks, keep: track);
            }
            return sameAs;
        }
    }

    /// <summary>The earlier track a known track was matched to (null: none, or the track is not kept).</summary>
    public TrackKey? SameAs(TrackKey track, DateTimeOffset seenAt)
    {
        lock (_gate)
        {
            if (!_tracks.TryGetValue(track, out var entry))
            {
                return null;
            }
            entry.Seen(seenAt);
            return entry.SameAs;
        }
    }

    /// <summary>The track ended (its camera lost it): its descriptor stays for the window from now.</summary>
    public void Ended(TrackKey track, DateTimeOffset endedAt)
    {
        lock (_gate)
        {
            if (_tracks.TryGetValue(track, out var entry))
            {
                entry.Seen(endedAt);
                entry.Active = false;
            }
        }
    }

    /// <summary>Drops every descriptor whose track was last seen before the window (called on each new track, and by the agent's timer).</summary>
    public void Expire(DateTimeOffset now)
    {
        lock (_gate)
        {
            List<TrackKey>? old = null;
            foreach (var (key, entry) in _tracks)
            {
                if (now - entry.LastSeen > options.Window)
                {
                    (old ??= []).Add(key);
                }
            }
            foreach (var key in old ?? [])
            {
                Drop(key);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var key in _tracks.Keys.ToList())
            {
                Drop(key);
            }
        }
    }

    private (long? Person, TrackKey? SameAs) BestMatch(TrackKey track, ReadOnlySpan<float> descriptor)
    {
        // Per person (tracks matched to each other are one person): the closest of their tracks.
        long? best = null, second = null;
        float bestScore = float.MinValue, secondScore = float.MinValue;
        var closest = new Dictionary<long, float>();
        foreach (var (key, entry) in _tracks)
        {
            if (key.CameraId == track.CameraId && entry.Active)
            {
                continue; // in view on the same camera right now: someone else standing beside this face
            }
            var score = Cosine(descriptor, entry.Descriptor);
            if (!closest.TryGetValue(entry.Person, out var was) || score > was)
            {
                closest[entry.Person] = score;
            }
        }
        foreach (var (person, score) in closest)
        {
            if (score > bestScore)
            {
                (second, secondScore) = (best, bestScore);
                (best, bestScore) = (person, score);
            }
            else if (score > secondScore)
            {
                (second, secondScore) = (person, score);
            }
        }
        if (best is null || bestScore < options.MinSimilarity)
        {
            return (null, null);
        }
        if (second is not null && bestScore - secondScore < options.AmbiguityMargin)
        {
            Interlocked.Increment(ref _ambiguous);
            return (null, null);
        }
        Interlocked.Increment(ref _matched);
        // The person's most recently seen track: the one its camera is likeliest to still know.
        var latest = _tracks.Where(t => t.Value.Person == best).MaxBy(t => t.Value.LastSeen).Key;
        return (best, latest);
    }

    /// <summary>Cosine similarity; descriptors of a different length never match.</summary>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length || a.Length == 0)
        {
            return float.MinValue;
        }
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        Vector<float> dot = default, na = default, nb = default;
        for (var i = 0; i < va.Length; i++)
        {
            dot += va[i] * vb[i];
            na += va[i] * va[i];
            nb += vb[i] * vb[i];
        }
        float d = Vector.Sum(dot), x = Vector.Sum(na), y = Vector.Sum(nb);
        for (var i = va.Length * Vector<float>.Count; i < a.Length; i++)
        {
            d += a[i] * b[i];
            x += a[i] * a[i];
            y += b[i] * b[i];
        }
        return x == 0 || y == 0 ? float.MinValue : d / MathF.Sqrt(x * y);
    }

    private void Evict(int count, TrackKey keep)
    {
        foreach (var key in _tracks.Where(t => t.Key != keep).OrderBy(t => t.Value.LastSeen).Take(count).Select(t => t.Key).ToList())
        {
            Drop(key);
        }
    }

    private void Drop(TrackKey key)
    {
        if (_tracks.Remove(key, out var entry))
        {
            Array.Clear(entry.Descriptor); // biometric data: not left for the collector to find
        }
    }

    private sealed class Entry(float[] descriptor, long person, TrackKey? sameAs, DateTimeOffset seenAt)
    {
        public float[] Descriptor { get; } = descriptor;
        public long Person { get; } = person;
        public TrackKey? SameAs { get; } = sameAs;
        public DateTimeOffset LastSeen { get; private set; } = seenAt;
        public bool Active { get; set; } = true;

        public void Seen(DateTimeOffset at)
        {
            if (at > LastSeen)
            {
                LastSeen = at;
            }
        }
    }
}
