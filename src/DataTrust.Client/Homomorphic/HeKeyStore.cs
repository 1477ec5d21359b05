using System.Buffers.Binary;
using System.Security.Cryptography;
using DataTrust.Ledger;

namespace DataTrust.Client.Homomorphic;

/// <summary>
/// An enterprise's BFV secret key as read from its key file: the parameters, the secret key bytes, and the random id
/// that names this key in the enterprise's job records. Zeroes the secret bytes on dispose and never prints them.
/// </summary>
public sealed class StoredHeKey : IDisposable
{
    private byte[]? _secretKey;

    internal StoredHeKey(Address account, string keyId, byte[] parameters, byte[] secretKey)
    {
        Account = account;
        KeyId = keyId;
        Parameters = parameters;
        _secretKey = secretKey;
    }

    /// <summary>The account the key belongs to.</summary>
    public Address Account { get; }

    /// <summary>A random id (32 hex digits) chosen when the key was made; job records name the key they were made with.</summary>
    public string KeyId { get; }

    /// <summary>The BFV parameters (BfvSerializer format).</summary>
    public byte[] Parameters { get; }

    /// <summary>The secret key bytes (BfvSerializer format).</summary>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public ReadOnlySpan<byte> SecretKey => _secretKey ?? throw new ObjectDisposedException(nameof(StoredHeKey));

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_secretKey is not null)
        {
            CryptographicOperations.ZeroMemory(_secretKey);
            _secretKey = null;
        }
    }

    /// <summary>Names the key without any secret.</summary>
    public override string ToString() => $"StoredHeKey({Account}, id {KeyId}, secret redacted)";
}

/// <summary>
/// Where an enterprise keeps its BFV secret keys: <c>&lt;data directory&gt;/he/&lt;account&gt;.bfv</c>, one per account,
/// readable by its owner only (mode 0600 in a 0700 folder on Unix), written atomically, never sent and never printed.
/// File layout: the 8 bytes <c>DTHEKEY1</c>, the 20-byte account, the 16-byte key id, the parameters and the secret
/// key (each a 4-byte big-endian length and the bytes), then SHA-256 of everything before it, so a damaged file is
/// refused instead of decrypting to nonsense.
/// </summary>
public sealed class HeKeyStore
{
    /// <summary>The default data directory of an enterprise (where keystores, results and HE keys live).</summary>
    public const string DefaultDataDirectory = ".datatrust";

    /// <summary>Largest key file the store reads.</summary>
    public const int MaxFileSize = 64 * 1024 * 1024;

    private static readonly byte[] Magic = "DTHEKEY1"u8.ToArray();
    private const int KeyIdSize = 16;

    /// <summary>Creates a store under an enterprise's data directory.</summary>
    public HeKeyStore(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        Directory = Path.Combine(Path.GetFullPath(dataDirectory), "he");
    }

    /// <summary>The folder holding the key files.</summary>
    public string Directory { get; }

    /// <summary>The key file of an account.</summary>
    public string PathOf(Address account) => Path.Combine(Directory, account.ToLowerHex() + ".bfv");

    /// <summary>True when the account has a key here.</summary>
    public bool Exists(Address account) => File.Exists(PathOf(account));

    /// <summary>Stores a new key for an account and returns its id; an existing key is never replaced.</summary>
    /// <exception cref="ClientException">The account already has a key.</exception>
    public string Create(Address account, ReadOnlySpan<byte> parameters, ReadOnlySpan<byte> secretKey)
    {
        if (parameters.IsEmpty || secretKey.IsEmpty)
        {
            throw new ArgumentException("Both the parameters and the secret key are needed.", nameof(secretKey));
        }

        var path = PathOf(account);
        if (File.Exists(path))
        {
            throw new ClientException($"Account {account} already has an HE key at '{path}'; jobs submitted with it could no longer be decrypted if it were replaced.");
        }

        var keyId = RandomNumberGenerator.GetBytes(KeyIdSize);
        var size = Magic.Length + Address.Size + KeyIdSize + 4 + parameters.Length + 4 + secretKey.Length + SHA256.HashSizeInBytes;
        var bytes = new byte[size];
        try
        {
            var span = bytes.AsSpan();
            Magic.CopyTo(span);
            var at = Magic.Length;
            account.Span.CopyTo(span[at..]);
            at += Address.Size;
            keyId.CopyTo(span[at..]);
            at += KeyIdSize;
            at = WriteBlock(span, at, parameters);
            at = WriteBlock(span, at, secretKey);
            SHA256.HashData(span[..at], span[at..]);
            Internal.PrivateFile.WriteAtomically(path, bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }

        return Convert.ToHexStringLower(keyId);
    }

    /// <summary>Reads an account's key.</summary>
    /// <exception cref="ClientException">There is no key for the account, the file belongs to another account, or it is damaged.</exception>
    public StoredHeKey Load(Address account)
    {
        var path = PathOf(account);
        if (!File.Exists(path))
        {
            throw new ClientException($"Account {account} has no HE key at '{path}'; HE results can only be decrypted with the key made when the job was submitted (pass the same --data-dir).");
        }

        var info = new FileInfo(path);
        if (info.Length > MaxFileSize)
        {
            throw new ClientException($"The HE key file '{path}' is larger than any key file; it is not one.");
        }

        var bytes = File.ReadAllBytes(path);
        try
        {
            return Parse(bytes, account, path);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static StoredHeKey Parse(byte[] bytes, Address account, string path)
    {
        var span = bytes.AsSpan();
        var minimum = Magic.Length + Address.Size + KeyIdSize + 8 + SHA256.HashSizeInBytes;
        if (span.Length < minimum || !span[..Magic.Length].SequenceEqual(Magic))
        {
            throw new ClientException($"The file '{path}' is not a DataTrust HE key file.");
        }

        var body = span[..^SHA256.HashSizeInBytes];
        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(body), span[^SHA256.HashSizeInBytes..]))
        {
            throw new ClientException($"The HE key file '{path}' is damaged (its checksum does not match); restore it from a backup.");
        }

        var at = Magic.Length;
        var owner = new Address(body.Slice(at, Address.Size));
        at += Address.Size;
        if (owner != account)
        {
            throw new ClientException($"The HE key file '{path}' belongs to account {owner}, not {account}; it cannot decrypt this account's results.");
        }

        var keyId = Convert.ToHexStringLower(body.Slice(at, KeyIdSize));
        at += KeyIdSize;
        var parameters = ReadBlock(body, ref at, path);
        var secret = ReadBlock(body, ref at, path);
        if (at != body.Length)
        {
            throw new ClientException($"The HE key file '{path}' has trailing bytes; it is not a valid key file.");
        }

        return new StoredHeKey(owner, keyId, parameters, secret);
    }

    private static int WriteBlock(Span<byte> destination, int at, ReadOnlySpan<byte> block)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination[at..], (uint)block.Length);
        block.CopyTo(destination[(at + 4)..]);
        return at + 4 + block.Length;
    }

    private static byte[] ReadBlock(ReadOnlySpan<byte> body, ref int at, string path)
    {
        if (body.Length - at < 4)
        {
            throw new ClientException($"The HE key file '{path}' is truncated.");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(body[at..]);
        at += 4;
        if (length == 0 || length > (uint)(body.Length - at))
        {
            throw new ClientException($"The HE key file '{path}' is truncated.");
        }

        var block = body.Slice(at, (int)length).ToArray();
        at += (int)length;
        return block;
    }
}
