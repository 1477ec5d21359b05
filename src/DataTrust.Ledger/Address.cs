using DataTrust.Ledger.Crypto;

namespace DataTrust.Ledger;

/// <summary>A 20-byte Ethereum account address, printed with its EIP-55 mixed-case checksum.</summary>
public readonly struct Address : IEquatable<Address>
{
    /// <summary>The length in bytes.</summary>
    public const int Size = 20;

    // Held in an array that never escapes, so the struct stays immutable; default(T) has none.
    private readonly byte[]? _value;

    private ReadOnlySpan<byte> Bytes => _value ?? new byte[Size];

    /// <summary>The zero address.</summary>
    public static Address Zero => default;

    /// <summary>Creates an address from exactly 20 bytes.</summary>
    /// <exception cref="ArgumentException">The span is not 20 bytes long.</exception>
    public Address(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"An address needs exactly 20 bytes, got {bytes.Length}.", nameof(bytes));
        }

        _value = bytes.ToArray();
    }

    /// <summary>The bytes, as a read-only span over this value.</summary>
    public ReadOnlySpan<byte> Span => Bytes;

    /// <summary>A fresh copy of the bytes.</summary>
    public byte[] ToArray() => Bytes.ToArray();

    /// <summary>True for the zero address.</summary>
    public bool IsZero => Bytes.IndexOfAnyExcept((byte)0) < 0;

    /// <summary>The address of the account that owns an uncompressed secp256k1 public key (64 bytes, X‖Y, no 0x04 prefix).</summary>
    public static Address FromPublicKey(ReadOnlySpan<byte> publicKeyXY)
    {
        if (publicKeyXY.Length != 64)
        {
            throw new ArgumentException($"An uncompressed public key without its 0x04 prefix is 64 bytes, got {publicKeyXY.Length}.", nameof(publicKeyXY));
        }

        Span<byte> hash = stackalloc byte[Keccak256.Size];
        Keccak256.Hash(publicKeyXY, hash);
        return new Address(hash[12..]);
    }

    /// <summary>
    /// Parses 40 hex digits with an optional <c>0x</c> prefix. All-lowercase and all-uppercase text is
    /// accepted as is; mixed case must carry a valid EIP-55 checksum, so a mistyped address is caught.
    /// </summary>
    /// <exception cref="FormatException">The text is not an address, or its checksum is wrong.</exception>
    public static Address Parse(string text)
    {
        if (!TryParse(text, out var address, out var error))
        {
            throw new FormatException(error);
        }

        return address;
    }

    /// <summary>Tries to parse an address; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(string? text, out Address address, out string error)
    {
        address = default;
        if (text is null)
        {
            error = "No address was given.";
            return false;
        }

        var digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        if (digits.Length != 40 || !Hex.TryDecode(digits, out var bytes))
        {
            error = $"'{text}' is not an address: an address is 40 hex digits, optionally prefixed by 0x.";
            return false;
        }

        address = new Address(bytes);
        var hasLower = digits.Any(char.IsLower);
        var hasUpper = digits.Any(char.IsUpper);
        if (hasLower && hasUpper && address.ToString()[2..] != digits)
        {
            address = default;
            error = $"'{text}' has a wrong EIP-55 checksum (mixed case that does not match): check the address for a typo.";
            return false;
        }

        error = string.Empty;
        return true;
    }

    /// <summary>The EIP-55 checksummed form, with a <c>0x</c> prefix.</summary>
    public override string ToString()
    {
        // EIP-55: uppercase the i-th hex letter when the i-th nibble of keccak(lowercase hex) is >= 8.
        var lower = Convert.ToHexStringLower(Bytes);
        var hash = Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(lower));
        return string.Create(42, (lower, hash), static (chars, state) =>
        {
            chars[0] = '0';
            chars[1] = 'x';
            for (var i = 0; i < 40; i++)
            {
                var c = state.lower[i];
                var nibble = (i % 2 == 0) ? state.hash[i / 2] >> 4 : state.hash[i / 2] & 0x0f;
                chars[i + 2] = c >= 'a' && nibble >= 8 ? char.ToUpperInvariant(c) : c;
            }
        });
    }

    /// <summary>Lowercase hex with a <c>0x</c> prefix (the form JSON-RPC accepts everywhere).</summary>
    public string ToLowerHex() => Hex.Encode(Bytes);

    /// <inheritdoc/>
    public bool Equals(Address other) => Bytes.SequenceEqual(other.Bytes);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Address other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => BitConverter.ToInt32(Bytes[..4]);

    /// <summary>Equality by value.</summary>
    public static bool operator ==(Address left, Address right) => left.Equals(right);

    /// <summary>Inequality by value.</summary>
    public static bool operator !=(Address left, Address right) => !left.Equals(right);

}
