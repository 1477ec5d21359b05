using DataTrust.Core.Privacy;

namespace DataTrust.Node.Protection;

/// <summary>
/// Laplace noise by inverse CDF: u uniform in (0, 1) from 53 random bits, X = −b·sgn(u − ½)·ln(1 − 2|u − ½|).
/// </summary>
/// <remarks>
/// This is the textbook sampler over IEEE doubles. It does not implement the snapping mechanism (Mironov 2012), so
/// the floating-point artefacts that paper describes are not mitigated; noise scales here are large relative to
/// the double spacing of the published values.
/// </remarks>
public static class Laplace
{
    /// <summary>One sample with scale <paramref name="scale"/> (mean 0, mean absolute deviation = scale).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The scale is not a finite positive number.</exception>
    public static double Sample(IRandomSource random, double scale)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!double.IsFinite(scale) || scale <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The Laplace scale must be a finite positive number.");
        }

        // (k + ½)·2⁻⁵³ for k in [0, 2⁵³) lies strictly inside (0, 1), so the logarithm is always finite.
        var u = ((random.NextUInt64() >> 11) + 0.5) * (1.0 / (1UL << 53));
        var centred = u - 0.5;
        return -scale * Math.Sign(centred) * Math.Log(1.0 - (2.0 * Math.Abs(centred)));
    }
}
