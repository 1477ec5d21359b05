namespace DataTrust.Homomorphic.Tests;

[Collection("bfv-4096")]
public sealed class KeyAndEncoderTests(Fixture4096 f) : IClassFixture<Fixture4096>
{
    [Fact]
    public void A_disposed_secret_key_is_zeroed_and_refuses_use()
    {
        var generator = new KeyGenerator(f.Context);
        var key = generator.SecretKey;
        var material = key.NttForm;
        Assert.Contains(material, v => v != 0);

        key.Dispose();

        Assert.True(key.IsDisposed);
        Assert.All(material, v => Assert.Equal(0UL, v));
        Assert.Throws<ObjectDisposedException>(() => new Decryptor(f.Context, key).Decrypt(f.Encrypt(f.RandomSlots(1))));
    }

    [Fact]
    public void A_secret_key_never_prints_its_material()
    {
        Assert.Equal("SecretKey(redacted)", f.SecretKey.ToString());
    }

    [Fact]
    public void Objects_of_another_context_are_refused_on_entry()
    {
        var other = new Fixture8192Light();
        var ours = f.Encrypt(f.RandomSlots(1));

        Assert.Contains("other parameters", Assert.Throws<BfvException>(() => f.Evaluator.Add(ours, other.Ciphertext)).Message);
        Assert.Throws<BfvException>(() => f.Decryptor.Decrypt(other.Ciphertext));
        Assert.Throws<BfvException>(() => new Encryptor(f.Context, other.PublicKey));
        Assert.Throws<BfvException>(() => f.Evaluator.MultiplyPlain(ours, other.Plaintext));
        other.Key.Dispose();
    }

    [Fact]
    public void Misuse_of_the_evaluator_is_refused_with_a_reason()
    {
        var ct = f.Encrypt(f.RandomSlots(2));
        var size3 = f.Evaluator.Multiply(ct, ct);
        var onlyOneStep = f.KeyGenerator.CreateGaloisKeys([2]);

        Assert.Contains("relinearize", Assert.Throws<BfvException>(() => f.Evaluator.Multiply(size3, ct)).Message);
        Assert.Contains("cannot compose", Assert.Throws<BfvException>(() => f.Evaluator.RotateRows(ct, 1, onlyOneStep)).Message);
        Assert.Contains("column swap", Assert.Throws<BfvException>(() => f.Evaluator.RotateColumns(ct, onlyOneStep)).Message);
        Assert.Contains("zero plaintext", Assert.Throws<BfvException>(() => f.Evaluator.MultiplyPlain(ct, new Plaintext(f.Context))).Message);
        Assert.Throws<BfvException>(() => f.KeyGenerator.CreateGaloisKeys([0]));
        Assert.Throws<BfvException>(() => f.KeyGenerator.CreateGaloisKeysForElements([4]));
    }

    [Fact]
    public void A_plaintext_with_a_coefficient_not_below_t_is_refused_on_entry()
    {
        var plain = f.Encoder.Encode(f.RandomSlots(3));
        plain.Coefficients[17] = f.T;

        Assert.Contains("not below the plaintext modulus", Assert.Throws<BfvException>(() => f.Encryptor.Encrypt(plain)).Message);
        Assert.Throws<BfvException>(() => f.Evaluator.AddPlain(f.Encrypt(f.RandomSlots(1)), plain));
    }

    [Fact]
    public void A_composed_rotation_equals_the_sum_of_its_steps()
    {
        var onlyTwo = f.KeyGenerator.CreateGaloisKeys([2]);
        var x = f.RandomSlots(9);

        var rotated = f.Evaluator.RotateRows(f.Encrypt(x), 6, onlyTwo);

        var half = f.N / 2;
        Assert.Equal(x[6], f.Decrypt(rotated)[0]);
        Assert.Equal(x[half + 6], f.Decrypt(rotated)[half]);
    }

    [Fact]
    public void Batch_encoding_round_trips_unsigned_and_signed_values()
    {
        var unsigned = f.RandomSlots(8);
        var signed = unsigned.Select(v => (long)(v % 1000) - 500).ToArray();

        Assert.Equal(unsigned, f.Encoder.Decode(f.Encoder.Encode(unsigned)));
        Assert.Equal(signed, f.Encoder.DecodeSigned(f.Encoder.Encode(signed)));
        Assert.Equal(new ulong[] { 5, 0, 0 }, f.Encoder.Decode(f.Encoder.Encode([5UL])).Take(3));
    }

    [Fact]
    public void Batch_encoding_refuses_out_of_range_values_and_too_many_slots()
    {
        var t = f.T;

        Assert.Contains("not below", Assert.Throws<BfvException>(() => f.Encoder.Encode([t])).Message);
        Assert.Contains("outside", Assert.Throws<BfvException>(() => f.Encoder.Encode([(long)(t / 2) + 1])).Message);
        Assert.Contains("do not fit", Assert.Throws<BfvException>(() => f.Encoder.Encode(new ulong[f.N + 1])).Message);
    }

    /// <summary>A second, cheap context (public key only) to test cross-context refusals.</summary>
    private sealed class Fixture8192Light
    {
        public Fixture8192Light()
        {
            var context = BfvContext.Create(4096, BfvContext.FindBatchingPlainModulus(4096, 17));
            var generator = new KeyGenerator(context);
            Key = generator.SecretKey;
            PublicKey = generator.CreatePublicKey();
            Plaintext = new BatchEncoder(context).Encode([1UL, 2UL]);
            Ciphertext = new Encryptor(context, PublicKey).Encrypt(Plaintext);
        }

        public SecretKey Key { get; }

        public PublicKey PublicKey { get; }

        public Plaintext Plaintext { get; }

        public Ciphertext Ciphertext { get; }
    }
}
