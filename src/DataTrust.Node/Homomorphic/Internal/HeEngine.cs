using DataTrust.Homomorphic;
using Google.Protobuf;

namespace DataTrust.Node.Homomorphic.Internal;

/// <summary>
/// The homomorphic steps of every kind, on the requester's material: weights × plaintext, rotate-and-add over a block,
/// masking of every slot that is not a result with fresh uniform randomness, and re-randomization with a fresh
/// public-key encryption of zero.
/// </summary>
internal sealed class HeEngine
{
    private readonly HeMaterial material;
    private readonly BatchEncoder encoder;
    private readonly Evaluator evaluator;
    private readonly Encryptor encryptor;

    public HeEngine(HeMaterial material)
    {
        this.material = material;
        encoder = new BatchEncoder(material.Context);
        evaluator = new Evaluator(material.Context);
        encryptor = new Encryptor(material.Context, material.PublicKey);
    }

    public int SlotCount => material.Context.SlotCount;

    public int RowSize => material.Context.RowSize;

    public ulong PlainModulus => material.PlainModulus;

    /// <summary>
    /// weights × values, then rows rotated by 1, 2, …, B/2 and added, so slot p·B holds Σ_i w[i]·values[p·B + i].
    /// Every other slot holds partial sums and must be masked by <see cref="Finish"/>.
    /// </summary>
    public Ciphertext WeightedBlockSums(ulong[] values, IReadOnlyList<int> rotationSteps)
    {
        var plain = encoder.Encode(values);
        if (plain.IsZero)
        {
            // Nothing to weight (every value withheld or zero): the product is an encryption of zero.
            return encryptor.Encrypt(plain);
        }

        var sum = evaluator.MultiplyPlain(material.Weights!, plain);
        if (rotationSteps.Count > 0)
        {
            var rotated = new Ciphertext(material.Context);
            foreach (var step in rotationSteps)
            {
                evaluator.RotateRows(sum, step, material.GaloisKeys!, rotated);
                evaluator.AddInPlace(sum, rotated);
            }
        }

        return sum;
    }

    /// <summary>Adds <paramref name="mask"/> (random in every non-result slot) and a fresh encryption of zero; returns the serialized ciphertext.</summary>
    public ByteString Finish(Ciphertext ciphertext, ulong[] mask)
    {
        evaluator.AddPlainInPlace(ciphertext, encoder.Encode(mask));
        Rerandomize(ciphertext);
        return ByteString.CopyFrom(BfvSerializer.Save(ciphertext));
    }

    /// <summary>A fresh public-key encryption of <paramref name="slots"/>, serialized.</summary>
    public ByteString Encrypt(ulong[] slots) => ByteString.CopyFrom(BfvSerializer.Save(encryptor.Encrypt(encoder.Encode(slots))));

    /// <summary>Adds a fresh public-key encryption of zero, so the ciphertext no longer depends on how it was computed beyond its noise.</summary>
    public void Rerandomize(Ciphertext ciphertext) => evaluator.AddInPlace(ciphertext, encryptor.Encrypt(new Plaintext(material.Context)));

    /// <summary>Loads a ciphertext under the job's parameters.</summary>
    public Ciphertext Load(ByteString data) => BfvSerializer.LoadCiphertext(material.Context, data.Span);

    /// <summary>a += b.</summary>
    public void AddInPlace(Ciphertext a, Ciphertext b) => evaluator.AddInPlace(a, b);

    /// <summary>Serializes a ciphertext.</summary>
    public static ByteString Save(Ciphertext ciphertext) => ByteString.CopyFrom(BfvSerializer.Save(ciphertext));

    /// <summary>A fresh mask: uniformly random in every slot (the caller clears or sets the result slots).</summary>
    public ulong[] RandomSlots() => SlotRandom.Slots(SlotCount, PlainModulus);
}
