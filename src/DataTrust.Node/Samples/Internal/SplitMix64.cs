namespace DataTrust.Node.Samples.Internal;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): a tiny deterministic generator for synthetic sample data only.
/// Never used for anything that protects data; noise and keys use <see cref="System.Security.Cryptography.RandomNumberGenerator"/>.
/// </summary>
internal sealed class SplitMix64
{
    private ulong state;

    public SplitMix64(ulong seed) => state = seed;

    public ulong NextUInt64()
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, bound).</summary>
    public int Next(int bound) => (int)(NextUInt64() % (ulong)bound);

    /// <summary>Standard normal (Box–Muller).</summary>
    public double NextGaussian()
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Index drawn with the given relative weights.</summary>
    public int NextWeighted(IReadOnlyList<int> weights)
    {
        var total = weights.Sum();
        var pick = Next(total);
        for (var i = 0; i < weights.Count; i++)
        {
            pick -= weights[i];
            if (pick < 0)
            {
                return i;
            }
        }

        return weights.Count - 1;
    }
}
