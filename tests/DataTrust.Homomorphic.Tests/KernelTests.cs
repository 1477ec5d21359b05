using DataTrust.Homomorphic.Internal;
using FsCheck.Xunit;

namespace DataTrust.Homomorphic.Tests;

public sealed class KernelTests
{
    private static readonly ulong[] Moduli = [1032193, Primes.FindNttPrimes(44, 64, 1, [])[0], Primes.FindNttPrimes(61, 64, 1, [])[0]];

    [Property(MaxTest = 200)]
    public void Barrett_and_Shoup_reduction_agree_with_the_remainder_operator(ulong a, ulong b, ulong c, byte which)
    {
        var q = new Modulus(Moduli[which % Moduli.Length]);
        var x = a % q.Value;
        var y = b % q.Value;

        Assert.Equal(c % q.Value, q.Reduce(c));
        Assert.Equal((ulong)(((UInt128)a << 64 | b) % q.Value), q.Reduce128(a, b));
        Assert.Equal((ulong)((UInt128)x * y % q.Value), q.Multiply(x, y));
        Assert.Equal((ulong)((UInt128)c * y % q.Value), q.MultiplyShoup(c, y, q.ShoupPrecompute(y)));
    }

    [Property(MaxTest = 20)]
    public void Ntt_multiplication_is_negacyclic_convolution(int seed, byte which)
    {
        const int n = 64;
        var q = new Modulus(Moduli[which % Moduli.Length]);
        var ntt = new NttTables(q, n);
        var random = new Random(seed);
        var a = Enumerable.Range(0, n).Select(_ => (ulong)random.NextInt64((long)q.Value)).ToArray();
        var b = Enumerable.Range(0, n).Select(_ => (ulong)random.NextInt64((long)q.Value)).ToArray();
        var expected = new ulong[n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var product = q.Multiply(a[i], b[j]);
                var k = i + j;
                expected[k % n] = k < n ? q.Add(expected[k], product) : q.Sub(expected[k - n], product);
            }
        }

        var fa = (ulong[])a.Clone();
        var fb = (ulong[])b.Clone();
        ntt.Forward(fa);
        ntt.Forward(fb);
        PolyArithmetic.Multiply(fa, fb, fa, q);
        ntt.Inverse(fa);

        Assert.Equal(expected, fa);
    }

    [Fact]
    public void Forward_ntt_slot_i_evaluates_at_psi_to_the_bit_reversed_odd_power()
    {
        const int n = 16;
        var q = new Modulus(Moduli[1]);
        var ntt = new NttTables(q, n);
        var a = Enumerable.Range(1, n).Select(v => (ulong)v * 977).ToArray();
        var transformed = (ulong[])a.Clone();

        ntt.Forward(transformed);

        for (var i = 0; i < n; i++)
        {
            var point = q.Pow(ntt.Root, (ulong)((2 * NttTables.BitReverse(i, 4)) + 1));
            ulong value = 0;
            for (var c = n - 1; c >= 0; c--)
            {
                value = q.Add(q.Multiply(value, point), a[c]);
            }

            Assert.Equal(value, transformed[i]);
        }
    }

    [Property(MaxTest = 10)]
    public void Plaintext_scaling_is_exactly_round_of_q_m_over_t_in_every_residue(int seed)
    {
        var context = BfvContext.Create(4096, 1032193);
        var random = new Random(seed);
        var plain = Enumerable.Range(0, 4096).Select(_ => (ulong)random.NextInt64(1032193)).ToArray();
        plain[0] = 1032192;
        plain[1] = 0;
        var poly = new ulong[context.DataCount * 4096];

        PlainScaling.AddScaled(context, plain, poly, subtract: false);

        var q = context.DataProduct;
        for (var c = 0; c < 4096; c++)
        {
            var exact = ((q * plain[c]) + (1032193 / 2)) / 1032193;
            for (var i = 0; i < context.DataCount; i++)
            {
                Assert.Equal((ulong)(exact % context.KeyModuli[i].Value), poly[(i * 4096) + c]);
            }
        }
    }

    [Fact]
    public void Error_samples_are_centered_bounded_and_have_the_standard_deviation()
    {
        var samples = new sbyte[1 << 16];

        NoiseSampler.SampleError(samples);

        var mean = samples.Average(s => (double)s);
        var deviation = Math.Sqrt(samples.Average(s => (double)s * s) - (mean * mean));
        Assert.InRange(mean, -0.1, 0.1);
        Assert.InRange(deviation, 3.0, 3.4);
        Assert.All(samples, s => Assert.InRange((int)s, -NoiseSampler.Bound, NoiseSampler.Bound));
    }

    [Fact]
    public void Ternary_samples_are_uniform_over_minus_one_zero_one()
    {
        var samples = new sbyte[30000];

        NoiseSampler.SampleTernary(samples);

        foreach (var v in new sbyte[] { -1, 0, 1 })
        {
            Assert.InRange(samples.Count(s => s == v), 9400, 10600);
        }

        Assert.All(samples, s => Assert.InRange((int)s, -1, 1));
    }

    [Fact]
    public void Both_seed_expanders_are_deterministic_and_differ_between_seeds()
    {
        var q = new Modulus(Moduli[2]);
        var seedA = new byte[32];
        var seedB = new byte[32];
        seedB[0] = 1;
        foreach (var kind in new[] { ExpanderKind.Shake256, ExpanderKind.AesCounter })
        {
            if (kind == ExpanderKind.Shake256 && !System.Security.Cryptography.Shake256.IsSupported)
            {
                continue;
            }

            var first = Expand(seedA, kind, q);
            var again = Expand(seedA, kind, q);
            var other = Expand(seedB, kind, q);

            Assert.Equal(first, again);
            Assert.NotEqual(first, other);
            Assert.All(first, v => Assert.True(v < q.Value));
        }
    }

    private static ulong[] Expand(byte[] seed, ExpanderKind kind, Modulus q)
    {
        var values = new ulong[3000];
        using var expander = new UniformExpander(seed, kind);
        expander.FillUniform(values, q);
        return values;
    }
}
