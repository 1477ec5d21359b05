using System.Globalization;
using System.Text;
using DataTrust.Ledger.Crypto;

namespace DataTrust.Ledger.Signing;

/// <summary>
/// EIP-191 version 0x45 ("personal_sign") messages: the signed hash is
/// keccak256("\x19Ethereum Signed Message:\n" + decimal length + message), so a signature over a
/// message can never be replayed as a transaction signature.
/// </summary>
public static class PersonalMessage
{
    private const string Prefix = "\u0019Ethereum Signed Message:\n";

    /// <summary>The EIP-191 hash of a message.</summary>
    public static Hash32 Hash(ReadOnlySpan<byte> message)
    {
        var header = Encoding.ASCII.GetBytes(Prefix + message.Length.ToString(CultureInfo.InvariantCulture));
        var buffer = new byte[header.Length + message.Length];
        header.CopyTo(buffer, 0);
        message.CopyTo(buffer.AsSpan(header.Length));
        return Keccak256.Compute(buffer);
    }

    /// <summary>The EIP-191 hash of the UTF-8 bytes of a text message.</summary>
    public static Hash32 Hash(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Hash(Encoding.UTF8.GetBytes(message));
    }

    /// <summary>Signs a message with EIP-191; <see cref="EthSignature.ToBytes"/> gives the usual 65-byte form with v = 27/28.</summary>
    public static EthSignature Sign(EthereumKey key, ReadOnlySpan<byte> message)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Sign(Hash(message));
    }

    /// <summary>Signs the UTF-8 bytes of a text message with EIP-191.</summary>
    public static EthSignature Sign(EthereumKey key, string message)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Sign(Hash(message));
    }

    /// <summary>
    /// Recovers who signed <paramref name="message"/> from a 65-byte r‖s‖v signature. False, with the
    /// reason in <paramref name="error"/>, for a malformed, malleated or unrecoverable signature.
    /// </summary>
    public static bool TryRecoverSigner(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature, out Address signer, out string error)
    {
        signer = default;
        if (!EthSignature.TryFromBytes(signature, out var parsed, out error))
        {
            return false;
        }

        if (!parsed.TryRecoverAddress(Hash(message), out signer))
        {
            error = "The signature does not correspond to any public key for this message.";
            return false;
        }

        error = string.Empty;
        return true;
    }

    /// <summary>True when <paramref name="signature"/> is a valid EIP-191 signature of <paramref name="message"/> by <paramref name="expectedSigner"/>.</summary>
    public static bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature, Address expectedSigner) =>
        TryRecoverSigner(message, signature, out var signer, out _) && signer == expectedSigner;
}
