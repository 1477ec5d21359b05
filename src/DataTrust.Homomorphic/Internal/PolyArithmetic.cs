using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DataTrust.Homomorphic.Internal;

/// <summary>Element-wise polynomial arithmetic mod one prime, vectorized where the hardware allows.</summary>
internal static class PolyArithmetic
{
    /// <summary>dest = (a + b) mod q; inputs in [0, q). dest may alias a or b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> dest, ulong q)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var qv = Vector256.Create(q);
            ref var ra = ref MemoryMarshal.GetReference(a);
            ref var rb = ref MemoryMarshal.GetReference(b);
            ref var rd = ref MemoryMarshal.GetReference(dest);
            for (; i + 4 <= dest.Length; i += 4)
            {
                var s = Vector256.LoadUnsafe(ref ra, (nuint)i) + Vector256.LoadUnsafe(ref rb, (nuint)i);
                // s - q wraps to a large value when s < q, so the unsigned minimum picks the reduced sum
                Vector256.Min(s, s - qv).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < dest.Length; i++)
        {
            var s = a[i] + b[i];
            dest[i] = s >= q ? s - q : s;
        }
    }

    /// <summary>dest = (a - b) mod q; inputs in [0, q). dest may alias a or b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sub(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> dest, ulong q)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var qv = Vector256.Create(q);
            ref var ra = ref MemoryMarshal.GetReference(a);
            ref var rb = ref MemoryMarshal.GetReference(b);
            ref var rd = ref MemoryMarshal.GetReference(dest);
            for (; i + 4 <= dest.Length; i += 4)
            {
                var d = Vector256.LoadUnsafe(ref ra, (nuint)i) - Vector256.LoadUnsafe(ref rb, (nuint)i);
                // when a < b the difference wrapped; adding q brings it back below q, otherwise d is the minimum
                Vector256.Min(d, d + qv).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < dest.Length; i++)
        {
            var x = a[i];
            var y = b[i];
            dest[i] = x >= y ? x - y : x + q - y;
        }
    }

    /// <summary>dest = -a mod q; inputs in [0, q).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Negate(ReadOnlySpan<ulong> a, Span<ulong> dest, ulong q)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var qv = Vector256.Create(q);
            ref var ra = ref MemoryMarshal.GetReference(a);
            ref var rd = ref MemoryMarshal.GetReference(dest);
            for (; i + 4 <= dest.Length; i += 4)
            {
                var x = Vector256.LoadUnsafe(ref ra, (nuint)i);
                // q - x, except 0 stays 0
                Vector256.AndNot(qv - x, Vector256.Equals(x, Vector256<ulong>.Zero)).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < dest.Length; i++)
        {
            var x = a[i];
            dest[i] = x == 0 ? 0 : q - x;
        }
    }

    /// <summary>dest = a·b mod q element-wise (Barrett); dest may alias a or b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> dest, Modulus q)
    {
        ref var ra = ref MemoryMarshal.GetReference(a);
        ref var rb = ref MemoryMarshal.GetReference(b);
        ref var rd = ref MemoryMarshal.GetReference(dest);
        for (var i = 0; i < dest.Length; i++)
        {
            var hi = Math.BigMul(Unsafe.Add(ref ra, i), Unsafe.Add(ref rb, i), out var lo);
            Unsafe.Add(ref rd, i) = q.Reduce128(hi, lo);
        }
    }

    /// <summary>dest = (dest + a·b) mod q element-wise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAdd(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> dest, Modulus q)
    {
        var qv = q.Value;
        ref var ra = ref MemoryMarshal.GetReference(a);
        ref var rb = ref MemoryMarshal.GetReference(b);
        ref var rd = ref MemoryMarshal.GetReference(dest);
        for (var i = 0; i < dest.Length; i++)
        {
            var hi = Math.BigMul(Unsafe.Add(ref ra, i), Unsafe.Add(ref rb, i), out var lo);
            var s = q.Reduce128(hi, lo) + Unsafe.Add(ref rd, i);
            Unsafe.Add(ref rd, i) = s >= qv ? s - qv : s;
        }
    }

    /// <summary>dest = a·w mod q for a constant w (Shoup).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyScalar(ReadOnlySpan<ulong> a, ulong w, Span<ulong> dest, Modulus q)
    {
        var ws = q.ShoupPrecompute(w);
        for (var i = 0; i < dest.Length; i++)
        {
            dest[i] = q.MultiplyShoup(a[i], w, ws);
        }
    }

    /// <summary>
    /// dest = σ_g(a) for the Galois automorphism X → X^g of Z_q[X]/(X^N + 1), in coefficient form:
    /// the coefficient of X^i moves to X^(i·g mod 2N), negated when that exponent is ≥ N.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ApplyGalois(ReadOnlySpan<ulong> a, ulong galoisElement, Span<ulong> dest, ulong q)
    {
        var n = a.Length;
        var mask = (ulong)(2 * n) - 1;
        ulong index = 0;
        for (var i = 0; i < n; i++)
        {
            var target = (int)index;
            var v = a[i];
            if (target < n)
            {
                dest[target] = v;
            }
            else
            {
                dest[target - n] = v == 0 ? 0 : q - v;
            }

            index = (index + galoisElement) & mask;
        }
    }
}
