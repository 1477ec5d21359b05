using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DataTrust.Homomorphic.Internal;

/// <summary>
/// Precomputed tables for the negacyclic number-theoretic transform over Z_q[X]/(X^N + 1).
/// </summary>
/// <remarks>
/// The forward transform is the merged Cooley–Tukey negacyclic NTT of Longa &amp; Naehrig 2016
/// ("Speeding up the NTT for lattice-based cryptography", Algorithm 1) with the powers of a primitive
/// 2N-th root ψ stored in bit-reversed order, so no separate pre-multiplication by ψ^i is needed; the
/// inverse is their Gentleman–Sande Algorithm 2. Butterflies are Harvey's lazy ones (Harvey 2014,
/// "Faster arithmetic for number-theoretic transforms", Algorithms 4 and 5): values stay in [0, 4q)
/// (forward) or [0, 2q) (inverse) and twiddle products use Shoup multiplication, which needs q &lt; 2^62.
/// After <see cref="Forward"/>, slot i holds the evaluation a(ψ^(2·bitrev(i) + 1)).
/// </remarks>
internal sealed class NttTables
{
    private readonly ulong[] rootPowers;
    private readonly ulong[] rootPowersShoup;
    private readonly ulong[] inverseRootPowers;
    private readonly ulong[] inverseRootPowersShoup;
    private readonly ulong inverseDegree;
    private readonly ulong inverseDegreeShoup;

    public NttTables(Modulus modulus, int degree)
    {
        Debug.Assert(degree >= 2 && (degree & (degree - 1)) == 0, "degree must be a power of two");
        Modulus = modulus;
        Degree = degree;
        LogDegree = System.Numerics.BitOperations.Log2((uint)degree);
        var psi = Primes.FindPrimitiveRoot(modulus, 2 * degree);
        Root = psi;
        var psiInverse = modulus.Inverse(psi);
        rootPowers = new ulong[degree];
        rootPowersShoup = new ulong[degree];
        inverseRootPowers = new ulong[degree];
        inverseRootPowersShoup = new ulong[degree];
        ulong power = 1;
        ulong inversePower = 1;
        for (var i = 0; i < degree; i++)
        {
            var r = BitReverse(i, LogDegree);
            rootPowers[r] = power;
            inverseRootPowers[r] = inversePower;
            power = modulus.Multiply(power, psi);
            inversePower = modulus.Multiply(inversePower, psiInverse);
        }

        for (var i = 0; i < degree; i++)
        {
            rootPowersShoup[i] = modulus.ShoupPrecompute(rootPowers[i]);
            inverseRootPowersShoup[i] = modulus.ShoupPrecompute(inverseRootPowers[i]);
        }

        inverseDegree = modulus.Inverse((ulong)degree);
        inverseDegreeShoup = modulus.ShoupPrecompute(inverseDegree);
    }

    public Modulus Modulus { get; }

    public int Degree { get; }

    public int LogDegree { get; }

    /// <summary>The primitive 2N-th root of unity ψ the tables are built from.</summary>
    public ulong Root { get; }

    public static int BitReverse(int value, int bits)
    {
        var result = 0;
        for (var i = 0; i < bits; i++)
        {
            result = (result << 1) | ((value >> i) & 1);
        }

        return result;
    }

    /// <summary>In-place forward negacyclic NTT; input in [0, q) (or lazily [0, 4q)), output in [0, q).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Forward(Span<ulong> values)
    {
        Debug.Assert(values.Length == Degree, "length must equal the degree");
        var q = Modulus.Value;
        var twoQ = 2 * q;
        ref var a = ref MemoryMarshal.GetReference(values);
        ref var w = ref MemoryMarshal.GetArrayDataReference(rootPowers);
        ref var ws = ref MemoryMarshal.GetArrayDataReference(rootPowersShoup);
        var n = Degree;
        var t = n;
        for (var m = 1; m < n; m <<= 1)
        {
            t >>= 1;
            for (var i = 0; i < m; i++)
            {
                var j1 = 2 * i * t;
                var wi = Unsafe.Add(ref w, m + i);
                var wsi = Unsafe.Add(ref ws, m + i);
                ref var x = ref Unsafe.Add(ref a, j1);
                ref var y = ref Unsafe.Add(ref a, j1 + t);
                for (var j = 0; j < t; j++)
                {
                    var xv = Modulus.SubtractIfAtLeast(Unsafe.Add(ref x, j), twoQ);
                    var tv = Modulus.MultiplyShoupLazy(Unsafe.Add(ref y, j), wi, wsi, q);
                    Unsafe.Add(ref x, j) = xv + tv;
                    Unsafe.Add(ref y, j) = xv - tv + twoQ;
                }
            }
        }

        for (var i = 0; i < n; i++)
        {
            Unsafe.Add(ref a, i) = Modulus.SubtractIfAtLeast(Modulus.SubtractIfAtLeast(Unsafe.Add(ref a, i), twoQ), q);
        }
    }

    /// <summary>In-place inverse negacyclic NTT; input in [0, 2q), output in [0, q).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Inverse(Span<ulong> values)
    {
        Debug.Assert(values.Length == Degree, "length must equal the degree");
        var q = Modulus.Value;
        var twoQ = 2 * q;
        ref var a = ref MemoryMarshal.GetReference(values);
        ref var w = ref MemoryMarshal.GetArrayDataReference(inverseRootPowers);
        ref var ws = ref MemoryMarshal.GetArrayDataReference(inverseRootPowersShoup);
        var n = Degree;
        var t = 1;
        for (var m = n; m > 1; m >>= 1)
        {
            var h = m >> 1;
            var j1 = 0;
            for (var i = 0; i < h; i++)
            {
                var wi = Unsafe.Add(ref w, h + i);
                var wsi = Unsafe.Add(ref ws, h + i);
                ref var x = ref Unsafe.Add(ref a, j1);
                ref var y = ref Unsafe.Add(ref a, j1 + t);
                for (var j = 0; j < t; j++)
                {
                    var u = Unsafe.Add(ref x, j);
                    var v = Unsafe.Add(ref y, j);
                    Unsafe.Add(ref x, j) = Modulus.SubtractIfAtLeast(u + v, twoQ);
                    Unsafe.Add(ref y, j) = Modulus.MultiplyShoupLazy(u - v + twoQ, wi, wsi, q);
                }

                j1 += 2 * t;
            }

            t <<= 1;
        }

        var inv = inverseDegree;
        var invShoup = inverseDegreeShoup;
        for (var i = 0; i < n; i++)
        {
            Unsafe.Add(ref a, i) = Modulus.SubtractIfAtLeast(Modulus.MultiplyShoupLazy(Unsafe.Add(ref a, i), inv, invShoup, q), q);
        }
    }
}
