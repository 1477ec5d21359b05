namespace DataTrust.Homomorphic.Tests;

public sealed class SmokeTests(Fixture4096 fixture) : IClassFixture<Fixture4096>
{
    [Fact]
    public void Encrypt_then_decrypt_returns_the_slots()
    {
        var values = fixture.RandomSlots(1);
        var ct = fixture.Encrypt(values);
        Assert.Equal(values, fixture.Decrypt(ct));
        Assert.True(fixture.Decryptor.InvariantNoiseBudget(ct) > 20, $"budget {fixture.Decryptor.InvariantNoiseBudget(ct)}");
    }

    [Fact]
    public void Multiply_relinearize()
    {
        var x = fixture.RandomSlots(2);
        var y = fixture.RandomSlots(3);
        var product = fixture.Evaluator.Multiply(fixture.Encrypt(x), fixture.Encrypt(y));
        var expected = x.Zip(y, (a, b) => (ulong)((UInt128)a * b % fixture.T)).ToArray();
        Assert.Equal(expected, fixture.Decrypt(product));
        var relin = fixture.Evaluator.Relinearize(product, fixture.RelinKeys);
        Assert.Equal(expected, fixture.Decrypt(relin));
        Assert.True(fixture.Decryptor.InvariantNoiseBudget(relin) > 0, $"budget {fixture.Decryptor.InvariantNoiseBudget(relin)}");
    }

    [Fact]
    public void Rotate()
    {
        var x = fixture.RandomSlots(4);
        var rotated = fixture.Evaluator.RotateRows(fixture.Encrypt(x), 1, fixture.GaloisKeys);
        var half = fixture.N / 2;
        var expected = new ulong[fixture.N];
        for (var j = 0; j < half; j++)
        {
            expected[j] = x[(j + 1) % half];
            expected[half + j] = x[half + ((j + 1) % half)];
        }

        Assert.Equal(expected, fixture.Decrypt(rotated));
    }
}
