using System.Security.Cryptography;

namespace DataTrust.Core;

/// <summary>
/// A 32-byte value compared by value: a Keccak-256 or SHA-256 digest, a transaction hash, a Solidity <c>bytes32</c>.
/// </summary>
public readonly struct Hash32 : IEquatable<Hash32>
{
    /// <summary>The length in bytes.</summary>
    public const int Size = 32;

    // Held in an array that never escapes, so the struct stays immutable; default(Hash32) has none and reads as zero.
    private readonly byte[]? _value;

    /// <summary>Creates a value from exactly 32 bytes.</summary>
    /// <exception cref="ArgumentException">The span is not 32 bytes long.</exception>
    public Hash32(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A 32-byte hash needs exactly 32 bytes, got {bytes.Length}.", nameof(bytes));
        }

        _value = bytes.ToArray();
    }

    /// <summary>The all-zero value.</summary>
    public static Hash32 Zero => default;

    /// <summary>The bytes (all zero for <c>default</c>).</summary>
    public ReadOnlySpan<byte> Span => _value ?? new byte[Size];

    /// <summary>The bytes (all zero for <c>default</c>); the same as <see cref="Span"/>.</summary>
    public ReadOnlySpan<byte> Bytes => Span;

    /// <summary>True when every byte is zero.</summary>
    public bool IsZero => Span.IndexOfAnyExcept((byte)0) < 0;

    /// <summary>A fresh copy of the bytes.</summary>
    public byte[] ToArray() => Span.ToArray();

    /// <summary>SHA-256 of <paramref name="data"/>.</summary>
    public static Hash32 Sha256(ReadOnlySpan<byte> data) => new(SHA256.HashData(data));

    /// <summary>Parses 64 hex digits, with or without a <c>0x</c> prefix.</summary>
    /// <exception cref="FormatException">The text is not 32 bytes of hex.</exception>
    public static Hash32 Parse(string text)
    {
        if (!TryParse(text, out var hash))
        {
            throw new FormatException($"A 32-byte hash is written as 64 hex digits (optionally prefixed with 0x); '{Shorten(text)}' is not.");
        }

        return hash;
    }

    /// <summary>Tries to parse 64 hex digits, with or without a <c>0x</c> prefix.</summary>
    public static bool TryParse(string? text, out Hash32 hash)
    {
        hash = default;
        if (text is null)
        {
            return false;
        }

        var digits = text.AsSpan();
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            digits = digits[2..];
        }

        Span<byte> bytes = stackalloc byte[Size];
        if (digits.Length != Size * 2
            || Convert.FromHexString(digits, bytes, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != Size)
        {
            return false;
        }

        hash = new Hash32(bytes);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(Hash32 other) => Span.SequenceEqual(other.Span);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Hash32 other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => BitConverter.ToInt32(Span[..4]);

    /// <summary>Lowercase hex with a <c>0x</c> prefix.</summary>
    public override string ToString() => "0x" + Convert.ToHexStringLower(Span);

    /// <summary>Equality by value.</summary>
    public static bool operator ==(Hash32 left, Hash32 right) => left.Equals(right);

    /// <summary>Inequality by value.</summary>
    public static bool operator !=(Hash32 left, Hash32 right) => !left.Equals(right);

    private static string Shorten(string? text) => text is null ? "(null)" : text.Length <= 80 ? text : text[..77] + "...";
}
