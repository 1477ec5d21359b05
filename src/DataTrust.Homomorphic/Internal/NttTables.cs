using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
    private readonly ulong lastTwiddle;
    private readonly ulong lastTwiddleShoup;

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
        lastTwiddle = modulus.Multiply(inverseRootPowers[1], inverseDegree);
        lastTwiddleShoup = modulus.ShoupPrecompute(lastTwiddle);
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
        var m = 1;
        for (; m < n / 2; m <<= 1)
        {
            t >>= 1;
            for (var i = 0; i < m; i++)
            {
                var wi = Unsafe.Add(ref w, m + i);
                var wsi = Unsafe.Add(ref ws, m + i);
                ref var x = ref Unsafe.Add(ref a, 2 * i * t);
                ref var y = ref Unsafe.Add(ref x, t);
                if (t >= 8 && UseVectors)
                {
                    ForwardButterflies8(ref x, ref y, t, wi, wsi, q);
                    continue;
                }

                // t ≥ 2 here: two butterflies per iteration halve the loop overhead
                for (var j = 0; j < t; j += 2)
                {
                    var x0 = Modulus.SubtractIfAtLeast(Unsafe.Add(ref x, j), twoQ);
                    var x1 = Modulus.SubtractIfAtLeast(Unsafe.Add(ref x, j + 1), twoQ);
                    var t0 = Modulus.MultiplyShoupLazy(Unsafe.Add(ref y, j), wi, wsi, q);
                    var t1 = Modulus.MultiplyShoupLazy(Unsafe.Add(ref y, j + 1), wi, wsi, q);
                    Unsafe.Add(ref x, j) = x0 + t0;
                    Unsafe.Add(ref x, j + 1) = x1 + t1;
                    Unsafe.Add(ref y, j) = x0 - t0 + twoQ;
                    Unsafe.Add(ref y, j + 1) = x1 - t1 + twoQ;
                }
            }
        }

        // last stage (t = 1), with the final reduction to [0, q) folded in
        for (var i = 0; i < m; i++)
        {
            var wi = Unsafe.Add(ref w, m + i);
            var wsi = Unsafe.Add(ref ws, m + i);
            ref var x = ref Unsafe.Add(ref a, 2 * i);
            var x0 = Modulus.SubtractIfAtLeast(x, twoQ);
            var t0 = Modulus.MultiplyShoupLazy(Unsafe.Add(ref x, 1), wi, wsi, q);
            x = Modulus.SubtractIfAtLeast(Modulus.SubtractIfAtLeast(x0 + t0, twoQ), q);
            Unsafe.Add(ref x, 1) = Modulus.SubtractIfAtLeast(Modulus.SubtractIfAtLeast(x0 - t0 + twoQ, twoQ), q);
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

        // first stage (t = 1)
        var half = n >> 1;
        for (var i = 0; i < half; i++)
        {
            var wi = Unsafe.Add(ref w, half + i);
            var wsi = Unsafe.Add(ref ws, half + i);
            ref var x = ref Unsafe.Add(ref a, 2 * i);
            var u = x;
            var v = Unsafe.Add(ref x, 1);
            x = Modulus.SubtractIfAtLeast(u + v, twoQ);
            Unsafe.Add(ref x, 1) = Modulus.MultiplyShoupLazy(u - v + twoQ, wi, wsi, q);
        }

        var t = 2;
        for (var m = half; m > 2; m >>= 1)
        {
            var h = m >> 1;
            for (var i = 0; i < h; i++)
            {
                var wi = Unsafe.Add(ref w, h + i);
                var wsi = Unsafe.Add(ref ws, h + i);
                ref var x = ref Unsafe.Add(ref a, 2 * i * t);
                ref var y = ref Unsafe.Add(ref x, t);
                if (t >= 8 && UseVectors)
                {
                    InverseButterflies8(ref x, ref y, t, wi, wsi, q);
                    continue;
                }

                for (var j = 0; j < t; j += 2)
                {
                    var u0 = Unsafe.Add(ref x, j);
                    var u1 = Unsafe.Add(ref x, j + 1);
                    var v0 = Unsafe.Add(ref y, j);
                    var v1 = Unsafe.Add(ref y, j + 1);
                    Unsafe.Add(ref x, j) = Modulus.SubtractIfAtLeast(u0 + v0, twoQ);
                    Unsafe.Add(ref x, j + 1) = Modulus.SubtractIfAtLeast(u1 + v1, twoQ);
                    Unsafe.Add(ref y, j) = Modulus.MultiplyShoupLazy(u0 - v0 + twoQ, wi, wsi, q);
                    Unsafe.Add(ref y, j + 1) = Modulus.MultiplyShoupLazy(u1 - v1 + twoQ, wi, wsi, q);
                }
            }

            t <<= 1;
        }

        // last stage (one twiddle ψ^-bitrev(1)) with the scaling by N^-1 folded in:
        // x' = (u + v)·N^-1, y' = (u - v)·ψ'·N^-1
        var inv = inverseDegree;
        var invShoup = inverseDegreeShoup;
        var lastW = lastTwiddle;
        var lastWs = lastTwiddleShoup;
        ref var lx = ref a;
        ref var ly = ref Unsafe.Add(ref a, half);
        var start = 0;
        if (half >= 8 && UseVectors)
        {
            LastInverseButterflies8(ref lx, ref ly, half, inv, invShoup, lastW, lastWs, q);
            start = half;
        }

        for (var j = start; j < half; j++)
        {
            var u = Unsafe.Add(ref lx, j);
            var v = Unsafe.Add(ref ly, j);
            Unsafe.Add(ref lx, j) = Modulus.SubtractIfAtLeast(Modulus.MultiplyShoupLazy(u + v, inv, invShoup, q), q);
            Unsafe.Add(ref ly, j) = Modulus.SubtractIfAtLeast(Modulus.MultiplyShoupLazy(u - v + twoQ, lastW, lastWs, q), q);
        }
    }

    /// <summary>AVX-512 with 64-bit lane multiplication (AVX512DQ) is used for stages with 8 or more butterflies per twiddle.</summary>
    private static bool UseVectors => Vector512.IsHardwareAccelerated && Avx512DQ.IsSupported;

    /// <summary>High 64 bits of the lane-wise 64×64-bit products, from four 32×32-bit multiplies (AVX-512 has no 64-bit mulhi).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> MulHigh(Vector512<ulong> a, Vector512<ulong> b, Vector512<ulong> bHigh)
    {
        var low32 = Vector512.Create(0xFFFFFFFFUL);
        var aHigh = Vector512.ShiftRightLogical(a, 32);
        var p00 = Avx512F.Multiply(a.AsUInt32(), b.AsUInt32());
        var p01 = Avx512F.Multiply(a.AsUInt32(), bHigh.AsUInt32());
        var p10 = Avx512F.Multiply(aHigh.AsUInt32(), b.AsUInt32());
        var p11 = Avx512F.Multiply(aHigh.AsUInt32(), bHigh.AsUInt32());
        var middle = Vector512.ShiftRightLogical(p00, 32) + (p01 & low32) + (p10 & low32);
        return p11 + Vector512.ShiftRightLogical(p01, 32) + Vector512.ShiftRightLogical(p10, 32) + Vector512.ShiftRightLogical(middle, 32);
    }

    /// <summary>Shoup's y·w mod q in [0, 2q), eight lanes at a time (Harvey 2014, Algorithm 2 vectorized).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> MultiplyShoupLazy(Vector512<ulong> y, Vector512<ulong> w, Vector512<ulong> wShoup, Vector512<ulong> wShoupHigh, Vector512<ulong> q)
    {
        var quotient = MulHigh(y, wShoup, wShoupHigh);
        return (y * w) - (quotient * q);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardButterflies8(ref ulong x, ref ulong y, int t, ulong w, ulong wShoup, ulong q)
    {
        var qv = Vector512.Create(q);
        var twoQ = Vector512.Create(2 * q);
        var wv = Vector512.Create(w);
        var wsv = Vector512.Create(wShoup);
        var wsHigh = Vector512.ShiftRightLogical(wsv, 32);
        for (var j = 0; j < t; j += 8)
        {
            var xv = Vector512.LoadUnsafe(ref x, (nuint)j);
            // unsigned min(x, x - 2q) is x - 2q exactly when x ≥ 2q
            xv = Vector512.Min(xv, xv - twoQ);
            var tv = MultiplyShoupLazy(Vector512.LoadUnsafe(ref y, (nuint)j), wv, wsv, wsHigh, qv);
            (xv + tv).StoreUnsafe(ref x, (nuint)j);
            (xv - tv + twoQ).StoreUnsafe(ref y, (nuint)j);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InverseButterflies8(ref ulong x, ref ulong y, int t, ulong w, ulong wShoup, ulong q)
    {
        var qv = Vector512.Create(q);
        var twoQ = Vector512.Create(2 * q);
        var wv = Vector512.Create(w);
        var wsv = Vector512.Create(wShoup);
        var wsHigh = Vector512.ShiftRightLogical(wsv, 32);
        for (var j = 0; j < t; j += 8)
        {
            var u = Vector512.LoadUnsafe(ref x, (nuint)j);
            var v = Vector512.LoadUnsafe(ref y, (nuint)j);
            var sum = u + v;
            Vector512.Min(sum, sum - twoQ).StoreUnsafe(ref x, (nuint)j);
            MultiplyShoupLazy(u - v + twoQ, wv, wsv, wsHigh, qv).StoreUnsafe(ref y, (nuint)j);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LastInverseButterflies8(ref ulong x, ref ulong y, int half, ulong inv, ulong invShoup, ulong w, ulong wShoup, ulong q)
    {
        var qv = Vector512.Create(q);
        var twoQ = Vector512.Create(2 * q);
        var invv = Vector512.Create(inv);
        var invs = Vector512.Create(invShoup);
        var invsHigh = Vector512.ShiftRightLogical(invs, 32);
        var wv = Vector512.Create(w);
        var wsv = Vector512.Create(wShoup);
        var wsHigh = Vector512.ShiftRightLogical(wsv, 32);
        for (var j = 0; j < half; j += 8)
        {
            var u = Vector512.LoadUnsafe(ref x, (nuint)j);
            var v = Vector512.LoadUnsafe(ref y, (nuint)j);
            var first = MultiplyShoupLazy(u + v, invv, invs, invsHigh, qv);
            var second = MultiplyShoupLazy(u - v + twoQ, wv, wsv, wsHigh, qv);
            Vector512.Min(first, first - qv).StoreUnsafe(ref x, (nuint)j);
            Vector512.Min(second, second - qv).StoreUnsafe(ref y, (nuint)j);
        }
    }
}
