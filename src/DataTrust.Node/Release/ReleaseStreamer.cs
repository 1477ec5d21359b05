using System.Runtime.CompilerServices;
using DataTrust.Ledger;
using DataTrust.Ledger.Attestation;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using Google.Protobuf;

namespace DataTrust.Node.Release;

/// <summary>What a finished release sent: the rows, the chunks and the hash of the sealed stream.</summary>
/// <param name="Rows">Rows released.</param>
/// <param name="Chunks">Sealed chunks sent (the last one final).</param>
/// <param name="StreamHash">SHA-256 of the sealed stream as sent.</param>
public sealed record ReleaseSummary(long Rows, ulong Chunks, Hash32 StreamHash);

/// <summary>
/// Sends one release: the header (the ephemeral key, the salt, the columns and the node's address), then the plan's rows
/// as canonical CSV, sealed to the enclave key chunk by chunk as DuckDB yields them (one plaintext chunk and one sealed
/// chunk in memory), then an empty final chunk, so a receiver can tell a complete stream from a cut one.
/// </summary>
public static class ReleaseStreamer
{
    /// <summary>Plaintext bytes per sealed chunk (the gRPC messages stay well under the 4 MiB default limit).</summary>
    public const int ChunkBytes = 1 << 20;

    /// <summary>The memory one release holds at once: a plaintext chunk, its sealed copy and the CSV writer's buffer.</summary>
    public const long MemoryPerRelease = 3L * (ChunkBytes + SealedStreamWriter.ChunkOverhead);

    /// <summary>Streams <paramref name="plan"/>'s rows sealed to <paramref name="enclavePublicKey"/> through <paramref name="write"/>.</summary>
    public static async Task<ReleaseSummary> SendAsync(
        DatasetStore store,
        ReleasePlan plan,
        ReadOnlyMemory<byte> enclavePublicKey,
        SealedStreamContext context,
        Address nodeAddress,
        Func<ReleaseChunk, Task> write,
        CancellationToken cancellationToken,
        int chunkBytes = ChunkBytes)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(write);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkBytes, SealedStreamWriter.MaxChunkPlaintext);
        using var writer = SealedStreamWriter.Create(enclavePublicKey.Span, context);
        var header = new ReleaseHeader
        {
            EphemeralPublicKey = ByteString.CopyFrom(writer.Header.EphemeralPublicKey),
            Salt = ByteString.CopyFrom(writer.Header.Salt),
            NodeAddress = nodeAddress.ToString(),
        };
        header.Columns.AddRange(plan.Columns.Select(c => new SnapshotColumn { Name = c.Name, Type = (Protos.V1.ColumnType)(int)c.Type }));
        await write(new ReleaseChunk { Header = header }).ConfigureAwait(false);

        var rows = new StrongBox<long>();
        foreach (var plaintext in store.ReadRelease(plan, chunkBytes, rows))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = writer.Seal(plaintext, final: false);
            await write(new ReleaseChunk { SealedChunk = UnsafeByteOperations.UnsafeWrap(chunk) }).ConfigureAwait(false);
        }

        var last = writer.Seal(ReadOnlySpan<byte>.Empty, final: true);
        await write(new ReleaseChunk { SealedChunk = UnsafeByteOperations.UnsafeWrap(last) }).ConfigureAwait(false);
        return new ReleaseSummary(rows.Value, writer.ChunkCount, writer.StreamHash());
    }
}
