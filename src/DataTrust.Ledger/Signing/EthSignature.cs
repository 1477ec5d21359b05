using System.Numerics;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace DataTrust.Ledger.Signing;

/// <summary>
/// A secp256k1 ECDSA signature as Ethereum uses it: (r, s, yParity) with 0 &lt; r, s &lt; n and, per EIP-2,
/// s ≤ n/2. An instance is always well formed; whether it signs a given hash is learned by recovering
/// its signer.
/// </summary>
public sealed class EthSignature : IEquatable<EthSignature>
{
    /// <summary>The length of the r‖s‖v encoding.</summary>
    public const int Size = 65;

    private readonly BcBigInteger _r;
    private readonly BcBigInteger _s;

    private EthSignature(BcBigInteger r, BcBigInteger s, int yParity)
    {
        _r = r;
        _s = s;
        YParity = yParity;
    }

    /// <summary>The x-coordinate of the signature's point R, modulo n.</summary>
    public BigInteger R => ToSystem(_r);

    /// <summary>The s value, always in the lower half of the group order.</summary>
    public BigInteger S => ToSystem(_s);

    /// <summary>The parity of R's y-coordinate (0 or 1): the recovery id, and the EIP-1559/2930 <c>yParity</c>.</summary>
    public int YParity { get; }

    /// <summary>The pre-EIP-155 v value, 27 + yParity (used by EIP-191 personal signatures).</summary>
    public byte V => (byte)(27 + YParity);

    /// <summary>Creates a signature from its parts, checking every range rule.</summary>
    /// <exception cref="SigningException">r or s is zero or not below n, s is in the upper half (EIP-2), or yParity is not 0 or 1.</exception>
    public static EthSignature Create(BigInteger r, BigInteger s, int yParity)
    {
        if (!TryCreate(r, s, yParity, out var signature, out var error))
        {
            throw new SigningException(error);
        }

        return signature;
    }

    /// <summary>Tries to create a signature from its parts; on failure <paramref name="error"/> says which rule failed.</summary>
    public static bool TryCreate(BigInteger r, BigInteger s, int yParity, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EthSignature? signature, out string error)
    {
        signature = null;
        if (r.Sign < 0 || s.Sign < 0 || r.GetByteCount(isUnsigned: true) > 32 || s.GetByteCount(isUnsigned: true) > 32)
        {
            error = "Signature r and s must be non-negative 256-bit integers.";
            return false;
        }

        return TryCreate(FromSystem(r), FromSystem(s), yParity, out signature, out error);
    }

    /// <summary>Parses the 65-byte r‖s‖v form, v in {27, 28} (or {0, 1}).</summary>
    /// <exception cref="SigningException">The bytes are not a valid signature; the message says why.</exception>
    public static EthSignature FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (!TryFromBytes(bytes, out var signature, out var error))
        {
            throw new SigningException(error);
        }

        return signature;
    }

    /// <summary>Tries to parse the 65-byte r‖s‖v form; on failure <paramref name="error"/> says why.</summary>
    public static bool TryFromBytes(ReadOnlySpan<byte> bytes, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EthSignature? signature, out string error)
    {
        signature = null;
        if (bytes.Length != Size)
        {
            error = $"A signature is {Size} bytes (r‖s‖v), got {bytes.Length}.";
            return false;
        }

        var v = bytes[64];
        int yParity;
        switch (v)
        {
            case 0 or 1:
                yParity = v;
                break;
            case 27 or 28:
                yParity = v - 27;
                break;
            default:
                error = $"Signature v is {v}; it must be 27 or 28 (or 0 or 1).";
                return false;
        }

        var r = new BcBigInteger(1, bytes[..32].ToArray());
        var s = new BcBigInteger(1, bytes[32..64].ToArray());
        return TryCreate(r, s, yParity, out signature, out error);
    }

    /// <summary>Parses <c>0x</c>-prefixed hex of the 65-byte form.</summary>
    /// <exception cref="SigningException">The text is not hex of a valid signature.</exception>
    public static EthSignature Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (!Hex.TryDecode(hex, out var bytes))
        {
            throw new SigningException("A signature must be given as hex of its 65 bytes (r‖s‖v).");
        }

        return FromBytes(bytes);
    }

    /// <summary>The 65-byte r‖s‖v encoding with v = 27 + yParity.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[Size];
        Secp256k1.WriteScalar(_r, bytes.AsSpan(0, 32));
        Secp256k1.WriteScalar(_s, bytes.AsSpan(32, 32));
        bytes[64] = V;
        return bytes;
    }

    /// <summary>r as 32 big-endian bytes.</summary>
    public byte[] RBytes()
    {
        var bytes = new byte[32];
        Secp256k1.WriteScalar(_r, bytes);
        return bytes;
    }

    /// <summary>s as 32 big-endian bytes.</summary>
    public byte[] SBytes()
    {
        var bytes = new byte[32];
        Secp256k1.WriteScalar(_s, bytes);
        return bytes;
    }

    /// <summary>
    /// Recovers the 64-byte public key (X‖Y) that produced this signature over <paramref name="hash"/>.
    /// False when no key does; that is an expected outcome for untrusted input, not an error.
    /// </summary>
    public bool TryRecoverPublicKey(Hash32 hash, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? publicKey)
    {
        publicKey = null;
        if (!Secp256k1.TryRecover(hash.Span, _r, _s, YParity, out var point))
        {
            return false;
        }

        publicKey = Secp256k1.EncodeXY(point);
        return true;
    }

    /// <summary>Recovers the address of the account that signed <paramref name="hash"/>; false when no key did.</summary>
    public bool TryRecoverAddress(Hash32 hash, out Address address)
    {
        address = default;
        if (!TryRecoverPublicKey(hash, out var publicKey))
        {
            return false;
        }

        address = Address.FromPublicKey(publicKey);
        return true;
    }

    /// <summary>Recovers the signer's address.</summary>
    /// <exception cref="SigningException">No public key produces this signature over the hash.</exception>
    public Address RecoverAddress(Hash32 hash)
    {
        if (!TryRecoverAddress(hash, out var address))
        {
            throw new SigningException($"No public key produces this signature over {hash}: the signature is invalid.");
        }

        return address;
    }

    /// <summary>The 65-byte form as <c>0x</c>-prefixed hex.</summary>
    public string ToHex() => Hex.Encode(ToBytes());

    /// <summary>The 65-byte form as hex.</summary>
    public override string ToString() => ToHex();

    /// <inheritdoc/>
    public bool Equals(EthSignature? other) =>
        other is not null && _r.Equals(other._r) && _s.Equals(other._s) && YParity == other.YParity;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as EthSignature);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_r.GetHashCode(), _s.GetHashCode(), YParity);

    internal static EthSignature FromComponents(BcBigInteger r, BcBigInteger s, int yParity) => new(r, s, yParity);

    internal static bool TryCreate(BcBigInteger r, BcBigInteger s, int yParity, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EthSignature? signature, out string error)
    {
        signature = null;
        if (yParity is not (0 or 1))
        {
            error = $"Signature yParity is {yParity}; it must be 0 or 1.";
            return false;
        }

        if (r.SignValue <= 0 || r.CompareTo(Secp256k1.N) >= 0)
        {
            error = "Signature r must be in [1, n-1] of secp256k1; this one is zero or too large.";
            return false;
        }

        if (s.SignValue <= 0 || s.CompareTo(Secp256k1.N) >= 0)
        {
            error = "Signature s must be in [1, n-1] of secp256k1; this one is zero or too large.";
            return false;
        }

        if (s.CompareTo(Secp256k1.HalfN) > 0)
        {
            error = "Signature s is in the upper half of the group order; EIP-2 accepts only s ≤ n/2 (a malleated signature).";
            return false;
        }

        signature = new EthSignature(r, s, yParity);
        error = string.Empty;
        return true;
    }

    private static BigInteger ToSystem(BcBigInteger value) =>
        new(value.ToByteArrayUnsigned(), isUnsigned: true, isBigEndian: true);

    private static BcBigInteger FromSystem(BigInteger value) =>
        new(1, value.ToByteArray(isUnsigned: true, isBigEndian: true));
}
