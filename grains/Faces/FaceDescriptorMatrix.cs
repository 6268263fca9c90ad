using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using NextGenCrm.Ports;

namespace NextGenCrm.Faces;

/// <summary>
/// Every face descriptor in one contiguous float32 matrix (a row of 128 per face), searched exactly: one pass of
/// SIMD dot products over all rows (the descriptors are L2-normalised, so the dot product is the cosine
/// similarity). No approximate index: at 100,000 faces a pass reads 51 MB, a few milliseconds on one core
/// (bench/face-search-one-core.sh), and an exact search never misses a face it holds. Removal moves the last row
/// into the hole, so the rows stay contiguous. Not thread-safe: its grain calls it one turn at a time.
/// </summary>
public sealed class FaceDescriptorMatrix
{
    private const int D = FaceDescriptors.Dimensions;

    private float[] _values;
    private string[] _faceIds;
    private string[] _personIds;
    private int _count;
    private readonly Dictionary<string, int> _rowOfFace = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _facesOfPerson = new(StringComparer.Ordinal);

    public FaceDescriptorMatrix(int capacity = 1024)
    {
        capacity = Math.Max(capacity, 16);
        _values = new float[capacity * D];
        _faceIds = new string[capacity];
        _personIds = new string[capacity];
    }

    /// <summary>Faces held.</summary>
    public int Count => _count;

    /// <summary>People with at least one face.</summary>
    public int PersonCount => _facesOfPerson.Count;

    public int FacesOf(string personId) => _facesOfPerson.TryGetValue(personId, out var faces) ? faces.Count : 0;

    public bool Contains(string faceId) => _rowOfFace.ContainsKey(faceId);

    public void Add(string faceId, string personId, ReadOnlySpan<float> descriptor)
    {
        if (descriptor.Length != D)
        {
            throw new ArgumentException($"A descriptor holds {D} numbers.", nameof(descriptor));
        }
        if (_rowOfFace.ContainsKey(faceId))
        {
            return; // added already (a store read twice): one row per face
        }
        if (_count == _faceIds.Length)
        {
            Grow();
        }
        var row = _count++;
        descriptor.CopyTo(_values.AsSpan(row * D, D));
        _faceIds[row] = faceId;
        _personIds[row] = personId;
        _rowOfFace[faceId] = row;
        if (!_facesOfPerson.TryGetValue(personId, out var faces))
        {
            _facesOfPerson[personId] = faces = [];
        }
        faces.Add(faceId);
    }

    /// <summary>Removes every face of the person; returns how many there were.</summary>
    public int RemovePerson(string personId)
    {
        if (!_facesOfPerson.Remove(personId, out var faces))
        {
            return 0;
        }
        foreach (var faceId in faces)
        {
            RemoveRow(_rowOfFace[faceId]);
        }
        return faces.Count;
    }

    /// <summary>
    /// The people with a face at least <paramref name="minSimilarity"/> like <paramref name="query"/>, each with their
    /// most alike face's similarity, most alike first, at most <paramref name="maxPeople"/>.
    /// </summary>
    public List<(string PersonId, float Similarity)> Search(ReadOnlySpan<float> query, float minSimilarity, int maxPeople)
    {
        if (query.Length != D)
        {
            throw new ArgumentException($"A descriptor holds {D} numbers.", nameof(query));
        }
        // The best rows above the threshold, a few more than people asked for (one person's faces are alike).
        Span<int> rows = stackalloc int[Math.Max(maxPeople * 8, 16)];
        Span<float> scores = stackalloc float[rows.Length];
        var found = ScanAbove(query, minSimilarity, rows, scores);
        var people = new List<(string PersonId, float Similarity)>();
        for (var i = 0; i < found; i++)
        {
            var person = _personIds[rows[i]];
            var at = people.FindIndex(p => p.PersonId == person);
            if (at < 0)
            {
                people.Add((person, scores[i]));
            }
            else if (scores[i] > people[at].Similarity)
            {
                people[at] = (person, scores[i]);
            }
        }
        people.Sort((a, b) => b.Similarity.CompareTo(a.Similarity));
        if (people.Count > maxPeople)
        {
            people.RemoveRange(maxPeople, people.Count - maxPeople);
        }
        return people;
    }

    /// <summary>The cosine similarity of <paramref name="query"/> with every row, into <paramref name="similarities"/> (the bench's check of the kernel).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Similarities(ReadOnlySpan<float> query, Span<float> similarities)
    {
        ref var q = ref MemoryMarshal.GetReference(query);
        ref var m = ref MemoryMarshal.GetArrayDataReference(_values);
        for (var row = 0; row < _count; row++)
        {
            similarities[row] = Dot(ref Unsafe.Add(ref m, row * D), ref q);
        }
    }

    /// <summary>One pass over the matrix keeping the best rows at or above the threshold; returns how many were kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int ScanAbove(ReadOnlySpan<float> query, float minSimilarity, Span<int> rows, Span<float> scores)
    {
        ref var q = ref MemoryMarshal.GetReference(query);
        ref var m = ref MemoryMarshal.GetArrayDataReference(_values);
        var kept = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // The query held in eight registers for the whole pass; each row is eight loads and eight multiply-adds.
            var q0 = Vector512.LoadUnsafe(ref q);
            var q1 = Vector512.LoadUnsafe(ref q, 16);
            var q2 = Vector512.LoadUnsafe(ref q, 32);
            var q3 = Vector512.LoadUnsafe(ref q, 48);
            var q4 = Vector512.LoadUnsafe(ref q, 64);
            var q5 = Vector512.LoadUnsafe(ref q, 80);
            var q6 = Vector512.LoadUnsafe(ref q, 96);
            var q7 = Vector512.LoadUnsafe(ref q, 112);
            for (var row = 0; row < _count; row++)
            {
                ref var r = ref Unsafe.Add(ref m, row * D);
                var a0 = Vector512.LoadUnsafe(ref r) * q0;
                var a1 = Vector512.LoadUnsafe(ref r, 16) * q1;
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, 32), q2, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, 48), q3, a1);
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, 64), q4, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, 80), q5, a1);
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, 96), q6, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r, 112), q7, a1);
                // Halves added down to four lanes before the last sum: fewer shuffles than a 16-lane sum.
                var sum = a0 + a1;
                var half = sum.GetLower() + sum.GetUpper();
                var similarity = Vector128.Sum(half.GetLower() + half.GetUpper());
                if (similarity >= minSimilarity)
                {
                    kept = Keep(row, similarity, kept, rows, scores);
                }
            }
            return kept;
        }
        for (var row = 0; row < _count; row++)
        {
            var similarity = Dot(ref Unsafe.Add(ref m, row * D), ref q);
            if (similarity >= minSimilarity)
            {
                kept = Keep(row, similarity, kept, rows, scores);
            }
        }
        return kept;
    }

    /// <summary>Keeps the row among the best; when full, it replaces the least alike kept one. Returns how many are kept.</summary>
    private static int Keep(int row, float similarity, int kept, Span<int> rows, Span<float> scores)
    {
        if (kept < rows.Length)
        {
            rows[kept] = row;
            scores[kept] = similarity;
            return kept + 1;
        }
        var worst = 0;
        for (var i = 1; i < kept; i++)
        {
            if (scores[i] < scores[worst])
            {
                worst = i;
            }
        }
        if (similarity > scores[worst])
        {
            rows[worst] = row;
            scores[worst] = similarity;
        }
        return kept;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(ref float row, ref float query)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            // 128 floats = 8 vectors of 16; two accumulators so consecutive multiply-adds do not wait on each other.
            var a0 = Vector512.LoadUnsafe(ref row) * Vector512.LoadUnsafe(ref query);
            var a1 = Vector512.LoadUnsafe(ref row, 16) * Vector512.LoadUnsafe(ref query, 16);
            a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref row, 32), Vector512.LoadUnsafe(ref query, 32), a0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref row, 48), Vector512.LoadUnsafe(ref query, 48), a1);
            a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref row, 64), Vector512.LoadUnsafe(ref query, 64), a0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref row, 80), Vector512.LoadUnsafe(ref query, 80), a1);
            a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref row, 96), Vector512.LoadUnsafe(ref query, 96), a0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref row, 112), Vector512.LoadUnsafe(ref query, 112), a1);
            return Vector512.Sum(a0 + a1);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var b0 = Vector256<float>.Zero;
            var b1 = Vector256<float>.Zero;
            var b2 = Vector256<float>.Zero;
            var b3 = Vector256<float>.Zero;
            for (nuint i = 0; i < D; i += 32)
            {
                b0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref row, i), Vector256.LoadUnsafe(ref query, i), b0);
                b1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref row, i + 8), Vector256.LoadUnsafe(ref query, i + 8), b1);
                b2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref row, i + 16), Vector256.LoadUnsafe(ref query, i + 16), b2);
                b3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref row, i + 24), Vector256.LoadUnsafe(ref query, i + 24), b3);
            }
            return Vector256.Sum((b0 + b1) + (b2 + b3));
        }
        var sum = 0f;
        for (var i = 0; i < D; i++)
        {
            sum += Unsafe.Add(ref row, i) * Unsafe.Add(ref query, i);
        }
        return sum;
    }

    private void RemoveRow(int row)
    {
        _rowOfFace.Remove(_faceIds[row]);
        var last = --_count;
        if (row != last)
        {
            _values.AsSpan(last * D, D).CopyTo(_values.AsSpan(row * D, D));
            _faceIds[row] = _faceIds[last];
            _personIds[row] = _personIds[last];
            _rowOfFace[_faceIds[row]] = row;
        }
        // Nothing of a removed face stays readable in the matrix: the freed row is zeroed.
        _values.AsSpan(last * D, D).Clear();
        _faceIds[last] = null!;
        _personIds[last] = null!;
    }

    private void Grow()
    {
        var capacity = _faceIds.Length * 2;
        var values = new float[capacity * D];
        _values.AsSpan(0, _count * D).CopyTo(values);
        _values = values;
        Array.Resize(ref _faceIds, capacity);
        Array.Resize(ref _personIds, capacity);
    }
}
