using DataTrust.Homomorphic.Internal;

namespace DataTrust.Homomorphic.Tests;

public sealed class ParameterTests
{
    [Theory]
    [InlineData(4096, 109)]
    [InlineData(8192, 218)]
    [InlineData(16384, 438)]
    public void Preset_moduli_are_ntt_friendly_primes_within_the_128_bit_bound(int n, int bound)
    {
        var moduli = BfvContext.DefaultCoeffModulus(n);

        Assert.True(new EncryptionParameters(n, moduli, 1).CoeffModulusBitCount <= bound);
        Assert.Equal(BfvContext.MaxCoeffModulusBitCount(n), bound);
        Assert.Equal(moduli.Count, moduli.Distinct().Count());
        Assert.All(moduli, q =>
        {
            Assert.True(Primes.IsPrime(q));
            Assert.Equal(1UL, q % (2UL * (ulong)n));
        });
    }

    [Fact]
    public void The_batching_plain_modulus_is_a_prime_congruent_to_one_mod_2n()
    {
        var t = BfvContext.FindBatchingPlainModulus(16384, 20);

        Assert.True(Primes.IsPrime(t));
        Assert.Equal(1UL, t % 32768);
        Assert.InRange(t, 1UL << 19, (1UL << 20) - 1);
    }

    [Fact]
    public void Primality_test_agrees_with_trial_division()
    {
        for (ulong n = 0; n < 5000; n++)
        {
            var trial = n >= 2;
            for (ulong d = 2; d * d <= n && trial; d++)
            {
                trial = n % d != 0;
            }

            Assert.Equal(trial, Primes.IsPrime(n));
        }

        // a Carmichael number and a strong pseudoprime to base 2
        Assert.False(Primes.IsPrime(561));
        Assert.False(Primes.IsPrime(2047));
        Assert.True(Primes.IsPrime(1032193));
        Assert.True(Primes.IsPrime((1UL << 61) - 1));
    }

    [Fact]
    public void More_coefficient_bits_than_the_standard_allows_are_refused()
    {
        var primes = Primes.FindNttPrimes(40, 4096, 3, []);

        var error = Assert.Throws<BfvException>(() => BfvContext.Create(new EncryptionParameters(4096, primes, 1032193)));

        Assert.Contains("128-bit security", error.Message);
    }

    [Fact]
    public void Inconsistent_parameters_are_refused_with_the_reason()
    {
        var good = BfvContext.DefaultCoeffModulus(4096).ToArray();
        var notPrime = good.ToArray();
        notPrime[0] = good[0] + (2 * 8192 * 3); // ≡ 1 mod 2N but composite-or-not: checked below
        while (Primes.IsPrime(notPrime[0]))
        {
            notPrime[0] += 2 * 8192;
        }

        var notFriendly = good.ToArray();
        notFriendly[0] = 68719476731; // a 36-bit prime, not 1 mod 8192

        Assert.Contains("not prime", Refusal(new EncryptionParameters(4096, notPrime, 1032193)));
        Assert.Contains("not congruent to 1", Refusal(new EncryptionParameters(4096, notFriendly, 1032193)));
        Assert.Contains("twice", Refusal(new EncryptionParameters(4096, [good[0], good[0], good[2]], 1032193)));
        Assert.Contains("at least two primes", Refusal(new EncryptionParameters(4096, [good[0]], 1032193)));
        Assert.Contains("batching", Refusal(new EncryptionParameters(4096, good, 65521)));
        Assert.Contains("batching", Refusal(new EncryptionParameters(4096, good, 1032192)));
        Assert.Contains("not covered", Refusal(new EncryptionParameters(512, good, 1032193)));
        Assert.Contains("no noise budget", Refusal(new EncryptionParameters(4096, good, BfvContext.FindBatchingPlainModulus(4096, 60))));
        Assert.Throws<BfvException>(() => new EncryptionParameters(3000, good, 1032193));
        Assert.Throws<BfvException>(() => BfvContext.Create(2048, 1032193));
    }

    [Fact]
    public void Data_primes_whose_sum_overflows_the_scaling_word_are_refused()
    {
        // 14 primes of 61 bits fit the 881-bit bound at N = 32768, but 13 data primes sum past 2^63
        var primes = Primes.FindNttPrimes(61, 32768, 14, []);

        Assert.Contains("sum must stay below 2^63", Refusal(new EncryptionParameters(32768, primes, BfvContext.FindBatchingPlainModulus(32768, 20))));
    }

    [Fact]
    public void Parameters_are_equal_exactly_when_their_hashes_are()
    {
        var a = BfvContext.Create(4096, 1032193).Parameters;
        var b = new EncryptionParameters(4096, a.CoeffModulus, 1032193);
        var c = new EncryptionParameters(4096, a.CoeffModulus, BfvContext.FindBatchingPlainModulus(4096, 18));

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    private static string Refusal(EncryptionParameters parameters)
    {
        return Assert.Throws<BfvException>(() => BfvContext.Create(parameters)).Message;
    }
}
