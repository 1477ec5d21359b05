using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace DataTrust.Ledger.Keystore;

/// <summary>
/// Web3 Secret Storage Definition v3 keystore files: a secp256k1 private key encrypted with
/// AES-128-CTR under a key derived from a password by scrypt or PBKDF2-HMAC-SHA256, and a MAC
/// (keccak256 of the derived key's second half and the ciphertext) that tells a wrong password apart
/// before anything is decrypted.
/// </summary>
public static class Keystore
{
    /// <summary>The largest scrypt memory (128·n·r bytes) a file may ask for: 512 MiB, twice the standard setting.</summary>
    public const long MaxScryptMemoryBytes = 512L * 1024 * 1024;

    /// <summary>The largest scrypt work (n·r·p) a file may ask for: 2^24, eight times the standard setting.</summary>
    public const long MaxScryptWork = 1L << 24;

    /// <summary>The largest PBKDF2 iteration count a file may ask for.</summary>
    public const int MaxPbkdf2Iterations = 10_000_000;

    private const int DerivedKeyLength = 32;
    private const int MaxSaltLength = 128;

    /// <summary>Encrypts a key under a password and returns the keystore JSON.</summary>
    /// <exception cref="ArgumentException">The password is empty or the options are out of range.</exception>
    /// <exception cref="ObjectDisposedException">The key has been disposed.</exception>
    public static string Encrypt(EthereumKey key, string password, KeystoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(password);
        options ??= KeystoreOptions.Standard;
        var kdf = options.Kdf == KeystoreKdf.Scrypt
            ? KdfParameters.ForScrypt(options.ScryptN, options.ScryptR, options.ScryptP, RandomNumberGenerator.GetBytes(32))
            : KdfParameters.ForPbkdf2(options.Pbkdf2Iterations, RandomNumberGenerator.GetBytes(32));
        if (kdf.Validate() is { } problem)
        {
            throw new ArgumentException($"The keystore options are out of range: {problem}", nameof(options));
        }

        var iv = RandomNumberGenerator.GetBytes(16);
        var privateKey = new byte[EthereumKey.PrivateKeySize];
        var derived = DeriveKey(password, kdf);
        try
        {
            key.CopyPrivateKeyTo(privateKey);
            var ciphertext = AesCtr(derived.AsSpan(0, 16), iv, privateKey);
            var mac = Mac(derived, ciphertext);
            return Write(key.Address, kdf, iv, ciphertext, mac, NewUuid());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
            CryptographicOperations.ZeroMemory(derived);
        }
    }

    /// <summary>Decrypts a keystore JSON document with its password.</summary>
    /// <exception cref="KeystoreException">
    /// The password is wrong (MAC mismatch); the JSON is corrupt, incomplete or unsupported; the kdf
    /// parameters are absurd; or the decrypted key does not match the file's <c>address</c>.
    /// </exception>
    public static EthereumKey Decrypt(string json, string password)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(password);
        var file = KeystoreFile.Parse(json);
        if (file.Kdf.Validate() is { } problem)
        {
            throw new KeystoreException($"The keystore file asks for unreasonable kdf parameters: {problem} Refusing to run the kdf; the file is corrupt or hostile.");
        }

        var derived = DeriveKey(password, file.Kdf);
        byte[]? privateKey = null;
        try
        {
            // Check the MAC before decrypting, in constant time, so a wrong password is reported as such.
            var mac = Mac(derived, file.Ciphertext);
            if (!CryptographicOperations.FixedTimeEquals(mac, file.Mac))
            {
                throw new KeystoreException("Wrong password: the keystore MAC does not match (or the file's ciphertext was altered).");
            }

            privateKey = AesCtr(derived.AsSpan(0, 16), file.Iv, file.Ciphertext);
            EthereumKey key;
            try
            {
                key = EthereumKey.FromPrivateKey(privateKey);
            }
            catch (SigningException error)
            {
                throw new KeystoreException("The keystore decrypted to a value that is not a valid secp256k1 private key; the file is corrupt.", error);
            }

            if (file.Address is { } expected && expected != key.Address)
            {
                var actual = key.Address;
                key.Dispose();
                throw new KeystoreException($"The decrypted key controls {actual}, but the file says it belongs to {expected}: the file's address field was altered or mixed up.");
            }

            return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(derived);
            if (privateKey is not null)
            {
                CryptographicOperations.ZeroMemory(privateKey);
            }
        }
    }

    /// <summary>The file's <c>address</c> field, read without the password (null when the file has none); the shape of the whole file is checked.</summary>
    /// <exception cref="KeystoreException">The JSON is corrupt, incomplete or unsupported.</exception>
    public static Address? ReadAddress(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return KeystoreFile.Parse(json).Address;
    }

    /// <summary>The conventional file name <c>UTC--&lt;ISO 8601 time&gt;--&lt;address&gt;</c>, as geth writes it.</summary>
    public static string FileName(Address address, DateTimeOffset time) =>
        "UTC--" + time.UtcDateTime.ToString("yyyy-MM-dd'T'HH-mm-ss.fffffff'Z'", CultureInfo.InvariantCulture) + "--" + Hex.EncodeBare(address.Span);

    /// <summary>Encrypts a key and writes it to a new file in <paramref name="directory"/>; returns the file's path.</summary>
    /// <exception cref="ArgumentException">The password is empty or the options are out of range.</exception>
    /// <exception cref="IOException">The file could not be written, or already exists.</exception>
    public static string Save(EthereumKey key, string password, string directory, KeystoreOptions? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var json = Encrypt(key, password, options);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName(key.Address, (time ?? TimeProvider.System).GetUtcNow()));
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        stream.Write(Encoding.UTF8.GetBytes(json));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return path;
    }

    /// <summary>Reads and decrypts a keystore file.</summary>
    /// <exception cref="KeystoreException">See <see cref="Decrypt"/>.</exception>
    /// <exception cref="IOException">The file could not be read.</exception>
    public static EthereumKey Load(string path, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Decrypt(File.ReadAllText(path), password);
    }

    private static byte[] DeriveKey(string password, KdfParameters kdf)
    {
        var passwordBytes = Encoding.UTF8.GetBytes(password);
        try
        {
            if (kdf.Kind == KeystoreKdf.Scrypt)
            {
                return ScryptKdf.Derive(passwordBytes, kdf.Salt, kdf.N, kdf.R, kdf.P, DerivedKeyLength);
            }

            var generator = new Pkcs5S2ParametersGenerator(new Sha256Digest());
            generator.Init(passwordBytes, kdf.Salt, kdf.Iterations);
            var parameter = (KeyParameter)generator.GenerateDerivedMacParameters(DerivedKeyLength * 8);
            return parameter.GetKey();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passwordBytes);
        }
    }

    private static byte[] Mac(ReadOnlySpan<byte> derived, ReadOnlySpan<byte> ciphertext)
    {
        var body = new byte[16 + ciphertext.Length];
        derived[16..32].CopyTo(body);
        ciphertext.CopyTo(body.AsSpan(16));
        var mac = Keccak256.Hash(body);
        CryptographicOperations.ZeroMemory(body);
        return mac;
    }

    private static byte[] AesCtr(ReadOnlySpan<byte> key, byte[] iv, byte[] input)
    {
        var cipher = CipherUtilities.GetCipher("AES/CTR/NoPadding");
        var keyBytes = key.ToArray();
        try
        {
            cipher.Init(true, new ParametersWithIV(new KeyParameter(keyBytes), iv));
            return cipher.DoFinal(input);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyBytes);
        }
    }

    private static string NewUuid()
    {
        // RFC 4122 version 4 from the system CSPRNG.
        var bytes = RandomNumberGenerator.GetBytes(16);
        bytes[6] = (byte)((bytes[6] & 0x0f) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3f) | 0x80);
        var hex = Convert.ToHexStringLower(bytes);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    private static string Write(Address address, KdfParameters kdf, byte[] iv, byte[] ciphertext, byte[] mac, string id)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("address", Hex.EncodeBare(address.Span));
            writer.WriteStartObject("crypto");
            writer.WriteString("cipher", "aes-128-ctr");
            writer.WriteString("ciphertext", Hex.EncodeBare(ciphertext));
            writer.WriteStartObject("cipherparams");
            writer.WriteString("iv", Hex.EncodeBare(iv));
            writer.WriteEndObject();
            writer.WriteString("kdf", kdf.Kind == KeystoreKdf.Scrypt ? "scrypt" : "pbkdf2");
            writer.WriteStartObject("kdfparams");
            writer.WriteNumber("dklen", DerivedKeyLength);
            if (kdf.Kind == KeystoreKdf.Scrypt)
            {
                writer.WriteNumber("n", kdf.N);
                writer.WriteNumber("p", kdf.P);
                writer.WriteNumber("r", kdf.R);
            }
            else
            {
                writer.WriteNumber("c", kdf.Iterations);
                writer.WriteString("prf", "hmac-sha256");
            }

            writer.WriteString("salt", Hex.EncodeBare(kdf.Salt));
            writer.WriteEndObject();
            writer.WriteString("mac", Hex.EncodeBare(mac));
            writer.WriteEndObject();
            writer.WriteString("id", id);
            writer.WriteNumber("version", 3);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The kdf settings of one file, checked against limits before any work is done.</summary>
    internal sealed record KdfParameters(KeystoreKdf Kind, int N, int R, int P, int Iterations, byte[] Salt, int DkLen)
    {
        public static KdfParameters ForScrypt(int n, int r, int p, byte[] salt) => new(KeystoreKdf.Scrypt, n, r, p, 0, salt, DerivedKeyLength);

        public static KdfParameters ForPbkdf2(int iterations, byte[] salt) => new(KeystoreKdf.Pbkdf2, 0, 0, 0, iterations, salt, DerivedKeyLength);

        /// <summary>Null when the parameters are usable, else why not.</summary>
        public string? Validate()
        {
            if (DkLen != DerivedKeyLength)
            {
                return $"dklen is {DkLen}; version 3 files derive exactly {DerivedKeyLength} bytes.";
            }

            if (Salt.Length == 0 || Salt.Length > MaxSaltLength)
            {
                return $"the salt is {Salt.Length} bytes; it must be 1 to {MaxSaltLength}.";
            }

            if (Kind == KeystoreKdf.Pbkdf2)
            {
                return Iterations is < 1 or > MaxPbkdf2Iterations
                    ? $"pbkdf2 c is {Iterations}; it must be 1 to {MaxPbkdf2Iterations}."
                    : null;
            }

            if (N < 2 || (N & (N - 1)) != 0)
            {
                return $"scrypt n is {N}; it must be a power of two, at least 2.";
            }

            if (R < 1 || P < 1)
            {
                return $"scrypt r ({R}) and p ({P}) must be at least 1.";
            }

            if (128L * N * R > MaxScryptMemoryBytes)
            {
                return $"scrypt n = {N}, r = {R} needs {128L * N * R / (1024 * 1024)} MiB; the limit is {MaxScryptMemoryBytes / (1024 * 1024)} MiB.";
            }

            if ((long)N * R * P > MaxScryptWork)
            {
                return $"scrypt n·r·p = {(long)N * R * P} exceeds the limit of {MaxScryptWork}.";
            }

            return null;
        }
    }
}
