namespace NextGenCrm.Bench.Trace;

/// <summary>What the descriptor model is asked for (cosine similarities of L2-normalised 128-d vectors).</summary>
public sealed record DescriptorModel(
    int Seed,
    double CommonWeight,
    double MinPassNoise,
    double MaxPassNoise,
    double LookalikeShare,
    double MinLookalikeCorrelation,
    double MaxLookalikeCorrelation)
{
    /// <summary>
    /// Different people about 0.45 apart on average, as face embeddings share a common part; each pass a person's
    /// prototype plus noise of 0.25–0.55 (light, angle, blur: passes of one person 0.75–0.95 alike); 3 % of people
    /// are a lookalike of someone else in the pool (their prototypes correlated 0.6–0.85, as relatives are).
    /// </summary>
    public static DescriptorModel Default(int seed) => new(seed, CommonWeight: 0.9, MinPassNoise: 0.25, MaxPassNoise: 0.55,
        LookalikeShare: 0.03, MinLookalikeCorrelation: 0.6, MaxLookalikeCorrelation: 0.85);
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
        var prototypes = new float[trace.People.Count][];
        for (var p = 0; p < prototypes.Length; p++)
        {
            var own = Unit(Gaussian(random));
            if (p > 0 && random.NextDouble() < model.LookalikeShare)
            {
                // A lookalike of an earlier person: their own part is correlated with theirs.
                var twin = prototypes[random.Next(p)];
                var rho = model.MinLookalikeCorrelation + (random.NextDouble() * (model.MaxLookalikeCorrelation - model.MinLookalikeCorrelation));
                var ownOfTwin = Unit(Combine(twin, 1, common, -model.CommonWeight)); // their own part, undoing the common one
                own = Unit(Combine(ownOfTwin, rho, own, Math.Sqrt(1 - (rho * rho))));
            }
            prototypes[p] = Unit(Combine(common, model.CommonWeight, own, 1));
        }

        var personOfTrack = new int[trace.TrackCount];
        foreach (var frame in trace.Frames)
        {
            personOfTrack[frame.Track] = frame.Person;
        }
        var descriptors = new float[trace.TrackCount][];
        for (var t = 0; t < descriptors.Length; t++)
        {
            var sigma = model.MinPassNoise + (random.NextDouble() * (model.MaxPassNoise - model.MinPassNoise));
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
