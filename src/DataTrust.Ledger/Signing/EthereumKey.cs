using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Utilities;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace DataTrust.Ledger.Signing;

/// <summary>
/// A secp256k1 private key and the Ethereum account it controls. Signs 32-byte hashes with RFC 6979
/// deterministic nonces and low-s normalisation (EIP-2). Zeroes its private bytes on
/// <see cref="Dispose"/> and never prints them.
/// </summary>
public sealed class EthereumKey : IDisposable
{
    /// <summary>The length of a private key in bytes.</summary>
    public const int PrivateKeySize = 32;

    private readonly byte[] _privateKey;
    private readonly byte[] _publicKey;
    private bool _disposed;

    private EthereumKey(byte[] privateKey)
    {
        _privateKey = privateKey;
        var d = new BcBigInteger(1, privateKey);
        _publicKey = Secp256k1.EncodeXY(Secp256k1.MultiplyG(d));
        Address = Address.FromPublicKey(_publicKey);
    }

    /// <summary>The account address (the last 20 bytes of keccak256 of the public key).</summary>
    public Address Address { get; }

    /// <summary>The uncompressed public key, 64 bytes X‖Y without the 0x04 prefix.</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    /// <summary>Creates a fresh key from <see cref="RandomNumberGenerator"/>, redrawing values outside [1, n-1].</summary>
    public static EthereumKey Generate()
    {
        var candidate = new byte[PrivateKeySize];
        while (true)
        {
            RandomNumberGenerator.Fill(candidate);
            if (IsValidPrivateKey(candidate))
            {
                return new EthereumKey(candidate);
            }
        }
    }

    /// <summary>Creates a key from its 32 big-endian bytes (the bytes are copied).</summary>
    /// <exception cref="SigningException">The bytes are not 32 long, or the value is 0 or not below the group order n.</exception>
    public static EthereumKey FromPrivateKey(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != PrivateKeySize)
        {
            throw new SigningException($"A secp256k1 private key is {PrivateKeySize} bytes, got {privateKey.Length}.");
        }

        if (!IsValidPrivateKey(privateKey))
        {
            throw new SigningException("A secp256k1 private key must be in [1, n-1]; this value is zero or not below the group order.");
        }

        return new EthereumKey(privateKey.ToArray());
    }

    /// <summary>Creates a key from 64 hex digits (optionally <c>0x</c>-prefixed).</summary>
    /// <exception cref="SigningException">The text is not 32 bytes of hex or not a valid key.</exception>
    public static EthereumKey FromPrivateKeyHex(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (!Hex.TryDecode(hex, out var bytes))
        {
            throw new SigningException("A private key must be given as 64 hex digits.");
        }

        try
        {
            return FromPrivateKey(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>
    /// Signs a 32-byte hash: ECDSA with an RFC 6979 nonce (HMAC-SHA256), s normalised to the lower half
    /// of the group order (EIP-2) with the recovery id flipped to match.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The key has been disposed.</exception>
    public EthSignature Sign(Hash32 hash)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var digest = hash.ToArray();
        var n = Secp256k1.N;
        var d = new BcBigInteger(1, _privateKey);
        var e = new BcBigInteger(1, digest);

        // ECDSA signing (SEC 1 §4.1.3) assembled from BouncyCastle's parts: its RFC 6979 nonce
        // generator, its fixed-point comb for k·G and its modular arithmetic. ECDsaSigner computes the
        // same (r, s) but discards R, and the recovery id needs R's y parity; recovering it afterwards
        // costs a second scalar multiplication per signature. Tests check equality with ECDsaSigner.
        var nonces = new HMacDsaKCalculator(new Sha256Digest());
        nonces.Init(n, d, digest);
        while (true)
        {
            var k = nonces.NextK();
            var point = Secp256k1.MultiplyG(k);
            var x = point.AffineXCoord.ToBigInteger();
            var r = x.Mod(n);
            if (r.SignValue == 0)
            {
                continue;
            }

            var s = BigIntegers.ModOddInverse(n, k).Multiply(e.Add(d.Multiply(r))).Mod(n);
            if (s.SignValue == 0)
            {
                continue;
            }

            if (x.CompareTo(n) >= 0)
            {
                // Recovery ids 2 and 3 (R.x ≥ n) occur with probability below 2^-127; Ethereum has no
                // encoding for them.
                throw new SigningException("The signature's R point has an x-coordinate above n, which Ethereum cannot encode; sign a different message.");
            }

            var yParity = point.AffineYCoord.TestBitZero() ? 1 : 0;
            if (s.CompareTo(Secp256k1.HalfN) > 0)
            {
                // EIP-2: (r, n - s) is the same signature with R negated, so y's parity flips.
                s = n.Subtract(s);
                yParity ^= 1;
            }

            return EthSignature.FromComponents(r, s, yParity);
        }
    }

    /// <summary>Copies the private key into <paramref name="destination"/> (for the keystore); the caller must zero it.</summary>
    internal void CopyPrivateKeyTo(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _privateKey.CopyTo(destination);
    }

    /// <summary>Zeroes the private key bytes; the key cannot sign afterwards.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_privateKey);
        _disposed = true;
    }

    /// <summary>Names the account only; the private key is never shown.</summary>
    public override string ToString() => $"EthereumKey({Address})";

    private static bool IsValidPrivateKey(ReadOnlySpan<byte> candidate)
    {
        var d = new BcBigInteger(1, candidate.ToArray());
        return d.SignValue > 0 && d.CompareTo(Secp256k1.N) < 0;
    }
}
