namespace DataTrust.Ledger.Keystore;

/// <summary>The key-derivation function a keystore file uses.</summary>
public enum KeystoreKdf
{
    /// <summary>scrypt (memory-hard; the default).</summary>
    Scrypt,

    /// <summary>PBKDF2 with HMAC-SHA256.</summary>
    Pbkdf2,
}

/// <summary>How <see cref="Keystore.Encrypt"/> derives the encryption key from the password.</summary>
public sealed record KeystoreOptions
{
    /// <summary>The standard strength: scrypt n = 262144, r = 8, p = 1 (256 MiB, about a second).</summary>
    public static KeystoreOptions Standard { get; } = new();

    /// <summary>A light setting for tests and demos: scrypt n = 4096, r = 8, p = 1. Not for real funds.</summary>
    public static KeystoreOptions Light { get; } = new() { ScryptN = 4096 };

    /// <summary>The key-derivation function.</summary>
    public KeystoreKdf Kdf { get; init; } = KeystoreKdf.Scrypt;

    /// <summary>scrypt CPU/memory cost n, a power of two.</summary>
    public int ScryptN { get; init; } = 262144;

    /// <summary>scrypt block size r.</summary>
    public int ScryptR { get; init; } = 8;

    /// <summary>scrypt parallelism p.</summary>
    public int ScryptP { get; init; } = 1;

    /// <summary>PBKDF2 iteration count c.</summary>
    public int Pbkdf2Iterations { get; init; } = 262144;
}
