using System.Numerics;
using DataTrust.Core.Catalog;

namespace DataTrust.Core.Privacy;

/// <summary>
/// The discrete Laplace mechanism on integers: releases value + Z with P(Z = z) ∝ exp(−|z|·ε/Δ), sampled exactly with
/// integer arithmetic only (Canonne, Kamath, Steinke 2020, Algorithm 2). See <c>DiscreteLaplace.md</c>.
/// </summary>
/// <remarks>Immutable and thread-safe; the randomness comes from the <see cref="IRandomSource"/> passed to each call.</remarks>
public sealed class DiscreteLaplace
{
    /// <summary>The numerator t of the scale b = t/s, in lowest terms.</summary>
    private readonly BigInteger scaleNumerator;

    /// <summary>The denominator s of the scale b = t/s, in lowest terms.</summary>
    private readonly BigInteger scaleDenominator;

    private DiscreteLaplace(BigInteger sensitivity, Epsilon epsilon, BigInteger scaleNumerator, BigInteger scaleDenominator)
    {
        Sensitivity = sensitivity;
        Epsilon = epsilon;
        this.scaleNumerator = scaleNumerator;
        this.scaleDenominator = scaleDenominator;
    }

    /// <summary>The mechanism for L1 sensitivity <paramref name="sensitivity"/> (integer units, ≥ 1) and budget <paramref name="epsilon"/> (&gt; 0).</summary>
    /// <remarks>The scale is b = Δ/ε = Δ·10⁶ / ε.Micros exactly, kept as a reduced fraction.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">Δ is below 1 or ε is zero.</exception>
    public static DiscreteLaplace Create(BigInteger sensitivity, Epsilon epsilon)
    {
        if (sensitivity < BigInteger.One)
        {
            throw new ArgumentOutOfRangeException(
                nameof(sensitivity), sensitivity, "The sensitivity Δ must be an integer of at least 1 (the L1 sensitivity in the column's integer units).");
        }

        if (epsilon.IsZero)
        {
            throw new ArgumentOutOfRangeException(
                nameof(epsilon), epsilon, "The budget ε must be positive for the discrete Laplace mechanism; ε = 0 would need infinite noise.");
        }

        var t = sensitivity * Epsilon.Scale;
        BigInteger s = epsilon.Micros;
        var divisor = BigInteger.GreatestCommonDivisor(t, s);
        return new DiscreteLaplace(sensitivity, epsilon, t / divisor, s / divisor);
    }

    /// <summary>The L1 sensitivity Δ, in the column's integer units.</summary>
    public BigInteger Sensitivity { get; }

    /// <summary>The privacy budget ε spent by one release.</summary>
    public Epsilon Epsilon { get; }

    /// <summary>The δ of the guarantee: always 0 (pure ε-differential privacy).</summary>
    public double Delta => 0;

    /// <summary>The scale b = Δ/ε as a double, for display only (the sampler uses the exact fraction).</summary>
    public double Scale => (double)scaleNumerator / (double)scaleDenominator;

    /// <summary>The noise's standard deviation √(2q)/(1 − q) with q = exp(−1/b), for display only.</summary>
    /// <remarks>
    /// Computed as 1/(√2·sinh(1/(2b))), the same value without the cancellation in 1 − q that loses every digit for a
    /// huge b (<see cref="double.ExpM1"/> does not avoid it on .NET).
    /// </remarks>
    public double StandardDeviation =>
        1 / (Math.Sqrt(2) * Math.Sinh((double)scaleDenominator / (2 * (double)scaleNumerator)));

    /// <summary>One noise sample Z with P(Z = z) = (1 − q)/(1 + q)·q^|z|, q = exp(−ε/Δ), drawn exactly.</summary>
    public BigInteger SampleNoise(IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var t = scaleNumerator;
        var s = scaleDenominator;
        while (true)
        {
            // X = U + t·V with P(X = x) ∝ exp(−x/t): U uniform in [0, t) kept with probability exp(−U/t), which holds
            // for at least a fraction 1 − 1/e of tries however large t is, and V geometric with P(V ≥ v) = exp(−v).
            var u = ExactSampling.Uniform(t, random);
            if (!ExactSampling.BernoulliExp(u, t, random))
            {
                continue;
            }

            var v = BigInteger.Zero;
            while (ExactSampling.BernoulliExpMinusOne(random))
            {
                v++;
            }

            // Y = ⌊X/s⌋ has P(Y = y) ∝ exp(−y·s/t). A random sign, with "−0" rejected so 0 is not counted twice, gives
            // the two-sided distribution with scale t/s.
            var y = (u + (t * v)) / s;
            var negative = ExactSampling.Uniform(2UL, random) == 1;
            if (negative && y.IsZero)
            {
                continue;
            }

            return negative ? -y : y;
        }
    }

    /// <summary>Releases <paramref name="value"/> + <see cref="SampleNoise"/>: the ε-DP answer for a query of sensitivity Δ.</summary>
    public BigInteger Release(BigInteger value, IRandomSource random) => value + SampleNoise(random);
}
