using System.Reflection;
using Org.BouncyCastle.Crypto.Generators;

namespace DataTrust.Ledger.Keystore;

/// <summary>
/// scrypt through BouncyCastle. BouncyCastle's public entry point enforces RFC 7914's
/// "N &lt; 2^(128·r/8)", which for r = 1 means N &lt; 65536; the Web3 Secret Storage test vector (and
/// files some older wallets wrote) use r = 1 with N = 262144, which geth and Go's x/crypto accept. For
/// exactly that case the same BouncyCastle implementation is invoked below its parameter check (its
/// internal MFcrypt), so no primitive is re-implemented here; every other case uses the public API.
/// </summary>
internal static class ScryptKdf
{
    private static readonly Lazy<MethodInfo?> Unchecked = new(() =>
        typeof(SCrypt).GetMethod("MFcrypt", BindingFlags.NonPublic | BindingFlags.Static, [typeof(byte[]), typeof(byte[]), typeof(int), typeof(int), typeof(int), typeof(int)]));

    public static byte[] Derive(byte[] password, byte[] salt, int n, int r, int p, int dkLen)
    {
        if (!(r == 1 && n >= 65536))
        {
            try
            {
                return SCrypt.Generate(password, salt, n, r, p, dkLen);
            }
            catch (ArgumentException error)
            {
                // BouncyCastle refuses some shapes within our limits (e.g. n = 16, r = 1140) with a buffer error.
                throw new KeystoreException($"scrypt cannot derive a key with this keystore's n = {n}, r = {r}, p = {p}: {error.Message} The file is corrupt or was written by an unusual tool; re-encrypt the key with r = 8.", error);
            }
        }

        var method = Unchecked.Value
            ?? throw new KeystoreException($"This keystore uses scrypt with r = 1 and n = {n}, beyond RFC 7914's limit for r = 1, and the crypto library in use cannot derive it; re-encrypt the key with r = 8.");
        try
        {
            return (byte[])method.Invoke(null, [password, salt, n, r, p, dkLen])!;
        }
        catch (TargetInvocationException error) when (error.InnerException is not null)
        {
            throw new KeystoreException("scrypt failed for this keystore's parameters: " + error.InnerException.Message, error.InnerException);
        }
    }
}
