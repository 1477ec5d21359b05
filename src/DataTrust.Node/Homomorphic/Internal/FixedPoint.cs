using System.Globalization;
using DataTrust.Protos.V1;

namespace DataTrust.Node.Homomorphic.Internal;

/// <summary>Fixed-point integers for the plaintext slots: round(x · 10^digits), half away from zero, within ±(t−1)/2.</summary>
internal static class FixedPoint
{
    private static readonly decimal[] Powers = [1m, 10m, 100m, 1000m, 10000m];

    /// <summary>The scaled value, or false when it does not fit the signed range of t.</summary>
    public static bool TryScale(decimal value, int digits, ulong plainModulus, out long scaled)
    {
        scaled = 0;
        var bound = (decimal)((plainModulus - 1) / 2);
        var magnitude = Math.Abs(value);
        if (magnitude > bound)
        {
            return false; // already too large before scaling (and keeps the multiplication below from overflowing)
        }

        var rounded = Math.Round(value * Powers[digits], MidpointRounding.AwayFromZero);
        if (Math.Abs(rounded) > bound)
        {
            return false;
        }

        scaled = (long)rounded;
        return true;
    }

    /// <summary>A measure value of a protected aggregate (exact decimal, noisy double or integer) scaled; false when too large.</summary>
    public static bool TryScale(Value value, int digits, ulong plainModulus, out long scaled)
    {
        scaled = 0;
        switch (value.KindCase)
        {
            case Value.KindOneofCase.IntValue:
                return TryScale((decimal)value.IntValue, digits, plainModulus, out scaled);
            case Value.KindOneofCase.DecimalValue:
                return decimal.TryParse(value.DecimalValue, NumberStyles.Number, CultureInfo.InvariantCulture, out var exact)
                    && TryScale(exact, digits, plainModulus, out scaled);
            case Value.KindOneofCase.DoubleValue:
                var noisy = value.DoubleValue;
                return double.IsFinite(noisy) && Math.Abs(noisy) < 1e27 && TryScale((decimal)noisy, digits, plainModulus, out scaled);
            default:
                return TryScale(0m, digits, plainModulus, out scaled); // an empty value (e.g. SUM over no rows) counts as 0
        }
    }

    /// <summary>A signed value as its residue in [0, t).</summary>
    public static ulong ToResidue(long value, ulong plainModulus) =>
        value >= 0 ? (ulong)value : plainModulus - (ulong)(-value);
}
