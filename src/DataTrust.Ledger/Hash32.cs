
namespace DataTrust.Ledger;

/// <summary>A 32-byte value: a Keccak-256 digest, a transaction hash, a <c>bytes32</c> word.</summary>
public readonly struct Hash32 : IEquatable<Hash32>
{
    /// <summary>The length in bytes.</summary>
    public const int Size = 32;

    // Held in an array that never escapes, so the struct stays immutable; default(T) has none.
    private readonly byte[]? _value;

    private ReadOnlySpan<byte> Bytes => _value ?? new byte[Size];

    /// <summary>The all-zero value.</summary>
    public static Hash32 Zero => default;

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

    /// <summary>The bytes, as a read-only span over this value.</summary>
    public ReadOnlySpan<byte> Span => Bytes;

    /// <summary>A fresh copy of the bytes.</summary>
    public byte[] ToArray() => Bytes.ToArray();

    /// <summary>True when every byte is zero.</summary>
    public bool IsZero => Bytes.IndexOfAnyExcept((byte)0) < 0;

    /// <summary>Parses <c>0x</c>-prefixed (or bare) hex of exactly 64 digits.</summary>
    /// <exception cref="FormatException">The text is not 32 bytes of hex.</exception>
    public static Hash32 Parse(string text)
    {
        var bytes = Hex.Decode(text);
        if (bytes.Length != Size)
        {
            throw new FormatException($"A 32-byte hash is 64 hex digits; '{text}' has {bytes.Length * 2}.");
        }

        return new Hash32(bytes);
    }

    /// <inheritdoc/>
    public bool Equals(Hash32 other) => Bytes.SequenceEqual(other.Bytes);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Hash32 other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => BitConverter.ToInt32(Bytes[..4]);

    /// <summary>Lowercase hex with a <c>0x</c> prefix.</summary>
    public override string ToString() => Hex.Encode(Bytes);

    /// <summary>Equality by value.</summary>
    public static bool operator ==(Hash32 left, Hash32 right) => left.Equals(right);

    /// <summary>Inequality by value.</summary>
    public static bool operator !=(Hash32 left, Hash32 right) => !left.Equals(right);

}
