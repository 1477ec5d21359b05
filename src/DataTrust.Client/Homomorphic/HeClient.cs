using DataTrust.Homomorphic;
using DataTrust.Protos.V1;
using Google.Protobuf;

namespace DataTrust.Client.Homomorphic;

/// <summary>
/// The enterprise's side of a homomorphic job: it holds the BFV secret key (never printed, zeroed on dispose), makes the
/// public material a node needs (<see cref="CreateKeys"/>), encrypts a model's weights in the shared layout
/// (<see cref="HeLayout"/>) and decrypts results.
/// </summary>
public sealed class HeClient : IDisposable
{
    private readonly SecretKey secretKey;
    private readonly BatchEncoder encoder;
    private readonly Decryptor decryptor;

    private HeClient(BfvContext context, SecretKey secretKey)
    {
        Context = context;
        this.secretKey = secretKey;
        encoder = new BatchEncoder(context);
        decryptor = new Decryptor(context, secretKey);
    }

    /// <summary>The BFV context of the key.</summary>
    public BfvContext Context { get; }

    /// <summary>A client with a fresh secret key under the preset coefficient modulus for N and the largest batching prime of the given size.</summary>
    /// <param name="polyModulusDegree">N: 4096, 8192 or 16384.</param>
    /// <param name="plainModulusBits">Bits of the plaintext modulus t (every value, weighted sum and total must stay below t/2).</param>
    /// <exception cref="BfvException">N has no preset or no batching prime of that size exists.</exception>
    public static HeClient Generate(int polyModulusDegree = 8192, int plainModulusBits = 50)
    {
        var context = BfvContext.CreateBatching(polyModulusDegree, plainModulusBits);
        var generator = new KeyGenerator(context);
        return new HeClient(context, generator.SecretKey);
    }

    /// <summary>A client from saved parameters and secret key (see <see cref="SaveParameters"/>, <see cref="SaveSecretKey"/>).</summary>
    /// <exception cref="BfvException">Either input is malformed, truncated, altered, insecure, or the key was made under other parameters.</exception>
    public static HeClient Load(ReadOnlySpan<byte> parameters, ReadOnlySpan<byte> secretKey)
    {
        var context = BfvContext.Create(BfvSerializer.LoadParameters(parameters));
        return new HeClient(context, BfvSerializer.LoadSecretKey(context, secretKey));
    }

    /// <summary>The parameters, serialized (public).</summary>
    public byte[] SaveParameters() => BfvSerializer.Save(Context.Parameters);

    /// <summary>The secret key, serialized; keep the bytes as secret as the key.</summary>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public byte[] SaveSecretKey()
    {
        ObjectDisposedException.ThrowIf(secretKey.IsDisposed, this);
        return BfvSerializer.Save(secretKey);
    }

    /// <summary>
    /// The public material for a job: parameters, a fresh public key, and Galois keys for the row rotations of
    /// <see cref="HeLayout.RotationSteps"/> when <paramref name="rotationBlockWidth"/> is given and above 1.
    /// </summary>
    /// <param name="rotationBlockWidth">The block width B of the model (see <see cref="HeLayout.BlockWidth"/>), or null for kinds that rotate nothing.</param>
    /// <exception cref="ArgumentOutOfRangeException">The width is not a power of two from 1 to 64.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public HeKeys CreateKeys(int? rotationBlockWidth)
    {
        ObjectDisposedException.ThrowIf(secretKey.IsDisposed, this);
        var steps = rotationBlockWidth is { } width ? HeLayout.RotationSteps(width) : [];
        var generator = new KeyGenerator(Context, secretKey);
        var keys = new HeKeys
        {
            Parameters = ByteString.CopyFrom(SaveParameters()),
            PublicKey = ByteString.CopyFrom(BfvSerializer.Save(generator.CreatePublicKey())),
        };
        if (steps.Count > 0)
        {
            keys.GaloisKeys = ByteString.CopyFrom(BfvSerializer.Save(generator.CreateGaloisKeys(steps)));
        }

        return keys;
    }

    /// <summary>
    /// Encrypts a linear model with the secret key (seeded, half size): slot j holds w[j mod B] when (j mod B) &lt; F,
    /// else 0, in both rows.
    /// </summary>
    /// <param name="features">AGGREGATE column names, in weight order (1 to 64, distinct).</param>
    /// <param name="weights">Integer weights, one per feature, each within ±(t−1)/2.</param>
    /// <param name="featureScaleDigits">Decimal digits the node keeps of each feature value (0 to 4).</param>
    /// <exception cref="ArgumentException">The lists are empty, too long, of different lengths, or a feature repeats.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The scale is outside 0..4 or a weight is outside the signed range of t.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public EncryptedModel EncryptModel(IReadOnlyList<string> features, IReadOnlyList<long> weights, int featureScaleDigits)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(weights);
        ObjectDisposedException.ThrowIf(secretKey.IsDisposed, this);
        if (features.Count is < 1 or > HeLayout.MaxFeatures)
        {
            throw new ArgumentException($"A model has 1 to {HeLayout.MaxFeatures} features; {features.Count} were given.", nameof(features));
        }

        if (weights.Count != features.Count)
        {
            throw new ArgumentException($"Give one weight per feature: {features.Count} features but {weights.Count} weights.", nameof(weights));
        }

        if (features.Distinct(StringComparer.Ordinal).Count() != features.Count || features.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("Feature names must be non-empty and distinct; list each column once.", nameof(features));
        }

        if (featureScaleDigits is < 0 or > 4)
        {
            throw new ArgumentOutOfRangeException(nameof(featureScaleDigits), featureScaleDigits, "Keep 0 to 4 decimal digits of each feature.");
        }

        var bound = (long)((Context.Parameters.PlainModulus - 1) / 2);
        var width = HeLayout.BlockWidth(features.Count);
        var slots = new long[Context.SlotCount];
        for (var i = 0; i < weights.Count; i++)
        {
            if (weights[i] > bound || weights[i] < -bound)
            {
                throw new ArgumentOutOfRangeException(nameof(weights), $"Weight {i} is outside ±{bound}, the signed range of the plaintext modulus; scale the model down or use a larger t.");
            }

            for (var j = i; j < slots.Length; j += width)
            {
                slots[j] = weights[i];
            }
        }

        var ciphertext = new Encryptor(Context, secretKey).EncryptSymmetric(encoder.Encode(slots));
        var model = new EncryptedModel
        {
            FeatureScaleDigits = (uint)featureScaleDigits,
            Weights = ByteString.CopyFrom(BfvSerializer.Save(ciphertext)),
        };
        model.Features.AddRange(features);
        return model;
    }

    /// <summary>Decrypts a weighted aggregate: per group its weighted sum and count (null where withheld).</summary>
    /// <exception cref="BfvException">A ciphertext is malformed or not under this key's parameters, or a group names a slot that does not exist.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public IReadOnlyList<DecryptedGroup> Decrypt(HeWeightedAggregateResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var slots = new SlotCache(this, result.Ciphertexts);
        var half = Context.RowSize;
        var groups = new List<DecryptedGroup>(result.Groups.Count);
        foreach (var group in result.Groups)
        {
            var values = slots.Get(group.Ciphertext, group.Slot, half);
            groups.Add(new DecryptedGroup(
                group.Keys.ToArray(),
                group.SumSuppressed ? null : values[group.Slot],
                group.CountSuppressed ? null : values[group.Slot + half]));
        }

        return groups;
    }

    /// <summary>Decrypts a scoring result: one score per scored row.</summary>
    /// <exception cref="BfvException">A ciphertext is malformed or not under this key's parameters, or a score names a slot that does not exist.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public IReadOnlyList<DecryptedScore> Decrypt(HeScoringResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var slots = new SlotCache(this, result.Ciphertexts);
        return result.Scores
            .Select(score => new DecryptedScore(score.Subject, score.Labels.ToArray(), slots.Get(score.Ciphertext, score.Slot, 0)[score.Slot]))
            .ToList();
    }

    /// <summary>Decrypts a cross-domain sum: per measure its total (null when any part withheld it).</summary>
    /// <exception cref="BfvException">The ciphertext is malformed or not under this key's parameters, or the result is inconsistent.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public IReadOnlyList<DecryptedTotal> Decrypt(HeCrossDomainSumResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Suppressed.Count != result.Measures.Count || result.Measures.Count > Context.SlotCount)
        {
            throw new BfvException($"The result describes {result.Measures.Count} measures but flags {result.Suppressed.Count}; it is inconsistent.");
        }

        var values = DecryptSlots(result.Ciphertext.Span);
        return result.Measures.Select((measure, j) => new DecryptedTotal(measure, result.Suppressed[j] ? null : values[j])).ToList();
    }

    /// <summary>Decrypts a ciphertext into all N slots as centered residues in (−t/2, t/2].</summary>
    /// <exception cref="BfvException">The ciphertext is malformed, truncated, altered, or made under other parameters.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public long[] DecryptSlots(ReadOnlySpan<byte> ciphertext)
    {
        ObjectDisposedException.ThrowIf(secretKey.IsDisposed, this);
        return encoder.DecodeSigned(decryptor.Decrypt(BfvSerializer.LoadCiphertext(Context, ciphertext)));
    }

    /// <summary>Zeroes and releases the secret key.</summary>
    public void Dispose() => secretKey.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"HeClient({Context}, secret key redacted)";

    /// <summary>Decrypts each result ciphertext at most once.</summary>
    private sealed class SlotCache(HeClient client, IReadOnlyList<ByteString> ciphertexts)
    {
        private readonly Dictionary<uint, long[]> decrypted = [];

        public long[] Get(uint index, uint slot, int offset)
        {
            if (index >= ciphertexts.Count || slot + (ulong)offset >= (ulong)client.Context.SlotCount)
            {
                throw new BfvException($"The result names ciphertext {index} slot {slot}, which it does not hold; it is inconsistent.");
            }

            if (!decrypted.TryGetValue(index, out var values))
            {
                values = client.DecryptSlots(ciphertexts[(int)index].Span);
                decrypted.Add(index, values);
            }

            return values;
        }
    }
}
