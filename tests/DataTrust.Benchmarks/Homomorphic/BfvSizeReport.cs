using BenchmarkDotNet.Attributes;
using DataTrust.Homomorphic;

namespace DataTrust.Benchmarks.Homomorphic;

/// <summary>
/// Prints the serialized size of every BFV object (lines starting "// SIZES") and the noise budgets from a real
/// run, then times serialization. Run: dotnet run -c Release --project tests/DataTrust.Benchmarks -- --filter '*BfvSizeReport*'
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3)]
[IterationTime(100)]
public class BfvSizeReport
{
    private Ciphertext x = null!;

    [Params(4096, 8192)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var context = BfvContext.Create(N, 1032193);
        var keyGenerator = new KeyGenerator(context);
        var publicKey = keyGenerator.CreatePublicKey();
        var relinKeys = keyGenerator.CreateRelinKeys();
        var galoisKeys = keyGenerator.CreateGaloisKeys([1]);
        var fullGalois = keyGenerator.CreateGaloisKeys();
        var encoder = new BatchEncoder(context);
        var encryptor = new Encryptor(context, publicKey, keyGenerator.SecretKey);
        var decryptor = new Decryptor(context, keyGenerator.SecretKey);
        var evaluator = new Evaluator(context);
        var random = new Random(42);
        var plain = encoder.Encode(Enumerable.Range(0, N).Select(_ => (ulong)random.NextInt64(1032193)).ToArray());
        x = encryptor.Encrypt(plain);
        var product = evaluator.Multiply(x, x);
        Console.WriteLine($"// SIZES N={N} {context}");
        Console.WriteLine($"// SIZES N={N} ciphertext (public-key encryption, size 2): {BfvSerializer.Save(x).Length} bytes");
        Console.WriteLine($"// SIZES N={N} ciphertext (secret-key encryption, seeded): {BfvSerializer.Save(encryptor.EncryptSymmetric(plain)).Length} bytes");
        Console.WriteLine($"// SIZES N={N} ciphertext (after multiply, size 3): {BfvSerializer.Save(product).Length} bytes");
        Console.WriteLine($"// SIZES N={N} plaintext: {BfvSerializer.Save(plain).Length} bytes");
        Console.WriteLine($"// SIZES N={N} secret key: {BfvSerializer.Save(keyGenerator.SecretKey).Length} bytes");
        Console.WriteLine($"// SIZES N={N} public key: {BfvSerializer.Save(publicKey).Length} bytes");
        Console.WriteLine($"// SIZES N={N} relinearization keys: {BfvSerializer.Save(relinKeys).Length} bytes");
        Console.WriteLine($"// SIZES N={N} Galois keys, one step: {BfvSerializer.Save(galoisKeys).Length} bytes");
        Console.WriteLine($"// SIZES N={N} Galois keys, power-of-two set ({fullGalois.GaloisElements.Count()} keys): {BfvSerializer.Save(fullGalois).Length} bytes");
        Console.WriteLine($"// SIZES N={N} noise budget fresh: {decryptor.InvariantNoiseBudget(x)} bits, after multiply+relinearize: {decryptor.InvariantNoiseBudget(evaluator.Relinearize(product, relinKeys))} bits");
        keyGenerator.SecretKey.Dispose();
    }

    [Benchmark]
    public byte[] SaveCiphertext() => BfvSerializer.Save(x);
}
