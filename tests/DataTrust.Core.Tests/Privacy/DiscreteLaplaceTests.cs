using System.Numerics;
using DataTrust.Core.Catalog;
using DataTrust.Core.Privacy;

namespace DataTrust.Core.Tests.Privacy;

public sealed class DiscreteLaplaceTests
{
    private const int Samples = 100_000;

    /// <summary>b = Δ/ε for the (Δ, ε) pairs of the theories below.</summary>
    private static DiscreteLaplace Mechanism(long sensitivity, string epsilon) =>
        DiscreteLaplace.Create(sensitivity, Epsilon.Parse(epsilon));

    private static long[] Draw(DiscreteLaplace mechanism, ulong seed, int count)
    {
        var random = new SplitMix64(seed);
        var samples = new long[count];
        for (var i = 0; i < count; i++)
        {
            samples[i] = (long)mechanism.SampleNoise(random);
        }

        return samples;
    }

    /// <summary>The exact pmf (1 − q)/(1 + q)·q^|z| with q = exp(−1/b).</summary>
    private static double Pmf(double scale, long z)
    {
        var q = Math.Exp(-1 / scale);
        return (1 - q) / (1 + q) * Math.Pow(q, Math.Abs(z));
    }

    /// <summary>Pearson's χ² of the samples against the pmf at <paramref name="scale"/>, on bins −K..K plus two tails.</summary>
    /// <returns>The statistic and the bound it must stay under: df + 6·√(2·df), far above a correct sampler's spread.</returns>
    private static (double Statistic, double Bound) ChiSquare(long[] samples, double scale)
    {
        // Bins with an expected count of at least 50; everything beyond goes in the two tails.
        var k = 0L;
        while (Pmf(scale, k + 1) * samples.Length >= 50)
        {
            k++;
        }

        var observed = new long[(2 * k) + 3];
        foreach (var z in samples)
        {
            var bin = z < -k ? 0 : z > k ? observed.Length - 1 : z + k + 1;
            observed[bin]++;
        }

        var q = Math.Exp(-1 / scale);
        var tail = Math.Pow(q, k + 1) / (1 + q);
        var statistic = 0.0;
        for (var bin = 0; bin < observed.Length; bin++)
        {
            var p = bin == 0 || bin == observed.Length - 1 ? tail : Pmf(scale, bin - k - 1);
            var expected = p * samples.Length;
            statistic += (observed[bin] - expected) * (observed[bin] - expected) / expected;
        }

        var df = observed.Length - 1;
        return (statistic, df + (6 * Math.Sqrt(2.0 * df)));
    }

    [Theory]
    [InlineData(1, "2", 0.5)]
    [InlineData(1, "0.5", 2)]
    [InlineData(10, "1", 10)]
    public void Noise_distribution_matches_the_discrete_Laplace_pmf(long sensitivity, string epsilon, double scale)
    {
        var mechanism = Mechanism(sensitivity, epsilon);
        Assert.Equal(scale, mechanism.Scale, 12);

        var (statistic, bound) = ChiSquare(Draw(mechanism, 42, Samples), scale);

        Assert.True(statistic < bound, $"χ² = {statistic:F1} ≥ {bound:F1}");
    }

    [Theory]
    [InlineData(2, "0.5")] // b = 4 where the check expects 2
    [InlineData(1, "1")] // b = 1 where the check expects 2
    public void A_sampler_with_the_wrong_scale_fails_the_same_pmf_check(long sensitivity, string epsilon)
    {
        var wrong = Mechanism(sensitivity, epsilon);

        var (statistic, bound) = ChiSquare(Draw(wrong, 42, Samples), 2);

        Assert.True(statistic > 10 * bound, $"χ² = {statistic:F1} is not far above {bound:F1}");
    }

    [Theory]
    [InlineData(1, "2", 0.5)]
    [InlineData(1, "0.5", 2)]
    [InlineData(10, "1", 10)]
    [InlineData(1_000_000_000_000_000, "1", 1e15)]
    public void Noise_has_mean_zero_and_variance_2q_over_one_minus_q_squared(long sensitivity, string epsilon, double scale)
    {
        var mechanism = Mechanism(sensitivity, epsilon);
        var samples = Draw(mechanism, 7, Samples);

        // 2q/(1 − q)² with q = exp(−1/b), written as 1/(2·sinh²(1/(2b))) so that b = 10^15 keeps its digits.
        var variance = 1 / (2 * Math.Pow(Math.Sinh(1 / (2 * scale)), 2));
        var mean = samples.Average(z => (double)z);
        var sampleVariance = samples.Average(z => ((double)z - mean) * ((double)z - mean));

        Assert.True(Math.Abs(mean) < 5 * Math.Sqrt(variance / Samples), $"mean {mean} for variance {variance}");
        Assert.InRange(sampleVariance / variance, 0.95, 1.05);
        Assert.Equal(Math.Sqrt(variance), mechanism.StandardDeviation, Math.Sqrt(variance) * 1e-9);
    }

    [Fact]
    public void The_mechanism_reports_its_parameters_and_pure_epsilon_dp()
    {
        var mechanism = DiscreteLaplace.Create(BigInteger.Pow(10, 20), new Epsilon(1));

        Assert.Equal(BigInteger.Pow(10, 20), mechanism.Sensitivity);
        Assert.Equal(new Epsilon(1), mechanism.Epsilon);
        Assert.Equal(0, mechanism.Delta);
        Assert.Equal(1e26, mechanism.Scale, 1e26 * 1e-12);
        Assert.Equal(Math.Sqrt(2) * 1e26, mechanism.StandardDeviation, 1e26 * 1e-6);
    }

    [Fact]
    public void The_standard_deviation_is_the_square_root_of_2q_over_one_minus_q_squared()
    {
        var mechanism = Mechanism(1, "0.5");
        var q = Math.Exp(-0.5);

        Assert.Equal(2, mechanism.Scale);
        Assert.Equal(Math.Sqrt(2 * q) / (1 - q), mechanism.StandardDeviation, 1e-12);
    }

    [Fact]
    public void Random_words_per_sample_stay_few_even_for_huge_scales()
    {
        // Δ = 10^20 fixed-point units and ε = 10^-6: b = 10^26, so U is a two-word uniform integer.
        var mechanism = DiscreteLaplace.Create(BigInteger.Pow(10, 20), new Epsilon(1));
        var random = new CountingRandomSource(new SplitMix64(3));
        const int count = 20_000;
        var sumOfSquares = 0.0;
        for (var i = 0; i < count; i++)
        {
            var z = (double)mechanism.SampleNoise(random);
            sumOfSquares += z * z;
        }

        Assert.True(random.Words < 40L * count, $"{random.Words / (double)count:F1} words per sample");
        // E[Z²] = 2q/(1 − q)² ≈ 2·b² here; a loose check that the big-integer path has the right scale.
        Assert.InRange(sumOfSquares / count / (2 * 1e52), 0.9, 1.1);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(3, 10)]
    [InlineData(1, 1)]
    [InlineData(5, 2)]
    public void Bernoulli_of_exp_minus_gamma_comes_up_true_with_frequency_exp_minus_gamma(long p, long q)
    {
        var random = new SplitMix64(11);
        var hits = 0;
        for (var i = 0; i < Samples; i++)
        {
            if (ExactSampling.BernoulliExp(p, q, random))
            {
                hits++;
            }
        }

        var expected = Math.Exp(-(double)p / q);
        var sigma = Math.Sqrt(expected * (1 - expected) / Samples);
        Assert.InRange(hits / (double)Samples, expected - (5 * sigma), expected + (5 * sigma));
    }

    [Theory]
    [InlineData(0, 7)]
    [InlineData(2, 7)]
    [InlineData(7, 7)]
    public void Bernoulli_of_a_rational_comes_up_true_with_frequency_p_over_q(long p, long q)
    {
        var random = new SplitMix64(13);
        var hits = 0;
        for (var i = 0; i < Samples; i++)
        {
            if (ExactSampling.Bernoulli(p, q, random))
            {
                hits++;
            }
        }

        var expected = (double)p / q;
        var sigma = Math.Sqrt(expected * (1 - expected) / Samples);
        Assert.InRange(hits / (double)Samples, expected - (5 * sigma), expected + (5 * sigma));
    }

    [Fact]
    public void Uniform_below_three_times_two_to_the_62_has_no_modulo_bias()
    {
        // n = 3·2^62 lies between 2^63 and 2^64. A word reduced mod n hits [0, 2^62) twice as often as the rest:
        // the lower half [0, n/2) would come up 5/8 of the time and the lowest third 1/2, instead of 1/2 and 1/3.
        var n = 3 * BigInteger.Pow(2, 62);
        var half = n / 2;
        var third = n / 3;
        const int count = 60_000;

        static (double LowerHalf, double LowestThird) Frequencies(Func<BigInteger> draw, BigInteger n, BigInteger half, BigInteger third)
        {
            var lowerHalf = 0;
            var lowestThird = 0;
            for (var i = 0; i < count; i++)
            {
                var x = draw();
                Assert.InRange(x, BigInteger.Zero, n - 1);
                lowerHalf += x < half ? 1 : 0;
                lowestThird += x < third ? 1 : 0;
            }

            return (lowerHalf / (double)count, lowestThird / (double)count);
        }

        var random = new SplitMix64(17);
        var (exactHalf, exactThird) = Frequencies(() => ExactSampling.Uniform(n, random), n, half, third);
        var modulo = new SplitMix64(17);
        var (biasedHalf, biasedThird) = Frequencies(() => modulo.NextUInt64() % n, n, half, third);

        var tolerance = 5 * Math.Sqrt(0.25 / count);
        Assert.InRange(exactHalf, 0.5 - tolerance, 0.5 + tolerance);
        Assert.InRange(exactThird, (1 / 3.0) - tolerance, (1 / 3.0) + tolerance);
        // The same check catches a modulo sampler.
        Assert.False(Math.Abs(biasedHalf - 0.5) < tolerance && Math.Abs(biasedThird - (1 / 3.0)) < tolerance);
    }

    [Fact]
    public void Uniform_below_a_multi_word_bound_stays_below_it_and_splits_evenly()
    {
        var n = BigInteger.Pow(10, 26) + 7;
        var random = new SplitMix64(19);
        var lower = 0;
        const int count = 40_000;
        for (var i = 0; i < count; i++)
        {
            var x = ExactSampling.Uniform(n, random);
            Assert.InRange(x, BigInteger.Zero, n - 1);
            lower += x < n / 2 ? 1 : 0;
        }

        var tolerance = 5 * Math.Sqrt(0.25 / count);
        Assert.InRange(lower / (double)count, 0.5 - tolerance, 0.5 + tolerance);
        Assert.Equal(BigInteger.Zero, ExactSampling.Uniform(BigInteger.One, random));
    }

    [Fact]
    public void Released_values_carry_no_trace_of_the_true_values_low_bits()
    {
        // Mironov (2012): with floating-point noise, x + Laplace(b) is rounded to a double, and the doubles that
        // −b·ln(u) can produce for a 53-bit u are sparse and unevenly spaced, so the set of possible outputs depends on
        // the true value x: many outputs reachable from 1000 are unreachable from 1001 and the reverse, and a single
        // release can tell them apart with certainty (ε = ∞), whatever b is. Here the output is an integer, every
        // integer is reachable from either true value, and the low bits of the output follow the same distribution
        // for both, up to the e^ε factor that any event may show.
        var epsilon = Epsilon.Parse("0.01");
        var mechanism = DiscreteLaplace.Create(1, epsilon); // b = 100
        const int count = 100_000;
        const int residues = 8;
        var values = new BigInteger[] { 1000, 1001 };
        var seen = values.Select(_ => new HashSet<BigInteger>()).ToArray();
        var lowBits = values.Select(_ => new int[residues]).ToArray();
        for (var which = 0; which < values.Length; which++)
        {
            var random = new SplitMix64(23 + (ulong)which);
            for (var i = 0; i < count; i++)
            {
                var output = mechanism.Release(values[which], random);
                seen[which].Add(output);
                lowBits[which][(int)(output & (residues - 1))]++;
            }
        }

        // Every integer within half a scale either side is produced from both true values.
        for (var y = 1001 - 50; y <= 1000 + 50; y++)
        {
            Assert.Contains(new BigInteger(y), seen[0]);
            Assert.Contains(new BigInteger(y), seen[1]);
        }

        var tolerance = 5 * Math.Sqrt(2 * 0.125 * 0.875 / count);
        var bound = Math.Exp(epsilon.ToDouble());
        for (var r = 0; r < residues; r++)
        {
            var first = lowBits[0][r] / (double)count;
            var second = lowBits[1][r] / (double)count;
            Assert.InRange(first, 0.125 - tolerance, 0.125 + tolerance);
            Assert.InRange(first - second, -tolerance, tolerance);
            Assert.InRange(first / second, 1 / (bound * 1.05), bound * 1.05);
        }
    }

    [Fact]
    public void Release_adds_the_sampled_noise_to_the_value()
    {
        var mechanism = Mechanism(3, "0.7");
        var value = BigInteger.Pow(10, 30) + 1;

        for (ulong seed = 0; seed < 100; seed++)
        {
            Assert.Equal(value + mechanism.SampleNoise(new SplitMix64(seed)), mechanism.Release(value, new SplitMix64(seed)));
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_samples()
    {
        var mechanism = Mechanism(5, "0.3");

        Assert.Equal(Draw(mechanism, 99, 1_000), Draw(mechanism, 99, 1_000));
        Assert.NotEqual(Draw(mechanism, 99, 1_000), Draw(mechanism, 100, 1_000));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_sensitivity_below_one_is_refused_naming_the_parameter(long sensitivity)
    {
        var refusal = Assert.Throws<ArgumentOutOfRangeException>(() => DiscreteLaplace.Create(sensitivity, Epsilon.Parse("1")));

        Assert.Equal("sensitivity", refusal.ParamName);
        Assert.Contains("sensitivity Δ", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zero_epsilon_is_refused_naming_the_parameter()
    {
        var refusal = Assert.Throws<ArgumentOutOfRangeException>(() => DiscreteLaplace.Create(1, Epsilon.Zero));

        Assert.Equal("epsilon", refusal.ParamName);
        Assert.Contains("budget ε", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sampling_without_a_random_source_is_refused()
    {
        Assert.Throws<ArgumentNullException>(() => Mechanism(1, "1").SampleNoise(null!));
    }
}
