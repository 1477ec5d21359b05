using System.Security.Cryptography;
using DataTrust.Ledger.Signing;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;
using ECPoint = Org.BouncyCastle.Math.EC.ECPoint;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace DataTrust.Ledger.Attestation;

/// <summary>The primitives of the sealed stream, all from BouncyCastle: ECDH on secp256k1, HKDF-SHA256, AES-256-GCM.</summary>
internal static class SealedStreamCrypto
{
    /// <summary>The AES-256 key length.</summary>
    public const int KeySize = 32;

    /// <summary>The GCM nonce length (96 bits, NIST SP 800-38D's recommended length).</summary>
    public const int NonceSize = 12;

    /// <summary>The GCM tag length.</summary>
    public const int TagSize = 16;

    /// <summary>True when the 64 bytes X‖Y are a point of secp256k1 (not infinity).</summary>
    public static bool IsOnCurve(ReadOnlySpan<byte> publicKeyXY) => TryDecodePoint(publicKeyXY, out _);

    /// <summary>Decodes 64 bytes X‖Y into a validated curve point.</summary>
    public static bool TryDecodePoint(ReadOnlySpan<byte> publicKeyXY, out ECPoint point)
    {
        point = Secp256k1.Domain.Curve.Infinity;
        if (publicKeyXY.Length != SimulatedQuote.PublicKeySize)
        {
            return false;
        }

        var encoded = new byte[65];
        encoded[0] = 0x04;
        publicKeyXY.CopyTo(encoded.AsSpan(1));
        try
        {
            // DecodePoint checks that the point satisfies the curve equation (ECPoint.IsValid).
            point = Secp256k1.Domain.Curve.DecodePoint(encoded);
            return !point.IsInfinity && point.IsValid();
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// ECDH (SEC 1 §3.3.1) with BouncyCastle's ECDHBasicAgreement: the x coordinate of d·Q as 32 big-endian bytes.
    /// </summary>
    public static byte[] SharedSecret(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> peerPublicKeyXY)
    {
        if (!TryDecodePoint(peerPublicKeyXY, out var peer))
        {
            throw new SealedStreamException("The peer's public key is not a point of secp256k1.");
        }

        var agreement = new ECDHBasicAgreement();
        agreement.Init(new ECPrivateKeyParameters(new BcBigInteger(1, privateKey.ToArray()), Secp256k1.Domain));
        var x = agreement.CalculateAgreement(new ECPublicKeyParameters(peer, Secp256k1.Domain));
        var secret = new byte[32];
        Secp256k1.WriteScalar(x, secret);
        return secret;
    }

    /// <summary>HKDF-SHA256 (RFC 5869) with BouncyCastle's HkdfBytesGenerator.</summary>
    public static byte[] Hkdf(ReadOnlySpan<byte> inputKeyMaterial, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, int length)
    {
        var generator = new HkdfBytesGenerator(new Sha256Digest());
        generator.Init(new HkdfParameters(inputKeyMaterial.ToArray(), salt.ToArray(), info.ToArray()));
        var output = new byte[length];
        generator.GenerateBytes(output, 0, length);
        return output;
    }

    /// <summary>The release key: HKDF-SHA256 over the ECDH secret with the header's salt and the context's info.</summary>
    public static byte[] DeriveKey(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> peerPublicKeyXY, ReadOnlySpan<byte> salt, SealedStreamContext context)
    {
        var secret = SharedSecret(privateKey, peerPublicKeyXY);
        try
        {
            return Hkdf(secret, salt, context.Info(), KeySize);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>AES-256-GCM encryption with BouncyCastle's GcmBlockCipher; returns ciphertext ‖ tag.</summary>
    public static byte[] Encrypt(byte[] key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext) =>
        Run(forEncryption: true, key, nonce, aad, plaintext);

    /// <summary>AES-256-GCM decryption of ciphertext ‖ tag; throws <see cref="SealedStreamException"/> when the tag does not verify.</summary>
    public static byte[] Decrypt(byte[] key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertextAndTag)
    {
        try
        {
            return Run(forEncryption: false, key, nonce, aad, ciphertextAndTag);
        }
        catch (Org.BouncyCastle.Crypto.InvalidCipherTextException e)
        {
            throw new SealedStreamException("A sealed chunk failed authentication: it was altered, reordered, duplicated, or sealed for another job, quote, dataset or key.", e);
        }
    }

    private static byte[] Run(bool forEncryption, byte[] key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> input)
    {
        var cipher = new GcmBlockCipher(new Org.BouncyCastle.Crypto.Engines.AesEngine());
        cipher.Init(forEncryption, new AeadParameters(new KeyParameter(key), TagSize * 8, nonce.ToArray(), aad.ToArray()));
        var output = new byte[cipher.GetOutputSize(input.Length)];
        var written = cipher.ProcessBytes(input, output);
        written += cipher.DoFinal(output.AsSpan(written));
        return written == output.Length ? output : output[..written];
    }
}
