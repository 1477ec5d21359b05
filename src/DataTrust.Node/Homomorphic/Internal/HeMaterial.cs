using System.Security.Cryptography;
using DataTrust.Homomorphic;
using DataTrust.Node.Query;
using DataTrust.Protos.V1;
using Google.Protobuf;

namespace DataTrust.Node.Homomorphic.Internal;

/// <summary>
/// The requester's BFV material of one job, loaded and checked: parameters (N ∈ {4096, 8192, 16384}), public key,
/// the Galois keys of every rotation step the layout needs, and the weights ciphertext (size 2). Every payload must
/// be made under <c>keys.parameters</c>; a failure becomes a refusal naming the field.
/// </summary>
internal sealed class HeMaterial
{
    private const int HashOffset = 8;
    private const int HashLength = 32;
    private const int ChecksumLength = 32;

    private HeMaterial(BfvContext context, PublicKey publicKey, GaloisKeys? galoisKeys, Ciphertext? weights)
    {
        Context = context;
        PublicKey = publicKey;
        GaloisKeys = galoisKeys;
        Weights = weights;
    }

    public BfvContext Context { get; }

    public PublicKey PublicKey { get; }

    public GaloisKeys? GaloisKeys { get; }

    public Ciphertext? Weights { get; }

    public ulong PlainModulus => Context.Parameters.PlainModulus;

    /// <summary>Loads the keys (and the weights when <paramref name="model"/> is given) under <paramref name="prefix"/> field paths.</summary>
    /// <param name="keys">The requester's keys.</param>
    /// <param name="model">The encrypted model, or null for kinds without one.</param>
    /// <param name="rotationSteps">The rotation steps whose Galois keys must be present (empty: Galois keys are not read).</param>
    /// <param name="prefix">Field path of the spec, e.g. <c>spec.he_scoring</c>.</param>
    /// <param name="material">The loaded material, when no refusal is returned.</param>
    public static QueryRefusal? TryLoad(HeKeys? keys, EncryptedModel? model, IReadOnlyList<int> rotationSteps, string prefix, out HeMaterial? material)
    {
        material = null;
        if (keys is null)
        {
            return new(ErrorReason.MalformedRequest, prefix + ".keys", $"{prefix}.keys: the requester's HE keys are missing; send HeClient.CreateKeys output.");
        }

        var field = prefix + ".keys.parameters";
        BfvContext context;
        try
        {
            context = BfvContext.Create(BfvSerializer.LoadParameters(keys.Parameters.Span));
        }
        catch (BfvException e)
        {
            return Invalid(field, "the BFV parameters cannot be read", e);
        }

        if (context.SlotCount is not (4096 or 8192 or 16384))
        {
            return new(ErrorReason.HePayloadInvalid, field, $"{field}: N = {context.SlotCount} is not served; use N = 4096, 8192 or 16384.");
        }

        field = prefix + ".keys.public_key";
        PublicKey publicKey;
        try
        {
            publicKey = BfvSerializer.LoadPublicKey(context, keys.PublicKey.Span);
        }
        catch (BfvException e)
        {
            return Invalid(field, "the public key cannot be read under keys.parameters", e);
        }

        GaloisKeys? galoisKeys = null;
        if (rotationSteps.Count > 0)
        {
            var refusal = LoadGaloisKeys(context, keys.GaloisKeys, rotationSteps, prefix + ".keys.galois_keys", out galoisKeys);
            if (refusal is not null)
            {
                return refusal;
            }
        }

        Ciphertext? weights = null;
        if (model is not null)
        {
            field = prefix + ".model.weights";
            try
            {
                weights = BfvSerializer.LoadCiphertext(context, model.Weights.Span);
            }
            catch (BfvException e)
            {
                return Invalid(field, "the weights ciphertext cannot be read under keys.parameters", e);
            }

            if (weights.Size != 2)
            {
                return new(ErrorReason.HePayloadInvalid, field, $"{field}: the weights ciphertext has size {weights.Size}; send a fresh encryption (size 2) as HeClient.EncryptModel makes it.");
            }
        }

        material = new HeMaterial(context, publicKey, galoisKeys, weights);
        return null;
    }

    private static QueryRefusal? LoadGaloisKeys(BfvContext context, ByteString data, IReadOnlyList<int> steps, string field, out GaloisKeys? galoisKeys)
    {
        galoisKeys = null;
        var fix = $"create them with HeClient.CreateKeys({steps[^1] * 2}) under keys.parameters";
        if (data.IsEmpty)
        {
            return new(ErrorReason.HeKeysMismatch, field, $"{field}: the layout needs row rotations by {string.Join(", ", steps)} but no Galois keys were sent; {fix}.");
        }

        try
        {
            galoisKeys = BfvSerializer.LoadGaloisKeys(context, data.Span);
        }
        catch (BfvException e)
        {
            // An intact envelope (its checksum verifies) that names other parameters is a key mismatch; anything else is unreadable.
            return MadeUnderOtherParameters(context, data.Span)
                ? new(ErrorReason.HeKeysMismatch, field, $"{field}: the Galois keys were made under other parameters than keys.parameters; {fix}.")
                : Invalid(field, "the Galois keys cannot be read", e);
        }

        foreach (var step in steps)
        {
            if (!galoisKeys.HasKey(HeLayout.GaloisElement(context.SlotCount, step)))
            {
                return new(ErrorReason.HeKeysMismatch, field, $"{field}: there is no key for the row rotation by {step}, which the layout needs; {fix}.");
            }
        }

        return null;
    }

    private static bool MadeUnderOtherParameters(BfvContext context, ReadOnlySpan<byte> data)
    {
        if (data.Length < HashOffset + HashLength + ChecksumLength)
        {
            return false;
        }

        Span<byte> checksum = stackalloc byte[ChecksumLength];
        SHA256.HashData(data[..^ChecksumLength], checksum);
        return checksum.SequenceEqual(data[^ChecksumLength..])
            && !data.Slice(HashOffset, HashLength).SequenceEqual(context.Parameters.Hash.Span);
    }

    private static QueryRefusal Invalid(string field, string what, BfvException e) =>
        new(ErrorReason.HePayloadInvalid, field, $"{field}: {what} ({e.Message}); send it exactly as HeClient wrote it.");
}
