using System.Buffers;
using System.Runtime.CompilerServices;

namespace DataTrust.Homomorphic.Internal;

/// <summary>Moving plaintexts mod t into ciphertext space mod Q.</summary>
internal static class PlainScaling
{
    /// <summary>
    /// poly ± round(Q·m/t) mod Q, residue by residue: round(Q·m/t) = floor(Q/t)·m + round((Q mod t)·m/t), which
    /// keeps the encoding error below 1/2 instead of the (Q mod t)·m/t of the plain Δ·m of Fan–Vercauteren §3.
    /// The quotient round((Q mod t)·m/t) uses Shoup's precomputed floor((Q mod t)·2^64/t), off by at most one and
    /// corrected from the exact remainder, so no 128-bit division is needed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddScaled(BfvContext context, ReadOnlySpan<ulong> plain, Span<ulong> poly, bool subtract)
    {
        var n = context.Degree;
        var k = context.DataCount;
        var t = context.PlainModulus.Value;
        var qModT = context.QModT;
        var qModTShoup = (ulong)(((UInt128)qModT << 64) / t);
        var threshold = t - (t >> 1);
        var rented = ArrayPool<ulong>.Shared.Rent(n);
        try
        {
            var fix = rented.AsSpan(0, n);
            for (var c = 0; c < n; c++)
            {
                var m = plain[c];
                var quotient = Modulus.MulHigh(m, qModTShoup);
                var remainder = (m * qModT) - (quotient * t);
                if (remainder >= t)
                {
                    quotient++;
                    remainder -= t;
                }

                fix[c] = quotient + (remainder >= threshold ? 1UL : 0UL);
            }

            for (var i = 0; i < k; i++)
            {
                var mod = context.KeyModuli[i];
                var q = mod.Value;
                var delta = context.DeltaModQ[i];
                var deltaShoup = mod.ShoupPrecompute(delta);
                var target = poly.Slice(i * n, n);
                for (var c = 0; c < n; c++)
                {
                    var scaled = mod.Add(mod.MultiplyShoup(plain[c], delta, deltaShoup), mod.Reduce(fix[c]));
                    target[c] = subtract ? mod.Sub(target[c], scaled) : mod.Add(target[c], scaled);
                }
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(rented);
        }
    }

    /// <summary>The plaintext as a polynomial with centered coefficients (in (-t/2, t/2]) mod each data prime, NTT form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToCenteredNtt(BfvContext context, ReadOnlySpan<ulong> plain, Span<ulong> destination)
    {
        var n = context.Degree;
        var t = context.PlainModulus.Value;
        var halfT = t >> 1;
        for (var i = 0; i < context.DataCount; i++)
        {
            var mod = context.KeyModuli[i];
            var target = destination.Slice(i * n, n);
            var tModQ = mod.Reduce(t);
            for (var c = 0; c < n; c++)
            {
                var m = plain[c];
                target[c] = m > halfT ? mod.Sub(mod.Reduce(m), tModQ) : mod.Reduce(m);
            }

            context.KeyNtt[i].Forward(target);
        }
    }
}
