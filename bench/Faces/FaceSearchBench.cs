using System.Diagnostics;
using NextGenCrm.Faces;
using NextGenCrm.Ports;

namespace NextGenCrm.Bench.Faces;

/// <summary>
/// The on-premises face search's exact scan, measured: <c>faces</c> random L2-normalised descriptors (people of 1–3
/// faces, as a collection of visitors is) in the <see cref="FaceDescriptorMatrix"/> the index grain holds, searched
/// with queries near a held face (a returning visitor) and far from all (a stranger). Run it pinned to one core
/// (bench/face-search-one-core.sh) for the one-core figure.
/// </summary>
public static class FaceSearchBench
{
    public static int Run(int faces, int queries, int seed, double maxDistance)
    {
        var random = new Random(seed);
        var matrix = new FaceDescriptorMatrix(faces);
        var held = new List<float[]>(faces);
        var person = 0;
        while (held.Count < faces)
        {
            var personId = $"v-{person++:D8}";
            var face = Unit(random);
            for (var n = 1 + random.Next(3); n > 0 && held.Count < faces; n--)
            {
                var variant = Near(face, random, 0.1f);
                matrix.Add($"f-{held.Count:D8}", personId, variant);
                held.Add(variant);
            }
        }
        var returning = Enumerable.Range(0, queries).Select(_ => Near(held[random.Next(held.Count)], random, 0.1f)).ToArray();
        var strangers = Enumerable.Range(0, queries).Select(_ => Unit(random)).ToArray();
        var minSimilarity = (float)(1 - maxDistance);

        // Warm-up: the JIT's tiers, the pages of the matrix.
        for (var i = 0; i < 20; i++)
        {
            matrix.Search(returning[i % queries], minSimilarity, FaceIndexGrain.MaxPeoplePerSearch);
        }
        var found = 0;
        var returningMs = Measure(returning, q => found += matrix.Search(q, minSimilarity, FaceIndexGrain.MaxPeoplePerSearch).Count > 0 ? 1 : 0);
        var returningCpu = LastCpuMsPerSearch;
        var falseMatches = 0;
        var strangerMs = Measure(strangers, q => falseMatches += matrix.Search(q, minSimilarity, FaceIndexGrain.MaxPeoplePerSearch).Count > 0 ? 1 : 0);
        var strangerCpu = LastCpuMsPerSearch;

        Console.WriteLine($"face search bench: {faces:N0} faces of {matrix.PersonCount:N0} people ({faces * FaceDescriptors.Dimensions * 4 / 1e6:N1} MB matrix), " +
            $"{queries:N0} queries each, threshold cosine distance {maxDistance}, Vector512 {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}, " +
            $"processors visible {Environment.ProcessorCount}");
        // The ceiling: the same number of float32 read once and summed (TensorPrimitives), no search at all.
        var plain = new float[faces * FaceDescriptors.Dimensions];
        random.NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(plain.AsSpan()));
        for (var i = 0; i < plain.Length; i++)
        {
            plain[i] = (plain[i] % 1) is var x && float.IsFinite(x) ? x : 0;
        }
        var readMs = Measure(returning, _ => System.Numerics.Tensors.TensorPrimitives.Sum(plain));
        Report("read only (ceiling)", readMs, LastCpuMsPerSearch, faces, $"{plain.Length * 4 / readMs.Average() / 1e6:N1} GB/s");
        Report("returning visitors", returningMs, returningCpu, faces, $"{found}/{queries} found");
        Report("strangers", strangerMs, strangerCpu, faces, $"{falseMatches}/{queries} false matches (random descriptors)");
        return 0;
    }

    private static List<double> Measure(float[][] queries, Action<float[]> search)
    {
        var times = new List<double>(queries.Length);
        // CPU time as well as wall time: on a shared machine the process waits for its core, and the CPU time is the
        // search's own cost on that core (memory contention from the other processes still counts in it).
        var cpuBefore = Environment.CpuUsage.TotalTime;
        foreach (var query in queries)
        {
            var started = Stopwatch.GetTimestamp();
            search(query);
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        LastCpuMsPerSearch = (Environment.CpuUsage.TotalTime - cpuBefore).TotalMilliseconds / queries.Length;
        times.Sort();
        return times;
    }

    private static double LastCpuMsPerSearch;

    private static void Report(string name, List<double> ms, double cpuMs, int faces, string outcome)
    {
        var p50 = ms[ms.Count / 2];
        Console.WriteLine($"  {name,-18}: wall p50 {p50:F2} ms, mean {ms.Average():F2}, p99 {ms[(int)(ms.Count * 0.99)]:F2}, max {ms[^1]:F2}; " +
            $"CPU {cpuMs:F2} ms a search = {faces / cpuMs:N0} faces per CPU-ms ({faces / p50:N0} per wall-ms at p50); {outcome}");
    }

    private static float[] Unit(Random random)
    {
        var v = new float[FaceDescriptors.Dimensions];
        for (var i = 0; i < v.Length; i++)
        {
            // Box-Muller: a Gaussian vector, normalised, is uniform on the sphere.
            v[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }
        return Normalised(v);
    }

    private static float[] Near(float[] face, Random random, float spread)
    {
        var noise = Unit(random);
        var v = new float[face.Length];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = face[i] + (spread * noise[i]);
        }
        return Normalised(v);
    }

    private static float[] Normalised(float[] v)
    {
        var norm = MathF.Sqrt(v.Sum(x => x * x));
        for (var i = 0; i < v.Length; i++)
        {
            v[i] /= norm;
        }
        return v;
    }
}
