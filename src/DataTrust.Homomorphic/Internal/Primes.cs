using System.Diagnostics;

namespace DataTrust.Homomorphic.Internal;

/// <summary>Primality testing and the search for NTT-friendly primes (q ≡ 1 mod 2N).</summary>
internal static class Primes
{
    // Deterministic Miller–Rabin for every n < 2^64 with the first twelve primes as bases
    // (Jaeschke 1993; Sorenson & Webster 2015 show bases up to 37 suffice below 3.3e24).
    private static readonly ulong[] Bases = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];

    /// <summary>True when n is prime (exact for all 64-bit n below 2^62).</summary>
    public static bool IsPrime(ulong n)
    {
        if (n < 2)
        {
            return false;
        }

        foreach (var p in Bases)
        {
            if (n == p)
            {
                return true;
            }

            if (n % p == 0)
            {
                return false;
            }
        }

        if (n >= (1UL << 62))
        {
            // Our Modulus arithmetic is limited to 62 bits; such values are never moduli here.
            return false;
        }

        var mod = new Modulus(n);
        var d = n - 1;
        var s = 0;
        while ((d & 1) == 0)
        {
            d >>= 1;
            s++;
        }

        foreach (var a in Bases)
        {
            var x = mod.Pow(a, d);
            if (x == 1 || x == n - 1)
            {
                continue;
            }

            var composite = true;
            for (var r = 1; r < s; r++)
            {
                x = mod.Multiply(x, x);
                if (x == n - 1)
                {
                    composite = false;
                    break;
                }
            }

            if (composite)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The largest primes of exactly <paramref name="bitCount"/> bits with q ≡ 1 (mod 2N), skipping
    /// any in <paramref name="exclude"/>, in descending order.
    /// </summary>
    public static List<ulong> FindNttPrimes(int bitCount, int polyModulusDegree, int count, ICollection<ulong> exclude)
    {
        Debug.Assert(bitCount is >= 2 and <= 61, "bit count out of range");
        var step = 2UL * (ulong)polyModulusDegree;
        var upper = 1UL << bitCount;
        var lower = 1UL << (bitCount - 1);
        var result = new List<ulong>(count);
        // the largest value below 2^bitCount congruent to 1 mod 2N
        var candidate = ((upper - 1) / step * step) + 1;
        if (candidate >= upper)
        {
            candidate -= step;
        }

        while (result.Count < count && candidate > lower)
        {
            if (!exclude.Contains(candidate) && IsPrime(candidate))
            {
                result.Add(candidate);
            }

            candidate -= step;
        }

        if (result.Count < count)
        {
            throw new BfvException($"There are not enough {bitCount}-bit primes congruent to 1 mod {step}; choose larger moduli bit sizes.");
        }

        return result;
    }

    /// <summary>A generator of the order-2N subgroup: a primitive 2N-th root of unity mod q.</summary>
    public static ulong FindPrimitiveRoot(Modulus q, int twoN)
    {
        Debug.Assert((q.Value - 1) % (ulong)twoN == 0, "q must be 1 mod 2N");
        var cofactor = (q.Value - 1) / (ulong)twoN;
        // A candidate g^cofactor has order dividing 2N; it has order exactly 2N iff its N-th power is -1.
        for (ulong g = 2; g < q.Value; g++)
        {
            var root = q.Pow(g, cofactor);
            if (q.Pow(root, (ulong)twoN / 2) == q.Value - 1)
            {
                // choose the smallest of the primitive roots for determinism across runs
                return SmallestPrimitiveRoot(q, root, twoN);
            }
        }

        throw new BfvException("No primitive root of unity exists for this modulus; it must be a prime congruent to 1 mod 2N.");
    }

    private static ulong SmallestPrimitiveRoot(Modulus q, ulong root, int twoN)
    {
        // The primitive 2N-th roots are root^k for odd k.
        var square = q.Multiply(root, root);
        var current = root;
        var best = root;
        for (var k = 1; k < twoN; k += 2)
        {
            if (current < best)
            {
                best = current;
            }

            current = q.Multiply(current, square);
        }

        return best;
    }
}
