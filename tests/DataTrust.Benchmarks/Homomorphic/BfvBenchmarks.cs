using BenchmarkDotNet.Attributes;
using DataTrust.Homomorphic;

namespace DataTrust.Benchmarks.Homomorphic;

/// <summary>
/// Every BFV operation at N = 4096 and 8192 with the SEAL-default-shaped moduli ({36,36,37} and {43,43,44,44,44})
/// and t = 1032193, to compare with Microsoft SEAL 4.4. Object sizes come from <see cref="BfvSizeReport"/>.
/// Run: dotnet run -c Release --project tests/DataTrust.Benchmarks -- --filter '*BfvBenchmarks*'
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
[IterationTime(150)]
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
public class BfvBenchmarks
{
    private BfvContext context = null!;
    private KeyGenerator keyGenerator = null!;
    private RelinKeys relinKeys = null!;
    private GaloisKeys galoisKeys = null!;
    private BatchEncoder encoder = null!;
    private Encryptor encryptor = null!;
    private Decryptor decryptor = null!;
    private Evaluator evaluator = null!;
    private ulong[] values = null!;
    private Plaintext plain = null!;
    private Ciphertext x = null!;
    private Ciphertext y = null!;
    private Ciphertext product = null!;
    private Ciphertext destination = null!;
    private Ciphertext destination3 = null!;
    private Plaintext plainDestination = null!;
    private byte[] serialized = null!;

    [Params(4096, 8192)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        context = BfvContext.Create(N, 1032193);
        keyGenerator = new KeyGenerator(context);
        var publicKey = keyGenerator.CreatePublicKey();
        relinKeys = keyGenerator.CreateRelinKeys();
        galoisKeys = keyGenerator.CreateGaloisKeys([1]);
        encoder = new BatchEncoder(context);
        encryptor = new Encryptor(context, publicKey, keyGenerator.SecretKey);
        decryptor = new Decryptor(context, keyGenerator.SecretKey);
        evaluator = new Evaluator(context);
        var random = new Random(42);
        values = Enumerable.Range(0, N).Select(_ => (ulong)random.NextInt64(1032193)).ToArray();
        plain = encoder.Encode(values);
        x = encryptor.Encrypt(plain);
        y = encryptor.Encrypt(plain);
        product = evaluator.Multiply(x, y);
        destination = new Ciphertext(context);
        destination3 = evaluator.Multiply(x, y);
        plainDestination = new Plaintext(context);
        serialized = BfvSerializer.Save(x);
    }

    [GlobalCleanup]
    public void Cleanup() => keyGenerator.SecretKey.Dispose();

    [Benchmark]
    public void BatchEncode() => encoder.Encode(values, plainDestination);

    [Benchmark]
    public ulong[] BatchDecode() => encoder.Decode(plain);

    [Benchmark]
    public void EncryptPublicKey() => encryptor.Encrypt(plain, destination);

    [Benchmark]
    public void EncryptSecretKey() => encryptor.EncryptSymmetric(plain, destination);

    [Benchmark]
    public void Decrypt() => decryptor.Decrypt(x, plainDestination);

    [Benchmark]
    public void Add() => evaluator.Add(x, y, destination);

    [Benchmark]
    public void Sub() => evaluator.Sub(x, y, destination);

    [Benchmark]
    public void Negate() => evaluator.Negate(x, destination);

    [Benchmark]
    public void AddPlain() => evaluator.AddPlain(x, plain, destination);

    [Benchmark]
    public void MultiplyPlain() => evaluator.MultiplyPlain(x, plain, destination);

    [Benchmark]
    public void Multiply() => evaluator.Multiply(x, y, destination3);

    [Benchmark]
    public void Square() => evaluator.Square(x, destination3);

    [Benchmark]
    public void Relinearize() => evaluator.Relinearize(product, relinKeys, destination);

    [Benchmark]
    public void RotateRows1() => evaluator.RotateRows(x, 1, galoisKeys, destination);

    [Benchmark]
    public int NoiseBudget() => decryptor.InvariantNoiseBudget(x);

    [Benchmark]
    public byte[] SerializeCiphertext() => BfvSerializer.Save(x);

    [Benchmark]
    public Ciphertext DeserializeCiphertext() => BfvSerializer.LoadCiphertext(context, serialized);

    [Benchmark]
    public PublicKey PublicKeyGen() => keyGenerator.CreatePublicKey();

    [Benchmark]
    public RelinKeys RelinKeyGen() => keyGenerator.CreateRelinKeys();
}
