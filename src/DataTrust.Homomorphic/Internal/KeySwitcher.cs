using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DataTrust.Homomorphic.Internal;

/// <summary>
/// Applies a <see cref="KeySwitchKey"/>: given c (coefficient form mod Q) encrypting under s', adds to
/// (out0, out1) a pair with out0 + out1·s ≈ c·s' (mod Q). Digit i = [c]_(q_i) is raised to the k + 1 key
/// primes, multiplied with (b_i, a_i) in NTT form and summed; the sum is divided by the special prime p
/// with rounding ("ModDown", Gentry–Halevi–Smart 2012 §3.1; HPS 2018 §4), so the key noise shrinks by p.
/// </summary>
internal static class KeySwitcher
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(BfvContext context, ReadOnlySpan<ulong> c, KeySwitchKey key, Span<ulong> out0, Span<ulong> out1)
    {
        var n = context.Degree;
        var k = context.DataCount;
        var rented = ArrayPool<ulong>.Shared.Rent((5 * n) + (2 * (k + 1) * n));
        try
        {
            var span = rented.AsSpan();
            var digit = span.Slice(0, n);
            var acc0Hi = span.Slice(n, n);
            var acc0Lo = span.Slice(2 * n, n);
            var acc1Hi = span.Slice(3 * n, n);
            var acc1Lo = span.Slice(4 * n, n);
            var switched = span.Slice(5 * n, 2 * (k + 1) * n);
            for (var r = 0; r <= k; r++)
            {
                var mod = context.KeyModuli[r];
                acc0Hi.Clear();
                acc0Lo.Clear();
                acc1Hi.Clear();
                acc1Lo.Clear();
                for (var i = 0; i < k; i++)
                {
                    var source = c.Slice(i * n, n);
                    if (i == r || context.KeyModuli[i].Value <= mod.Value)
                    {
                        source.CopyTo(digit);
                    }
                    else
                    {
                        for (var x = 0; x < n; x++)
                        {
                            digit[x] = mod.Reduce(source[x]);
                        }
                    }

                    context.KeyNtt[r].Forward(digit);
                    ref var d = ref MemoryMarshal.GetReference(digit);
                    ref var b = ref MemoryMarshal.GetReference(key.B[i].AsSpan(r * n, n));
                    ref var a = ref MemoryMarshal.GetReference(key.A[i].AsSpan(r * n, n));
                    ref var h0 = ref MemoryMarshal.GetReference(acc0Hi);
                    ref var l0 = ref MemoryMarshal.GetReference(acc0Lo);
                    ref var h1 = ref MemoryMarshal.GetReference(acc1Hi);
                    ref var l1 = ref MemoryMarshal.GetReference(acc1Lo);
                    var start = 0;
                    if (Vector512.IsHardwareAccelerated && Avx512DQ.IsSupported)
                    {
                        MultiplyAccumulate8(ref d, ref b, ref a, ref h0, ref l0, ref h1, ref l1, n);
                        start = n - (n % 8);
                    }

                    for (var x = start; x < n; x++)
                    {
                        var dx = Unsafe.Add(ref d, x);
                        Wide.MultiplyAccumulate(dx, Unsafe.Add(ref b, x), ref Unsafe.Add(ref h0, x), ref Unsafe.Add(ref l0, x));
                        Wide.MultiplyAccumulate(dx, Unsafe.Add(ref a, x), ref Unsafe.Add(ref h1, x), ref Unsafe.Add(ref l1, x));
                    }
                }

                var s0 = switched.Slice(r * n, n);
                var s1 = switched.Slice(((k + 1) + r) * n, n);
                for (var x = 0; x < n; x++)
                {
                    s0[x] = mod.Reduce128(acc0Hi[x], acc0Lo[x]);
                    s1[x] = mod.Reduce128(acc1Hi[x], acc1Lo[x]);
                }

                context.KeyNtt[r].Inverse(s0);
                context.KeyNtt[r].Inverse(s1);
            }

            ModDownAdd(context, switched.Slice(0, (k + 1) * n), out0);
            ModDownAdd(context, switched.Slice((k + 1) * n, (k + 1) * n), out1);
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(rented);
        }
    }

    /// <summary>target += round(x / p) mod Q, for x given in base Q ∪ {p} (coefficient form).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ModDownAdd(BfvContext context, ReadOnlySpan<ulong> x, Span<ulong> target)
    {
        var n = context.Degree;
        var k = context.DataCount;
        var special = context.KeyModuli[k].Value;
        var half = special >> 1;
        var last = x.Slice(k * n, n);
        for (var i = 0; i < k; i++)
        {
            var mod = context.KeyModuli[i];
            var pInv = context.SpecialInverseModQ[i];
            var pInvShoup = mod.ShoupPrecompute(pInv);
            var pModQ = context.SpecialModQ[i];
            var xi = x.Slice(i * n, n);
            var ti = target.Slice(i * n, n);
            for (var c = 0; c < n; c++)
            {
                // centered residue mod p, so the subtraction x - [x]_p rounds to nearest
                var r = last[c];
                var rModQ = mod.Reduce(r);
                if (r > half)
                {
                    rModQ = mod.Sub(rModQ, pModQ);
                }

                var quotient = mod.MultiplyShoup(mod.Sub(xi[c], rModQ), pInv, pInvShoup);
                ti[c] = mod.Add(ti[c], quotient);
            }
        }
    }

    /// <summary>(h0:l0) += d·b and (h1:l1) += d·a as 128-bit lane sums, eight lanes at a time (AVX-512).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAccumulate8(ref ulong d, ref ulong b, ref ulong a, ref ulong h0, ref ulong l0, ref ulong h1, ref ulong l1, int n)
    {
        for (var x = 0; x + 8 <= n; x += 8)
        {
            var offset = (nuint)x;
            var dv = Vector512.LoadUnsafe(ref d, offset);
            var dHigh = Vector512.ShiftRightLogical(dv, 32);
            Accumulate(dv, dHigh, Vector512.LoadUnsafe(ref b, offset), ref h0, ref l0, offset);
            Accumulate(dv, dHigh, Vector512.LoadUnsafe(ref a, offset), ref h1, ref l1, offset);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(Vector512<ulong> d, Vector512<ulong> dHigh, Vector512<ulong> k, ref ulong hi, ref ulong lo, nuint offset)
    {
        var low32 = Vector512.Create(0xFFFFFFFFUL);
        var kHigh = Vector512.ShiftRightLogical(k, 32);
        var p00 = Avx512F.Multiply(d.AsUInt32(), k.AsUInt32());
        var p01 = Avx512F.Multiply(d.AsUInt32(), kHigh.AsUInt32());
        var p10 = Avx512F.Multiply(dHigh.AsUInt32(), k.AsUInt32());
        var p11 = Avx512F.Multiply(dHigh.AsUInt32(), kHigh.AsUInt32());
        var middle = Vector512.ShiftRightLogical(p00, 32) + (p01 & low32) + (p10 & low32);
        var productHigh = p11 + Vector512.ShiftRightLogical(p01, 32) + Vector512.ShiftRightLogical(p10, 32) + Vector512.ShiftRightLogical(middle, 32);
        var productLow = d * k;
        var sumLow = Vector512.LoadUnsafe(ref lo, offset) + productLow;
        // carry is all-ones (= -1) in lanes where the low word wrapped
        var carry = Vector512.LessThan(sumLow, productLow);
        sumLow.StoreUnsafe(ref lo, offset);
        (Vector512.LoadUnsafe(ref hi, offset) + productHigh - carry).StoreUnsafe(ref hi, offset);
    }
}
