using System.Buffers.Binary;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Attestation;

/// <summary>
/// What a (simulated) TEE platform signs about one enclave start: the enclave's measurement, the report data that binds
/// the enclave's fresh public key (keccak256 of its 64-byte X‖Y), when it was issued, a fresh nonce, and the platform's
/// EIP-191 signature over <see cref="QuoteDigest"/>. A model only: it carries no crypto beyond parsing the signature;
/// <see cref="QuoteVerifier"/> checks it and <see cref="QuoteSigner"/> makes one.
/// </summary>
/// <remarks>
/// The byte encoding is fixed-length and strict: version (1 byte, = 1) ‖ measurement (32) ‖ reportData (32) ‖
/// issuedAt (8, big-endian) ‖ nonce (32) ‖ platformSignature (65, r‖s‖v with v = 27/28 and low s).
/// </remarks>
public sealed record SimulatedQuote(Hash32 Measurement, Hash32 ReportData, ulong IssuedAt, Hash32 Nonce, EthSignature PlatformSignature)
{
    /// <summary>The only quote version there is.</summary>
    public const byte CurrentVersion = 1;

    /// <summary>The length of <see cref="Encode"/>'s output.</summary>
    public const int EncodedSize = 1 + 32 + 32 + 8 + 32 + EthSignature.Size;

    /// <summary>The length of an uncompressed secp256k1 public key without its 0x04 prefix (X‖Y).</summary>
    public const int PublicKeySize = 64;

    /// <summary>The quote version (always <see cref="CurrentVersion"/>).</summary>
    public byte Version => CurrentVersion;

    /// <summary>The report data that binds <paramref name="enclavePublicKey"/> (64 bytes X‖Y): keccak256 of it.</summary>
    /// <exception cref="AttestationException">The key is not 64 bytes.</exception>
    public static Hash32 ReportDataFor(ReadOnlySpan<byte> enclavePublicKey)
    {
        RequirePublicKeyLength(enclavePublicKey);
        return Keccak256.Compute(enclavePublicKey);
    }

    /// <summary>The enclave's address: the last 20 bytes of keccak256 of its public key, as for an Ethereum account.</summary>
    /// <exception cref="AttestationException">The key is not 64 bytes.</exception>
    public static Address EnclaveAddressOf(ReadOnlySpan<byte> enclavePublicKey)
    {
        RequirePublicKeyLength(enclavePublicKey);
        return Address.FromPublicKey(enclavePublicKey);
    }

    /// <summary>The digest the platform signs for this quote on the chain <paramref name="chainId"/> and Enclaves contract.</summary>
    public Hash32 Digest(ulong chainId, Address enclavesContract) =>
        QuoteDigest.Compute(chainId, enclavesContract, Measurement, ReportData, IssuedAt, Nonce);

    /// <summary>The strict <see cref="EncodedSize"/>-byte encoding.</summary>
    public byte[] Encode()
    {
        var bytes = new byte[EncodedSize];
        var span = bytes.AsSpan();
        span[0] = CurrentVersion;
        Measurement.Span.CopyTo(span[1..]);
        ReportData.Span.CopyTo(span[33..]);
        BinaryPrimitives.WriteUInt64BigEndian(span[65..], IssuedAt);
        Nonce.Span.CopyTo(span[73..]);
        PlatformSignature.ToBytes().CopyTo(span[105..]);
        return bytes;
    }

    /// <summary>Decodes the strict encoding.</summary>
    /// <exception cref="AttestationException">The bytes are not a quote; the message says why.</exception>
    public static SimulatedQuote Decode(ReadOnlySpan<byte> bytes)
    {
        if (!TryDecode(bytes, out var quote, out var error))
        {
            throw new AttestationException(error);
        }

        return quote;
    }

    /// <summary>Tries to decode the strict encoding; false, with the reason, for a wrong length, version or signature form.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SimulatedQuote? quote, out string error)
    {
        quote = null;
        if (bytes.Length != EncodedSize)
        {
            error = $"A simulated quote is exactly {EncodedSize} bytes, got {bytes.Length}.";
            return false;
        }

        if (bytes[0] != CurrentVersion)
        {
            error = $"Simulated quote version {bytes[0]} is not supported; only version {CurrentVersion} exists.";
            return false;
        }

        if (!EthSignature.TryFromBytes(bytes[105..], out var signature, out var signatureError))
        {
            error = "The quote's platform signature is malformed: " + signatureError;
            return false;
        }

        quote = new SimulatedQuote(
            new Hash32(bytes.Slice(1, 32)),
            new Hash32(bytes.Slice(33, 32)),
            BinaryPrimitives.ReadUInt64BigEndian(bytes.Slice(65, 8)),
            new Hash32(bytes.Slice(73, 32)),
            signature);
        error = string.Empty;
        return true;
    }

    private static void RequirePublicKeyLength(ReadOnlySpan<byte> enclavePublicKey)
    {
        if (enclavePublicKey.Length != PublicKeySize)
        {
            throw new AttestationException($"An enclave public key is {PublicKeySize} bytes (uncompressed X‖Y without 0x04), got {enclavePublicKey.Length}.");
        }
    }
}
