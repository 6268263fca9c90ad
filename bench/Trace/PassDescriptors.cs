namespace NextGenCrm.Bench.Trace;

/// <summary>What the descriptor model is asked for (cosine similarities of L2-normalised 128-d vectors).</summary>
public sealed record DescriptorModel(
    int Seed,
    double CommonWeight,
    int OwnDimensions,
    double PassNoiseMean,
    double BadPassShare,
    double BadPassNoiseMean,
    double LookalikeShare,
    double MinLookalikeCorrelation,
    double MaxLookalikeCorrelation)
{
    /// <summary>
    /// Calibrated to the embedder's measured distances (README, accuracy: cosine distance of one person's faces median
    /// 0.008, 95 % 0.030, 99 % 0.068; of different people median 0.124, 95 % 0.171, 0.18 % of pairs under 0.04): each
    /// person a common part (weight 2.66) plus their own in a 20-dimensional subspace (different people 0.876 ± 0.028
    /// alike); each pass the person plus noise of squared size exponential with mean 0.012, and 5 % of passes (blur,
    /// profile) with mean 0.06; 0.5 % of people a lookalike of someone in the pool (own parts correlated 0.6–0.85).
    /// </summary>
    public static DescriptorModel Default(int seed) => new(seed, CommonWeight: 2.66, OwnDimensions: 20, PassNoiseMean: 0.012,
        BadPassShare: 0.05, BadPassNoiseMean: 0.06, LookalikeShare: 0.005, MinLookalikeCorrelation: 0.6, MaxLookalikeCorrelation: 0.85);
}

/// <summary>
/// A face descriptor for every edge track of the trace: the pass of a person in front of a camera yields one that
/// matches the person's earlier passes with realistic noise, and different people occasionally come close (lookalikes).
/// A model of an embedder, not one: the real embedder's distances are measured on photographs (README, accuracy).
/// </summary>
public static class PassDescriptors
{
    public const int Length = 128;

    /// <summary>Descriptor per track, and the person each track shows (ground truth).</summary>
    public static (float[][] Descriptors, int[] PersonOfTrack) Generate(BranchDayTrace trace, DescriptorModel model)
    {
        var random = new Random(model.Seed);
        var common = Unit(Gaussian(random));
        var basis = Enumerable.Range(0, model.OwnDimensions).Select(_ => Unit(Gaussian(random))).ToArray();
        var own = new float[trace.People.Count][];
        var prototypes = new float[trace.People.Count][];
        for (var p = 0; p < prototypes.Length; p++)
        {
            own[p] = Unit(InSubspace(basis, random));
            if (p > 0 && random.NextDouble() < model.LookalikeShare)
            {
                var rho = model.MinLookalikeCorrelation + (random.NextDouble() * (model.MaxLookalikeCorrelation - model.MinLookalikeCorrelation));
                own[p] = Unit(Combine(own[random.Next(p)], rho, own[p], Math.Sqrt(1 - (rho * rho))));
            }
            prototypes[p] = Unit(Combine(common, model.CommonWeight, own[p], 1));
        }

        var personOfTrack = new int[trace.TrackCount];
        foreach (var frame in trace.Frames)
        {
            personOfTrack[frame.Track] = frame.Person;
        }
        var descriptors = new float[trace.TrackCount][];
        for (var t = 0; t < descriptors.Length; t++)
        {
            var mean = random.NextDouble() < model.BadPassShare ? model.BadPassNoiseMean : model.PassNoiseMean;
            var sigma = Math.Sqrt(-mean * Math.Log(1 - random.NextDouble()));
            descriptors[t] = Unit(Combine(prototypes[personOfTrack[t]], 1, Unit(Gaussian(random)), sigma));
        }
        return (descriptors, personOfTrack);
    }

    public static float Cosine(float[] a, float[] b)
    {
        double dot = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
        }
        return (float)dot; // both unit vectors
    }

    private static float[] InSubspace(float[][] basis, Random random)
    {
        var v = new float[Length];
        foreach (var direction in basis)
        {
            var z = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
            for (var i = 0; i < Length; i++)
            {
                v[i] += z * direction[i];
            }
        }
        return v;
    }

    private static float[] Combine(float[] a, double wa, float[] b, double wb)
    {
        var result = new float[a.Length];
        for (var i = 0; i < a.Length; i++)
        {
            result[i] = (float)((wa * a[i]) + (wb * b[i]));
        }
        return result;
    }

    private static float[] Unit(float[] v)
    {
        var norm = Math.Sqrt(v.Sum(x => (double)x * x));
        return v.Select(x => (float)(x / norm)).ToArray();
    }

    private static float[] Gaussian(Random random) =>
        Enumerable.Range(0, Length).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))).ToArray();
}
