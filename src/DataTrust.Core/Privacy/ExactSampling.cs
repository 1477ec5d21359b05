using System.Buffers.Binary;
using System.Numerics;

namespace DataTrust.Core.Privacy;

/// <summary>
/// Exact samplers over integers and rationals from uniform 64-bit words: uniform integers by rejection, Bernoulli(p/q)
/// and Bernoulli(exp(−p/q)) (Canonne, Kamath, Steinke 2020, Algorithm 1). No floating point is involved.
/// </summary>
internal static class ExactSampling
{
    /// <summary>Largest bound, in bytes, whose candidate words are assembled on the stack.</summary>
    private const int MaxStackBytes = 256;

    /// <summary>A uniform integer in [0, <paramref name="n"/>) for <paramref name="n"/> ≥ 1.</summary>
    /// <remarks>
    /// Draws just enough words for the bit length of n − 1, masks the top word to that length and rejects candidates
    /// ≥ n: every accepted value has the same probability (no modulo bias) and a try is accepted with probability
    /// above ½, so fewer than two tries are needed on average.
    /// </remarks>
    public static BigInteger Uniform(BigInteger n, IRandomSource random)
    {
        if (n.Sign <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "The bound of a uniform integer must be at least 1.");
        }

        if (n <= ulong.MaxValue)
        {
            return Uniform((ulong)n, random);
        }

        var bits = (n - BigInteger.One).GetBitLength();
        var words = checked((int)((bits + 63) / 64));
        var topBits = (int)(bits - (64L * (words - 1)));
        var topMask = topBits == 64 ? ulong.MaxValue : (1UL << topBits) - 1;
        var bytes = checked(words * 8);
        var buffer = bytes <= MaxStackBytes ? stackalloc byte[MaxStackBytes] : new byte[bytes];
        buffer = buffer[..bytes];
        while (true)
        {
            for (var i = 0; i < words; i++)
            {
                var word = random.NextUInt64();
                if (i == words - 1)
                {
                    word &= topMask;
                }

                BinaryPrimitives.WriteUInt64LittleEndian(buffer[(8 * i)..], word);
            }

            var candidate = new BigInteger(buffer, isUnsigned: true, isBigEndian: false);
            if (candidate < n)
            {
                return candidate;
            }
        }
    }

    /// <summary>A uniform integer in [0, <paramref name="n"/>) for 1 ≤ <paramref name="n"/> &lt; 2⁶⁴, one word per try.</summary>
    public static ulong Uniform(ulong n, IRandomSource random)
    {
        if (n == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "The bound of a uniform integer must be at least 1.");
        }

        if (n == 1)
        {
            return 0;
        }

        var mask = ulong.MaxValue >> BitOperations.LeadingZeroCount(n - 1);
        while (true)
        {
            var candidate = random.NextUInt64() & mask;
            if (candidate < n)
            {
                return candidate;
            }
        }
    }

    /// <summary>Bernoulli(<paramref name="p"/>/<paramref name="q"/>) for 0 ≤ p ≤ q, q ≥ 1: true with probability exactly p/q.</summary>
    public static bool Bernoulli(BigInteger p, BigInteger q, IRandomSource random)
    {
        if (q.Sign <= 0 || p.Sign < 0 || p > q)
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "A Bernoulli probability p/q needs 0 ≤ p ≤ q and q ≥ 1.");
        }

        if (p.IsZero)
        {
            return false;
        }

        if (p == q)
        {
            return true;
        }

        return Uniform(q, random) < p;
    }

    /// <summary>Bernoulli(exp(−<paramref name="p"/>/<paramref name="q"/>)) for p ≥ 0, q ≥ 1 (Algorithm 1).</summary>
    /// <remarks>
    /// For γ = p/q &gt; 1 this takes ⌊γ⌋ draws of Bernoulli(exp(−1)) and one of Bernoulli(exp(−(γ − ⌊γ⌋))), stopping at
    /// the first false, so the expected work is bounded by a constant whatever the size of γ.
    /// </remarks>
    public static bool BernoulliExp(BigInteger p, BigInteger q, IRandomSource random)
    {
        if (q.Sign <= 0 || p.Sign < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "Bernoulli(exp(−p/q)) needs p ≥ 0 and q ≥ 1.");
        }

        if (p <= q)
        {
            return BernoulliExpAtMostOne(p, q, random);
        }

        var whole = BigInteger.DivRem(p, q, out var remainder);
        for (var k = BigInteger.Zero; k < whole; k++)
        {
            if (!BernoulliExpMinusOne(random))
            {
                return false;
            }
        }

        return BernoulliExpAtMostOne(remainder, q, random);
    }

    /// <summary>Bernoulli(exp(−1)): the γ = 1 case of <see cref="BernoulliExpAtMostOne"/> on machine words.</summary>
    public static bool BernoulliExpMinusOne(IRandomSource random)
    {
        // K counts up while Bernoulli(1/K) comes up true; P(K odd) = Σ (−1)^j / j! = exp(−1).
        ulong k = 1;
        while (Uniform(k, random) == 0)
        {
            k++;
        }

        return (k & 1) == 1;
    }

    /// <summary>Bernoulli(exp(−γ)) for γ = <paramref name="p"/>/<paramref name="q"/> in [0, 1].</summary>
    private static bool BernoulliExpAtMostOne(BigInteger p, BigInteger q, IRandomSource random)
    {
        // K counts up while Bernoulli(γ/K) comes up true. The loop ends at K with probability γ^(K−1)/(K−1)! − γ^K/K!,
        // so P(K odd) = Σ_j (−γ)^j / j! = exp(−γ).
        var k = BigInteger.One;
        while (Bernoulli(p, k * q, random))
        {
            k++;
        }

        return !k.IsEven;
    }
}
