namespace DataTrust.Homomorphic.Tests;

/// <summary>One context with every key, shared by the tests of a class (key generation is the costly part).</summary>
public abstract class BfvFixture : IDisposable
{
    protected BfvFixture(int degree, ulong plainModulus, IEnumerable<int>? rotationSteps)
    {
        Context = BfvContext.Create(degree, plainModulus);
        KeyGenerator = new KeyGenerator(Context);
        SecretKey = KeyGenerator.SecretKey;
        PublicKey = KeyGenerator.CreatePublicKey();
        RelinKeys = KeyGenerator.CreateRelinKeys();
        GaloisKeys = rotationSteps is null ? KeyGenerator.CreateGaloisKeys() : KeyGenerator.CreateGaloisKeys(rotationSteps);
        ColumnKeys = KeyGenerator.CreateGaloisKeysForElements([(2UL * (ulong)degree) - 1]);
        Encoder = new BatchEncoder(Context);
        Encryptor = new Encryptor(Context, PublicKey, SecretKey);
        Decryptor = new Decryptor(Context, SecretKey);
        Evaluator = new Evaluator(Context);
    }

    public BfvContext Context { get; }

    public KeyGenerator KeyGenerator { get; }

    public SecretKey SecretKey { get; }

    public PublicKey PublicKey { get; }

    public RelinKeys RelinKeys { get; }

    public GaloisKeys GaloisKeys { get; }

    public GaloisKeys ColumnKeys { get; }

    public BatchEncoder Encoder { get; }

    public Encryptor Encryptor { get; }

    public Decryptor Decryptor { get; }

    public Evaluator Evaluator { get; }

    public ulong T => Context.Parameters.PlainModulus;

    public int N => Context.SlotCount;

    public ulong[] RandomSlots(int seed)
    {
        var random = new Random(seed);
        var values = new ulong[N];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (ulong)random.NextInt64((long)T);
        }

        return values;
    }

    public Ciphertext Encrypt(ulong[] values) => Encryptor.Encrypt(Encoder.Encode(values));

    public ulong[] Decrypt(Ciphertext ciphertext) => Encoder.Decode(Decryptor.Decrypt(ciphertext));

    public void Dispose()
    {
        SecretKey.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>N = 4096, t = 1032193, the full power-of-two Galois set.</summary>
public sealed class Fixture4096 : BfvFixture
{
    public Fixture4096()
        : base(4096, 1032193, null)
    {
    }
}

/// <summary>N = 8192, t = 1032193, the full power-of-two Galois set.</summary>
public sealed class Fixture8192 : BfvFixture
{
    public Fixture8192()
        : base(8192, 1032193, null)
    {
    }
}

/// <summary>N = 16384 with a 20-bit batching prime; only a few rotation keys (the full set would take ~1 GB).</summary>
public sealed class Fixture16384 : BfvFixture
{
    public Fixture16384()
        : base(16384, BfvContext.FindBatchingPlainModulus(16384, 20), [1, -1, 7])
    {
    }
}
