using System.Runtime.CompilerServices;

namespace DataTrust.Homomorphic.Internal;

/// <summary>Moving plaintexts mod t into ciphertext space mod Q.</summary>
internal static class PlainScaling
{
    /// <summary>
    /// poly ± round(Q·m/t) mod Q, residue by residue: round(Q·m/t) = floor(Q/t)·m + round((Q mod t)·m/t), which
    /// keeps the encoding error below 1/2 instead of the (Q mod t)·m/t of the plain Δ·m of Fan–Vercauteren §3.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddScaled(BfvContext context, ReadOnlySpan<ulong> plain, Span<ulong> poly, bool subtract)
    {
        var n = context.Degree;
        var k = context.DataCount;
        var t = context.PlainModulus.Value;
        var qModT = context.QModT;
        var halfT = t >> 1;
        for (var c = 0; c < n; c++)
        {
            var m = plain[c];
            if (m == 0)
            {
                continue;
            }

            var fix = (ulong)((Math.BigMul(qModT, m) + halfT) / t);
            for (var i = 0; i < k; i++)
            {
                var mod = context.KeyModuli[i];
                var scaled = mod.Add(mod.Multiply(context.DeltaModQ[i], m), mod.Reduce(fix));
                var index = (i * n) + c;
                poly[index] = subtract ? mod.Sub(poly[index], scaled) : mod.Add(poly[index], scaled);
            }
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
