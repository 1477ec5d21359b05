using DataTrust.Homomorphic;
using DataTrust.Ledger;

namespace DataTrust.Client.Homomorphic;

/// <summary>
/// An enterprise's BFV key, opened from its key store: the client that makes keys, encrypts models and decrypts
/// results, and the id that job records name it by. The secret key stays inside this process.
/// </summary>
public sealed class HeKey : IDisposable
{
    /// <summary>The ring degree used when a key is first made and no other is asked for.</summary>
    public const int DefaultDegree = 8192;

    /// <summary>Bits of the plaintext modulus: room for weighted sums of large money columns.</summary>
    public const int PlainModulusBits = 50;

    /// <summary>
    /// The ring degrees a key may be made with. Not 4096: its 109-bit coefficient modulus leaves a 50-bit plaintext
    /// modulus too little noise budget for a plaintext product of money sums and the rotations after it (the result
    /// would decrypt to noise).
    /// </summary>
    public static readonly IReadOnlyList<int> Degrees = [8192, 16384];

    private readonly SecretKey _checkKey;
    private readonly Decryptor _checker;

    private HeKey(HeClient client, string keyId, bool created)
    {
        Client = client;
        KeyId = keyId;
        Created = created;

        // A second handle on the same secret, for the noise-budget check the client does not offer.
        var secret = client.SaveSecretKey();
        try
        {
            _checkKey = BfvSerializer.LoadSecretKey(client.Context, secret);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
        }

        _checker = new Decryptor(client.Context, _checkKey);
    }

    /// <summary>The client holding the secret key.</summary>
    public HeClient Client { get; }

    /// <summary>The key's id in its store.</summary>
    public string KeyId { get; }

    /// <summary>True when this call made the key (the first HE job of the account).</summary>
    public bool Created { get; }

    /// <summary>The ring degree of the key.</summary>
    public int Degree => Client.Context.SlotCount;

    /// <summary>
    /// Opens the account's key, or makes and stores one (degree <paramref name="degree"/>, default 8192, and a 50-bit
    /// plaintext modulus) when it has none. A key is never replaced: results made under it must stay decryptable.
    /// </summary>
    /// <exception cref="ClientException">The degree is not supported, differs from the stored key's, or the stored key cannot be read.</exception>
    public static HeKey OpenOrCreate(HeKeyStore store, Address account, int? degree)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (degree is { } d && !Degrees.Contains(d))
        {
            throw new ClientException($"--he-degree {d} is not supported; use {string.Join(", ", Degrees)}.");
        }

        if (store.Exists(account))
        {
            var key = Open(store, account);
            if (degree is { } wanted && wanted != key.Degree)
            {
                var degreeOfKey = key.Degree;
                key.Dispose();
                throw new ClientException($"Account {account} already has an HE key of degree {degreeOfKey} at '{store.PathOf(account)}'; drop --he-degree or give {degreeOfKey}.");
            }

            return key;
        }

        var client = HeClient.Generate(degree ?? DefaultDegree, PlainModulusBits);
        try
        {
            var secret = client.SaveSecretKey();
            try
            {
                var id = store.Create(account, client.SaveParameters(), secret);
                return new HeKey(client, id, created: true);
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
            }
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Opens the account's stored key.</summary>
    /// <exception cref="ClientException">There is none, it belongs to another account, or it cannot be read.</exception>
    public static HeKey Open(HeKeyStore store, Address account)
    {
        ArgumentNullException.ThrowIfNull(store);
        using var stored = store.Load(account);
        try
        {
            return new HeKey(HeClient.Load(stored.Parameters, stored.SecretKey), stored.KeyId, created: false);
        }
        catch (BfvException ex)
        {
            throw new ClientException($"The HE key file '{store.PathOf(account)}' does not hold a valid BFV key ({ex.Message}).", ex);
        }
    }

    /// <summary>
    /// The invariant noise budget, in bits, of a ciphertext under this key. Zero means it does not decrypt correctly
    /// with this key: made under another secret key with the same parameters (whose decryption is uniform noise), or
    /// grown too noisy. Anything above zero decrypts exactly.
    /// </summary>
    /// <exception cref="BfvException">The ciphertext is malformed or made under other parameters.</exception>
    public int NoiseBudget(ReadOnlySpan<byte> ciphertext) =>
        _checker.InvariantNoiseBudget(BfvSerializer.LoadCiphertext(Client.Context, ciphertext));

    /// <inheritdoc/>
    public void Dispose()
    {
        _checkKey.Dispose();
        Client.Dispose();
    }

    /// <summary>Names the key without any secret.</summary>
    public override string ToString() => $"HeKey(id {KeyId}, N = {Degree}, secret redacted)";
}
