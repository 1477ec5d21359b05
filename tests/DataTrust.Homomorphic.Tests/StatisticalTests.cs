namespace DataTrust.Homomorphic.Tests;

[Collection("bfv-8192")]
public sealed class StatisticalTests(Fixture8192 f) : IClassFixture<Fixture8192>
{
    private const int Buckets = 64;

    // 63 degrees of freedom: mean 63, standard deviation ≈ 11.2; 150 is far beyond any honest fluctuation
    // (p < 1e-10) yet catches a skewed sampler or a structured ciphertext at once.
    private const double Threshold = 150;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Fresh_ciphertext_coefficients_are_uniform_mod_each_prime(bool symmetric)
    {
        var plain = f.Encoder.Encode(f.RandomSlots(1));

        var ciphertext = symmetric ? f.Encryptor.EncryptSymmetric(plain) : f.Encryptor.Encrypt(plain);

        for (var poly = 0; poly < 2; poly++)
        {
            for (var i = 0; i < f.Context.Parameters.CoeffModulus.Count - 1; i++)
            {
                var q = f.Context.Parameters.CoeffModulus[i];
                var counts = new double[Buckets];
                foreach (var v in ciphertext.Residues(poly, i))
                {
                    counts[(int)((UInt128)v * Buckets / q)]++;
                }

                var expected = (double)f.N / Buckets;
                var chiSquared = counts.Sum(c => (c - expected) * (c - expected) / expected);
                Assert.True(chiSquared < Threshold, $"poly {poly}, prime {i}: chi² = {chiSquared:F1}");
            }
        }
    }

    [Fact]
    public void Two_encryptions_of_the_same_plaintext_differ()
    {
        var plain = f.Encoder.Encode(f.RandomSlots(2));

        var first = BfvSerializer.Save(f.Encryptor.Encrypt(plain));
        var second = BfvSerializer.Save(f.Encryptor.Encrypt(plain));
        var firstSymmetric = BfvSerializer.Save(f.Encryptor.EncryptSymmetric(plain));
        var secondSymmetric = BfvSerializer.Save(f.Encryptor.EncryptSymmetric(plain));

        Assert.NotEqual(first, second);
        Assert.NotEqual(firstSymmetric, secondSymmetric);
    }
}
