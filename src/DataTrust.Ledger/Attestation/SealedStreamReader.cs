using System.Security.Cryptography;
using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Attestation;

/// <summary>
/// Opens a release stream sealed by <see cref="SealedStreamWriter"/> with the enclave's private key, chunk by chunk, in
/// order. Any damage throws <see cref="SealedStreamException"/>: an altered, reordered or duplicated chunk fails
/// authentication (its index and final flag are in the associated data), a chunk after the final one is refused, and
/// <see cref="Complete"/> refuses a stream that ended before its final chunk (truncation).
/// </summary>
public sealed class SealedStreamReader : IDisposable
{
    private readonly byte[] key;
    private readonly SealedStreamContext context;
    private readonly IncrementalHash transcript = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private ulong index;
    private bool disposed;

    /// <summary>Prepares to open a stream sealed to <paramref name="enclaveKey"/> for <paramref name="context"/>.</summary>
    /// <exception cref="SealedStreamException">The header's key is not usable.</exception>
    public SealedStreamReader(EthereumKey enclaveKey, SealedStreamHeader header, SealedStreamContext context)
    {
        ArgumentNullException.ThrowIfNull(enclaveKey);
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(context);
        this.context = context;
        var privateKey = new byte[EthereumKey.PrivateKeySize];
        try
        {
            enclaveKey.CopyPrivateKeyTo(privateKey);
            key = SealedStreamCrypto.DeriveKey(privateKey, header.EphemeralPublicKey, header.Salt, context);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }

        SealedStreamTranscript.AppendHeader(transcript, header);
    }

    /// <summary>Chunks opened so far.</summary>
    public ulong ChunkCount => index;

    /// <summary>True once the final chunk has been opened.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>SHA-256 over the header and every chunk opened so far, as <see cref="SealedStreamWriter.StreamHash"/>.</summary>
    public Hash32 StreamHash() => new(transcript.GetCurrentHash());

    /// <summary>Opens the next chunk and returns its plaintext.</summary>
    /// <exception cref="SealedStreamException">The chunk is damaged, out of place, too large, or follows the final chunk.</exception>
    public byte[] Open(ReadOnlySpan<byte> sealedChunk)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (IsComplete)
        {
            throw new SealedStreamException("A chunk arrived after the sealed stream's final chunk: the stream was extended or a chunk duplicated.");
        }

        if (sealedChunk.Length < SealedStreamWriter.ChunkOverhead)
        {
            throw new SealedStreamException($"A sealed chunk is at least {SealedStreamWriter.ChunkOverhead} bytes (flag and tag), got {sealedChunk.Length}.");
        }

        if (sealedChunk.Length > SealedStreamWriter.MaxChunkPlaintext + SealedStreamWriter.ChunkOverhead)
        {
            throw new SealedStreamException($"A sealed chunk carries at most {SealedStreamWriter.MaxChunkPlaintext} bytes of plaintext; this one is {sealedChunk.Length} bytes.");
        }

        var flag = sealedChunk[0];
        if (flag > 1)
        {
            throw new SealedStreamException($"A sealed chunk's final flag is 0 or 1, got {flag}.");
        }

        var final = flag == 1;
        Span<byte> nonce = stackalloc byte[SealedStreamCrypto.NonceSize];
        SealedStreamTranscript.Nonce(index, nonce);
        var plaintext = SealedStreamCrypto.Decrypt(key, nonce, context.ChunkAad(index, final), sealedChunk[1..]);
        SealedStreamTranscript.AppendChunk(transcript, sealedChunk);
        index++;
        IsComplete = final;
        return plaintext;
    }

    /// <summary>Call when the transport ends: refuses a stream whose final chunk never arrived.</summary>
    /// <exception cref="SealedStreamException">The stream was truncated.</exception>
    public void Complete()
    {
        if (!IsComplete)
        {
            throw new SealedStreamException($"The sealed stream ended after {index} chunk(s) without its final chunk: it was truncated.");
        }
    }

    /// <summary>Zeroes the stream key.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(key);
        transcript.Dispose();
        disposed = true;
    }
}
