using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DataTrust.Homomorphic.Internal;

/// <summary>
/// BFV ciphertext multiplication in RNS after Halevi, Polyakov &amp; Shoup 2018 ("An improved RNS variant
/// of the BFV homomorphic encryption scheme"), §4: (1) extend each input from base Q to Q ∪ P exactly
/// (§2.2, "FastBConv" with the floating-point correction v = round(Σ x_i'/q_i)); (2) tensor in NTT form
/// over Q ∪ P; (3) scale by t/Q and round straight into base P (§4.3, "simple scaling": integral parts of
/// t·P·[(QP/q_i)^-1]_(q_i)/q_i kept mod p_j, fractional parts summed — here in 128-bit fixed point rather
/// than double, so the rounding is exact for 61-bit primes); (4) convert the result back from P to Q exactly.
/// P has enough 61-bit primes that P &gt; t·N·Q·4, so every intermediate is representable.
/// </summary>
internal sealed class RnsMultiplier
{
    private readonly BfvContext context;
    private readonly int k;
    private readonly int m;
    private readonly Modulus[] pModuli;
    private readonly NttTables[] pNtt;

    // Q → P lift
    private readonly double[] inverseQ;
    private readonly ulong[][] qHatModP; // [j][i] = (Q/q_i) mod p_j
    private readonly ulong[][] vQModP;   // [j][v] = v·Q mod p_j, v in 0..k

    // scale by t/Q into P
    private readonly ulong[][] scaleIntegral; // [j][i] = floor(t·P·[(QP/q_i)^-1]_(q_i) / q_i) mod p_j
    private readonly ulong[] scaleFractionHi;
    private readonly ulong[] scaleFractionLo;
    private readonly ulong[] scaleOwn; // [j] = t·(P/p_j)·[(QP/p_j)^-1]_(p_j) mod p_j

    // P → Q conversion
    private readonly ulong[] pHatInverse;
    private readonly ulong[] pHatInverseShoup;
    private readonly double[] inverseP;
    private readonly ulong[][] pHatModQ; // [i][j] = (P/p_j) mod q_i
    private readonly ulong[][] vPModQ;   // [i][v] = v·P mod q_i, v in 0..m

    public RnsMultiplier(BfvContext context)
    {
        this.context = context;
        k = context.DataCount;
        var n = context.Degree;
        var t = (BigInteger)context.PlainModulus.Value;
        var q = context.DataProduct;
        var needBits = context.DataProductBitCount + (int)t.GetBitLength() + context.LogDegree + 3;
        m = (needBits + 59) / 60;
        var exclude = context.KeyModuli.Select(x => x.Value).Append(context.PlainModulus.Value).ToList();
        pModuli = Primes.FindNttPrimes(61, n, m, exclude).Select(p => new Modulus(p)).ToArray();
        pNtt = pModuli.Select(p => new NttTables(p, n)).ToArray();
        var p = BigInteger.One;
        foreach (var pj in pModuli)
        {
            p *= pj.Value;
        }

        inverseQ = new double[k];
        for (var i = 0; i < k; i++)
        {
            inverseQ[i] = 1.0 / context.KeyModuli[i].Value;
        }

        qHatModP = new ulong[m][];
        vQModP = new ulong[m][];
        scaleIntegral = new ulong[m][];
        scaleOwn = new ulong[m];
        var qp = q * p;
        for (var j = 0; j < m; j++)
        {
            var pj = (BigInteger)pModuli[j].Value;
            qHatModP[j] = new ulong[k];
            scaleIntegral[j] = new ulong[k];
            for (var i = 0; i < k; i++)
            {
                qHatModP[j][i] = (ulong)(context.PunctureProducts[i] % pj);
            }

            vQModP[j] = new ulong[k + 1];
            for (var v = 0; v <= k; v++)
            {
                vQModP[j][v] = (ulong)(v * q % pj);
            }

            var hat = qp / pj;
            var hatInv = BigInteger.ModPow(hat % pj, pj - 2, pj);
            scaleOwn[j] = (ulong)(t * (p / pj) * hatInv % pj);
        }

        scaleFractionHi = new ulong[k];
        scaleFractionLo = new ulong[k];
        for (var i = 0; i < k; i++)
        {
            var qi = (BigInteger)context.KeyModuli[i].Value;
            var hatInv = BigInteger.ModPow(qp / qi % qi, qi - 2, qi);
            var numerator = t * p * hatInv;
            var integral = numerator / qi;
            for (var j = 0; j < m; j++)
            {
                scaleIntegral[j][i] = (ulong)(integral % pModuli[j].Value);
            }

            var fraction = ((numerator % qi) << 128) / qi;
            scaleFractionHi[i] = (ulong)(fraction >> 64);
            scaleFractionLo[i] = (ulong)(fraction & ulong.MaxValue);
        }

        pHatInverse = new ulong[m];
        pHatInverseShoup = new ulong[m];
        inverseP = new double[m];
        for (var j = 0; j < m; j++)
        {
            var pj = (BigInteger)pModuli[j].Value;
            pHatInverse[j] = (ulong)BigInteger.ModPow(p / pj % pj, pj - 2, pj);
            pHatInverseShoup[j] = pModuli[j].ShoupPrecompute(pHatInverse[j]);
            inverseP[j] = 1.0 / pModuli[j].Value;
        }

        pHatModQ = new ulong[k][];
        vPModQ = new ulong[k][];
        for (var i = 0; i < k; i++)
        {
            var qi = context.KeyModuli[i].Value;
            pHatModQ[i] = new ulong[m];
            for (var j = 0; j < m; j++)
            {
                pHatModQ[i][j] = (ulong)(p / pModuli[j].Value % qi);
            }

            vPModQ[i] = new ulong[m + 1];
            for (var v = 0; v <= m; v++)
            {
                vPModQ[i][v] = (ulong)(v * p % qi);
            }
        }
    }

    /// <summary>Number of auxiliary primes in P.</summary>
    public int AuxiliaryCount => m;

    /// <summary>destination = a ⊗ b scaled by t/Q (size 3); a and b are size-2 ciphertexts (they may be the same object).</summary>
    public void Multiply(Ciphertext a, Ciphertext b, Ciphertext destination)
    {
        var n = context.Degree;
        var width = (k + m) * n;
        var square = ReferenceEquals(a, b);
        var inputs = square ? 2 : 4;
        var buffer = ArrayPool<ulong>.Shared.Rent((inputs + 1) * width);
        try
        {
            var work = buffer.AsSpan(0, (inputs + 1) * width);
            // (1) lift and (2) transform each input polynomial
            for (var poly = 0; poly < inputs; poly++)
            {
                var source = poly < 2 ? a.Poly(poly) : b.Poly(poly - 2);
                var target = work.Slice(poly * width, width);
                Lift(source, target);
                for (var r = 0; r < k + m; r++)
                {
                    Ntt(r).Forward(target.Slice(r * n, n));
                }
            }

            // (2) tensor: c0 = a0·b0, c1 = a0·b1 + a1·b0, c2 = a1·b1, written to slots 0, 1, and the spare slot
            var c2Offset = inputs * width;
            for (var r = 0; r < k + m; r++)
            {
                var mod = ModulusAt(r);
                var a0 = work.Slice(r * n, n);
                var a1 = work.Slice(width + (r * n), n);
                var b0 = square ? a0 : work.Slice((2 * width) + (r * n), n);
                var b1 = square ? a1 : work.Slice((3 * width) + (r * n), n);
                var c2 = work.Slice(c2Offset + (r * n), n);
                Tensor(a0, a1, b0, b1, c2, mod);
                Ntt(r).Inverse(a0);
                Ntt(r).Inverse(a1);
                Ntt(r).Inverse(c2);
            }

            destination.Resize(3);
            var scaled = ArrayPool<ulong>.Shared.Rent(m * n);
            try
            {
                var yP = scaled.AsSpan(0, m * n);
                for (var poly = 0; poly < 3; poly++)
                {
                    var source = work.Slice(poly == 2 ? c2Offset : poly * width, width);
                    ScaleToP(source, yP);
                    ConvertPToQ(yP, destination.Poly(poly));
                }
            }
            finally
            {
                ArrayPool<ulong>.Shared.Return(scaled);
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(buffer);
        }
    }

    private Modulus ModulusAt(int r) => r < k ? context.KeyModuli[r] : pModuli[r - k];

    private NttTables Ntt(int r) => r < k ? context.KeyNtt[r] : pNtt[r - k];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tensor(Span<ulong> a0, Span<ulong> a1, Span<ulong> b0, Span<ulong> b1, Span<ulong> c2, Modulus mod)
    {
        ref var ra0 = ref MemoryMarshal.GetReference(a0);
        ref var ra1 = ref MemoryMarshal.GetReference(a1);
        ref var rb0 = ref MemoryMarshal.GetReference(b0);
        ref var rb1 = ref MemoryMarshal.GetReference(b1);
        ref var rc2 = ref MemoryMarshal.GetReference(c2);
        for (var c = 0; c < a0.Length; c++)
        {
            var x0 = Unsafe.Add(ref ra0, c);
            var x1 = Unsafe.Add(ref ra1, c);
            var y0 = Unsafe.Add(ref rb0, c);
            var y1 = Unsafe.Add(ref rb1, c);
            var h00 = Math.BigMul(x0, y0, out var l00);
            var h01 = Math.BigMul(x0, y1, out var l01);
            var h10 = Math.BigMul(x1, y0, out var l10);
            var h11 = Math.BigMul(x1, y1, out var l11);
            var lo = l01 + l10;
            var hi = h01 + h10 + (lo < l01 ? 1UL : 0UL);
            Unsafe.Add(ref ra0, c) = mod.Reduce128(h00, l00);
            Unsafe.Add(ref ra1, c) = mod.Reduce128(hi, lo);
            Unsafe.Add(ref rc2, c) = mod.Reduce128(h11, l11);
        }
    }

    /// <summary>Exact extension of a centered value from base Q to base Q ∪ P (HPS 2018, §2.2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Lift(ReadOnlySpan<ulong> source, Span<ulong> target)
    {
        var n = context.Degree;
        source.CopyTo(target);
        FastConvert(source, k, context.KeyModuli, context.PunctureInverse, context.PunctureInverseShoup, inverseQ, target.Slice(k * n, m * n), m, pModuli, qHatModP, vQModP);
    }

    /// <summary>Exact conversion of a centered value from base P to base Q (HPS 2018, §2.2 with the v correction).</summary>
    private void ConvertPToQ(ReadOnlySpan<ulong> source, Span<ulong> target)
    {
        FastConvert(source, m, pModuli, pHatInverse, pHatInverseShoup, inverseP, target, k, context.KeyModuli, pHatModQ, vPModQ);
    }

    /// <summary>
    /// Σ_i [x_i·(B/b_i)^-1]_(b_i)·(B/b_i) - v·B into each target prime, with v = round(Σ_i [x_i·(B/b_i)^-1]_(b_i) / b_i)
    /// computed in double precision, which yields the centered representative of x exactly (HPS 2018, §2.2).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FastConvert(
        ReadOnlySpan<ulong> source,
        int fromCount,
        Modulus[] fromModuli,
        ulong[] hatInverse,
        ulong[] hatInverseShoup,
        double[] inverseFrom,
        Span<ulong> target,
        int toCount,
        Modulus[] toModuli,
        ulong[][] hatModTo,
        ulong[][] multiplesModTo)
    {
        var n = source.Length / fromCount;
        var rented = ArrayPool<ulong>.Shared.Rent((fromCount + 1) * n);
        var overflowRented = ArrayPool<double>.Shared.Rent(n);
        try
        {
            var scaled = rented.AsSpan(0, fromCount * n);
            var overflow = overflowRented.AsSpan(0, n);
            overflow.Clear();
            for (var i = 0; i < fromCount; i++)
            {
                var mod = fromModuli[i];
                var q = mod.Value;
                var w = hatInverse[i];
                var ws = hatInverseShoup[i];
                var inv = inverseFrom[i];
                ref var src = ref MemoryMarshal.GetReference(source.Slice(i * n, n));
                ref var dst = ref MemoryMarshal.GetReference(scaled.Slice(i * n, n));
                ref var ov = ref MemoryMarshal.GetReference(overflow);
                for (var c = 0; c < n; c++)
                {
                    var x = Modulus.SubtractIfAtLeast(Modulus.MultiplyShoupLazy(Unsafe.Add(ref src, c), w, ws, q), q);
                    Unsafe.Add(ref dst, c) = x;
                    Unsafe.Add(ref ov, c) += x * inv;
                }
            }

            Span<ulong> row = stackalloc ulong[fromCount];
            for (var j = 0; j < toCount; j++)
            {
                var mod = toModuli[j];
                hatModTo[j].CopyTo(row);
                var multiples = multiplesModTo[j];
                ref var ov = ref MemoryMarshal.GetReference(overflow);
                ref var sc = ref MemoryMarshal.GetReference(scaled);
                ref var dst = ref MemoryMarshal.GetReference(target.Slice(j * n, n));
                for (var c = 0; c < n; c++)
                {
                    ulong hi = 0;
                    ulong lo = 0;
                    for (var i = 0; i < fromCount; i++)
                    {
                        Wide.MultiplyAccumulate(Unsafe.Add(ref sc, (i * n) + c), row[i], ref hi, ref lo);
                    }

                    var v = (int)(Unsafe.Add(ref ov, c) + 0.5);
                    Unsafe.Add(ref dst, c) = mod.Sub(mod.Reduce128(hi, lo), multiples[v]);
                }
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(rented);
            ArrayPool<double>.Shared.Return(overflowRented);
        }
    }

    /// <summary>round(t·x/Q) in base P for x given in base Q ∪ P (HPS 2018, §4.3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ScaleToP(ReadOnlySpan<ulong> source, Span<ulong> target)
    {
        var n = context.Degree;
        var roundedRented = ArrayPool<ulong>.Shared.Rent(n);
        try
        {
            // fractional part Σ x_i·θ'_i in 128-bit fixed point, rounded: one integer per coefficient
            var rounded = roundedRented.AsSpan(0, n);
            ref var rr = ref MemoryMarshal.GetReference(rounded);
            ref var src = ref MemoryMarshal.GetReference(source);
            var fh = scaleFractionHi;
            var fl = scaleFractionLo;
            for (var c = 0; c < n; c++)
            {
                ulong whole = 0;
                ulong mid = 0;
                for (var i = 0; i < k; i++)
                {
                    var x = Unsafe.Add(ref src, (i * n) + c);
                    var h1 = Math.BigMul(x, fh[i], out var l1);
                    var h2 = Modulus.MulHigh(x, fl[i]);
                    mid += l1;
                    whole += h1 + (mid < l1 ? 1UL : 0UL);
                    mid += h2;
                    whole += mid < h2 ? 1UL : 0UL;
                }

                Unsafe.Add(ref rr, c) = whole + (mid >> 63);
            }

            Span<ulong> row = stackalloc ulong[k];
            for (var j = 0; j < m; j++)
            {
                var mod = pModuli[j];
                scaleIntegral[j].CopyTo(row);
                var own = scaleOwn[j];
                ref var ownSrc = ref Unsafe.Add(ref src, (k + j) * n);
                ref var dst = ref MemoryMarshal.GetReference(target.Slice(j * n, n));
                for (var c = 0; c < n; c++)
                {
                    var r = Unsafe.Add(ref rr, c);
                    var hi = Math.BigMul(Unsafe.Add(ref ownSrc, c), own, out var lo);
                    lo += r;
                    hi += lo < r ? 1UL : 0UL;
                    for (var i = 0; i < k; i++)
                    {
                        Wide.MultiplyAccumulate(Unsafe.Add(ref src, (i * n) + c), row[i], ref hi, ref lo);
                    }

                    Unsafe.Add(ref dst, c) = mod.Reduce128(hi, lo);
                }
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(roundedRented);
        }
    }
}

/// <summary>Helpers shared by the RNS routines.</summary>
internal static class Wide
{
    /// <summary>(hi, lo) += a·b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAccumulate(ulong a, ulong b, ref ulong hi, ref ulong lo)
    {
        var ph = Math.BigMul(a, b, out var pl);
        lo += pl;
        hi += ph + (lo < pl ? 1UL : 0UL);
    }
}
