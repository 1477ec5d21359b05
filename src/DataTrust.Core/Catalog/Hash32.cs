using System.Security.Cryptography;

namespace DataTrust.Core.Catalog;

/// <summary>A 32-byte hash (a Solidity <c>bytes32</c>), compared by value.</summary>
public readonly struct Hash32 : IEquatable<Hash32>
{
    private readonly byte[]? bytes;

    /// <summary>Copies exactly 32 bytes.</summary>
    /// <exception cref="ArgumentException">The span is not 32 bytes long.</exception>
    public Hash32(ReadOnlySpan<byte> value)
    {
        if (value.Length != 32)
        {
            throw new ArgumentException("A bytes32 hash is exactly 32 bytes long.", nameof(value));
        }

        bytes = value.ToArray();
    }

    /// <summary>The 32 bytes (all zero for <c>default</c>).</summary>
    public ReadOnlySpan<byte> Bytes => bytes ?? new byte[32];

    /// <summary>The hash as a new array.</summary>
    public byte[] ToArray() => Bytes.ToArray();

    /// <summary>SHA-256 of <paramref name="data"/>.</summary>
    public static Hash32 Sha256(ReadOnlySpan<byte> data) => new(SHA256.HashData(data));

    /// <summary>Parses 64 hex digits, with or without a <c>0x</c> prefix.</summary>
    /// <exception cref="FormatException">The text is not 64 hex digits.</exception>
    public static Hash32 Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        var digits = hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex[2..] : hex;
        if (digits.Length != 64)
        {
            throw new FormatException("A bytes32 hash is written as 64 hex digits (optionally prefixed with 0x).");
        }

        return new Hash32(Convert.FromHexString(digits));
    }

    /// <inheritdoc />
    public bool Equals(Hash32 other) => Bytes.SequenceEqual(other.Bytes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Hash32 other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => BitConverter.ToInt32(Bytes[..4]);

    /// <summary>Lower-case hex with a <c>0x</c> prefix.</summary>
    public override string ToString() => "0x" + Convert.ToHexStringLower(Bytes);

    /// <summary>Value equality.</summary>
    public static bool operator ==(Hash32 left, Hash32 right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(Hash32 left, Hash32 right) => !left.Equals(right);
}
