using Org.BouncyCastle.Crypto.Digests;

namespace DataTrust.Ledger.Crypto;

/// <summary>Keccak-256 as Ethereum uses it (the original Keccak padding, not NIST SHA3-256).</summary>
public static class Keccak256
{
    /// <summary>The digest length in bytes.</summary>
    public const int Size = 32;

    /// <summary>Hashes the input and returns the 32-byte digest.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> input)
    {
        var output = new byte[Size];
        Hash(input, output);
        return output;
    }

    /// <summary>Hashes the input into <paramref name="destination"/>, which must hold 32 bytes.</summary>
    public static void Hash(ReadOnlySpan<byte> input, Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes; Keccak-256 writes {Size}.", nameof(destination));
        }

        var digest = new KeccakDigest(256);
        digest.BlockUpdate(input);
        digest.DoFinal(destination);
    }

    /// <summary>Hashes the UTF-8 bytes of a string (for selectors and event topics).</summary>
    public static byte[] Hash(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Hash(System.Text.Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Hashes the input and returns the digest as a <see cref="Hash32"/>.</summary>
    public static Hash32 Compute(ReadOnlySpan<byte> input) => new(Hash(input));
}
