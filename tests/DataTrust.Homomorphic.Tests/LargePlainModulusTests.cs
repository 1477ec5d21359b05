namespace DataTrust.Homomorphic.Tests;

public sealed class LargePlainModulusTests
{
    [Fact]
    public void A_plain_modulus_wider_than_the_coefficient_primes_still_adds_and_multiplies_correctly()
    {
        // t has 45 bits while every coefficient prime at N = 8192 has 43 or 44: plaintext values exceed the primes
        var context = BfvContext.CreateBatching(8192, 45);
        var t = context.Parameters.PlainModulus;
        var generator = new KeyGenerator(context);
        var encoder = new BatchEncoder(context);
        var encryptor = new Encryptor(context, generator.CreatePublicKey());
        var decryptor = new Decryptor(context, generator.SecretKey);
        var evaluator = new Evaluator(context);
        var random = new Random(3);
        var x = Enumerable.Range(0, 8192).Select(_ => (ulong)random.NextInt64((long)t)).ToArray();
        var y = Enumerable.Range(0, 8192).Select(_ => (ulong)random.NextInt64((long)t)).ToArray();

        var cx = encryptor.Encrypt(encoder.Encode(x));
        var product = evaluator.Relinearize(evaluator.Multiply(cx, encryptor.Encrypt(encoder.Encode(y))), generator.CreateRelinKeys());
        var plainProduct = evaluator.MultiplyPlain(cx, encoder.Encode(y));
        var sum = evaluator.AddPlain(cx, encoder.Encode(y));

        var expectedProduct = x.Zip(y, (a, b) => (ulong)((UInt128)a * b % t)).ToArray();
        Assert.True(decryptor.InvariantNoiseBudget(product) > 0);
        Assert.Equal(expectedProduct, encoder.Decode(decryptor.Decrypt(product)));
        Assert.Equal(expectedProduct, encoder.Decode(decryptor.Decrypt(plainProduct)));
        Assert.Equal(x.Zip(y, (a, b) => (a + b) % t).ToArray(), encoder.Decode(decryptor.Decrypt(sum)));
        generator.SecretKey.Dispose();
    }
}
