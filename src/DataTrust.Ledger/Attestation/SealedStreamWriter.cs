using System.Buffers.Binary;
using System.Security.Cryptography;
using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Attestation;

/// <summary>
/// Seals a release stream to an enclave's quoted public key, chunk by chunk: ECDH on secp256k1 between a fresh
/// ephemeral key and the enclave key (shared secret = x coordinate) → HKDF-SHA256 (salt from the header, info from the
/// <see cref="SealedStreamContext"/>) → an AES-256-GCM key. Chunk i is sealed with nonce 0x00000000 ‖ i (8 bytes BE) and
/// associated data jobId ‖ quoteId ‖ dataset id ‖ i ‖ final flag, and travels as final flag (1 byte) ‖ ciphertext ‖
/// tag, so a reader detects truncation, reordering, duplication and alteration. Never holds more than one chunk.
/// </summary>
public sealed class SealedStreamWriter : IDisposable
{
    /// <summary>The largest plaintext one chunk may carry (readers refuse bigger chunks).</summary>
    public const int MaxChunkPlaintext = 4 << 20;

    /// <summary>The bytes a sealed chunk adds to its plaintext: the final flag and the GCM tag.</summary>
    public const int ChunkOverhead = 1 + SealedStreamCrypto.TagSize;

    private readonly byte[] key;
    private readonly SealedStreamContext context;
    private readonly IncrementalHash transcript = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private ulong index;
    private bool disposed;

    private SealedStreamWriter(ReadOnlySpan<byte> enclavePublicKey, SealedStreamContext context, EthereumKey ephemeral, byte[] salt)
    {
        this.context = context;
        Header = new SealedStreamHeader(ephemeral.PublicKey, salt);
        var privateKey = new byte[EthereumKey.PrivateKeySize];
        try
        {
            ephemeral.CopyPrivateKeyTo(privateKey);
            key = SealedStreamCrypto.DeriveKey(privateKey, enclavePublicKey, salt, context);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }

        SealedStreamTranscript.AppendHeader(transcript, Header);
    }

    /// <summary>What the receiver needs before the chunks: the ephemeral public key and the salt.</summary>
    public SealedStreamHeader Header { get; }

    /// <summary>Chunks sealed so far.</summary>
    public ulong ChunkCount => index;

    /// <summary>True once the final chunk has been sealed; no chunk may follow.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>Starts a stream to the enclave whose public key (64 bytes X‖Y) is <paramref name="enclavePublicKey"/>, with a fresh ephemeral key and salt.</summary>
    /// <exception cref="SealedStreamException">The enclave key is not a point of secp256k1.</exception>
    public static SealedStreamWriter Create(ReadOnlySpan<byte> enclavePublicKey, SealedStreamContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var ephemeral = EthereumKey.Generate();
        return new SealedStreamWriter(enclavePublicKey, context, ephemeral, RandomNumberGenerator.GetBytes(SealedStreamHeader.SaltSize));
    }

    /// <summary>Starts a stream with a given ephemeral key and salt: for known-answer tests only; production uses <see cref="Create(ReadOnlySpan{byte}, SealedStreamContext)"/>.</summary>
    internal static SealedStreamWriter Create(ReadOnlySpan<byte> enclavePublicKey, SealedStreamContext context, EthereumKey ephemeral, byte[] salt) =>
        new(enclavePublicKey, context, ephemeral, salt);

    /// <summary>
    /// SHA-256 over the header and every sealed chunk so far (each length-prefixed): the hash of the stream as sent,
    /// which the node logs and the receiver can recompute.
    /// </summary>
    public Hash32 StreamHash()
    {
        var copy = transcript.GetCurrentHash();
        return new Hash32(copy);
    }

    /// <summary>Seals the next chunk; <paramref name="final"/> marks the last one.</summary>
    /// <exception cref="SealedStreamException">The final chunk was already sealed, or the plaintext is over <see cref="MaxChunkPlaintext"/>.</exception>
    public byte[] Seal(ReadOnlySpan<byte> plaintext, bool final)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (IsComplete)
        {
            throw new SealedStreamException("The sealed stream's final chunk has been written; nothing may follow it.");
        }

        if (plaintext.Length > MaxChunkPlaintext)
        {
            throw new SealedStreamException($"A sealed chunk carries at most {MaxChunkPlaintext} bytes of plaintext, got {plaintext.Length}; split it.");
        }

        Span<byte> nonce = stackalloc byte[SealedStreamCrypto.NonceSize];
        SealedStreamTranscript.Nonce(index, nonce);
        var sealedBody = SealedStreamCrypto.Encrypt(key, nonce, context.ChunkAad(index, final), plaintext);
        var chunk = new byte[1 + sealedBody.Length];
        chunk[0] = final ? (byte)1 : (byte)0;
        sealedBody.CopyTo(chunk, 1);
        SealedStreamTranscript.AppendChunk(transcript, chunk);
        index++;
        IsComplete = final;
        return chunk;
    }

    /// <summary>Zeroes the stream key.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(key);
        transcript.Dispose();
        disposed = true;
    }
}

/// <summary>The parts of the chunk format both ends share: the nonce of a chunk and the stream hash.</summary>
internal static class SealedStreamTranscript
{
    /// <summary>Chunk i's GCM nonce: 4 zero bytes ‖ i (8 bytes BE). Unique per key because every stream has a fresh key.</summary>
    public static void Nonce(ulong index, Span<byte> destination)
    {
        destination[..4].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(destination[4..], index);
    }

    public static void AppendHeader(IncrementalHash hash, SealedStreamHeader header)
    {
        hash.AppendData(header.EphemeralPublicKey);
        hash.AppendData(header.Salt);
    }

    public static void AppendChunk(IncrementalHash hash, ReadOnlySpan<byte> chunk)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, chunk.Length);
        hash.AppendData(length);
        hash.AppendData(chunk);
    }
}
