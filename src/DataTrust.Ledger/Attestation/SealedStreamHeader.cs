namespace DataTrust.Ledger.Attestation;

/// <summary>
/// The public part of a sealed stream that travels before its chunks: the sender's fresh ephemeral public key
/// (64 bytes X‖Y) and the 32-byte HKDF salt.
/// </summary>
public sealed class SealedStreamHeader
{
    /// <summary>The length of the salt.</summary>
    public const int SaltSize = 32;

    private readonly byte[] ephemeralPublicKey;
    private readonly byte[] salt;

    /// <summary>Creates a header, checking the lengths and that the key is a point of secp256k1.</summary>
    /// <exception cref="SealedStreamException">The key is not 64 bytes of a curve point, or the salt is not 32 bytes.</exception>
    public SealedStreamHeader(ReadOnlySpan<byte> ephemeralPublicKey, ReadOnlySpan<byte> salt)
    {
        if (ephemeralPublicKey.Length != SimulatedQuote.PublicKeySize || !SealedStreamCrypto.IsOnCurve(ephemeralPublicKey))
        {
            throw new SealedStreamException($"The sealed stream's ephemeral public key must be {SimulatedQuote.PublicKeySize} bytes (X‖Y) of a secp256k1 point; got {ephemeralPublicKey.Length} bytes that are not.");
        }

        if (salt.Length != SaltSize)
        {
            throw new SealedStreamException($"The sealed stream's salt must be {SaltSize} bytes, got {salt.Length}.");
        }

        this.ephemeralPublicKey = ephemeralPublicKey.ToArray();
        this.salt = salt.ToArray();
    }

    /// <summary>The sender's ephemeral public key, 64 bytes X‖Y.</summary>
    public ReadOnlySpan<byte> EphemeralPublicKey => ephemeralPublicKey;

    /// <summary>The HKDF salt.</summary>
    public ReadOnlySpan<byte> Salt => salt;
}
