using DataTrust.Ledger.Crypto;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Grpc.Core;

namespace DataTrust.Node.Execution;

/// <summary>The chunked transport of large job specs over <c>JobService.ExecuteStream</c>.</summary>
public static class JobStreams
{
    /// <summary>The largest chunk a node accepts (1 MiB), well under gRPC's default 4 MiB message limit.</summary>
    public const int MaxChunkSize = 1 << 20;

    /// <summary>
    /// Sends <paramref name="spec"/> as ordered chunks: the first carries <paramref name="header"/>'s fields (job id,
    /// signature, peers, coordinator) with the total size and Keccak-256 filled in; then completes the request stream.
    /// </summary>
    public static async Task WriteAsync(IClientStreamWriter<JobChunk> writer, JobChunk header, ReadOnlyMemory<byte> spec, CancellationToken cancellationToken, int chunkSize = MaxChunkSize)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(header);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkSize, MaxChunkSize);
        if (spec.IsEmpty)
        {
            throw new ArgumentException("A job spec has at least one byte.", nameof(spec));
        }

        var first = header.Clone();
        first.Index = 0;
        first.TotalSize = (ulong)spec.Length;
        first.Keccak256 = ByteString.CopyFrom(Keccak256.Compute(spec.Span).Span);
        var index = 0u;
        for (var offset = 0; offset < spec.Length; offset += chunkSize, index++)
        {
            var chunk = index == 0 ? first : new JobChunk { Index = index };
            chunk.Data = ByteString.CopyFrom(spec.Span.Slice(offset, Math.Min(chunkSize, spec.Length - offset)));
            cancellationToken.ThrowIfCancellationRequested();
            await writer.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
        }

        await writer.CompleteAsync().ConfigureAwait(false);
    }
}
