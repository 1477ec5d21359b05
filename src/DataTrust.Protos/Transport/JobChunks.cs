using System.Buffers.Binary;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Grpc.Core;

namespace DataTrust.Protos.Transport;

/// <summary>
/// The chunked transport of large job specs over <c>JobService.ExecuteStream</c>: every chunk carries at most
/// <see cref="MaxChunkSize"/> bytes and its index; the first also carries the job id, the requester's signature, the
/// total size and the Keccak-256 of the whole spec (what the chain holds), the peer jobs or the coordinator's claim of
/// a cross-domain sum, so the node can refuse an unknown or oversized job before the rest is sent.
/// </summary>
public static class JobChunks
{
    /// <summary>The largest chunk a node accepts (1 MiB), well under gRPC's default 4 MiB message limit.</summary>
    public const int MaxChunkSize = 1 << 20;

    /// <summary>An on-chain id as the protocol sends it: 32 bytes, big-endian (a uint256).</summary>
    public static ByteString IdBytes(ulong id)
    {
        var bytes = new byte[32];
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(24), id);
        return ByteString.CopyFrom(bytes);
    }

    /// <summary>The chunks of a spec, in the order they are sent.</summary>
    /// <param name="jobId">The on-chain job.</param>
    /// <param name="requesterSignature">The submitter's 65-byte signature for the job.</param>
    /// <param name="expiresAt">When that signature expires (Unix seconds), as it signed.</param>
    /// <param name="spec">The whole serialized <see cref="JobSpec"/>; not empty.</param>
    /// <param name="specKeccak256">The Keccak-256 of <paramref name="spec"/> (32 bytes), which the node checks against the chain.</param>
    /// <param name="peers">For a cross-domain sum sent to the node of parts[0]: the jobs of parts[1..], in order.</param>
    /// <param name="chunkSize">Bytes per chunk, 1 to <see cref="MaxChunkSize"/>.</param>
    /// <param name="coordinator">For a cross-domain part, sent by the coordinating node: its claim to the partial.</param>
    public static IReadOnlyList<JobChunk> Split(ulong jobId, ReadOnlySpan<byte> requesterSignature, ulong expiresAt, ReadOnlyMemory<byte> spec, ReadOnlySpan<byte> specKeccak256, IEnumerable<PeerJob>? peers = null, int chunkSize = MaxChunkSize, CoordinatorProof? coordinator = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(jobId);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkSize, MaxChunkSize);
        if (spec.IsEmpty)
        {
            throw new ArgumentException("A job spec is never empty; serialize the JobSpec first.", nameof(spec));
        }

        if (specKeccak256.Length != 32)
        {
            throw new ArgumentException("The spec's Keccak-256 is 32 bytes.", nameof(specKeccak256));
        }

        if (requesterSignature.Length != 65)
        {
            throw new ArgumentException("The requester signature is 65 bytes (r, s, v); sign the job with JobAuthorization.", nameof(requesterSignature));
        }

        var chunks = new List<JobChunk>((spec.Length + chunkSize - 1) / chunkSize);
        for (var offset = 0; offset < spec.Length; offset += chunkSize)
        {
            var length = Math.Min(chunkSize, spec.Length - offset);
            chunks.Add(new JobChunk { Index = (uint)chunks.Count, Data = ByteString.CopyFrom(spec.Span.Slice(offset, length)) });
        }

        var first = chunks[0];
        first.JobId = IdBytes(jobId);
        first.RequesterSignature = ByteString.CopyFrom(requesterSignature);
        first.AuthorizationExpiresAt = expiresAt;
        first.TotalSize = (ulong)spec.Length;
        first.Keccak256 = ByteString.CopyFrom(specKeccak256);
        if (peers is not null)
        {
            first.Peers.Add(peers);
        }

        first.Coordinator = coordinator;
        return chunks;
    }

    /// <summary>
    /// Streams the chunks of a job and returns the node's answer. When the node ends the call before reading everything
    /// (it refused on the first chunk), the write fails; the call's own status, awaited last, is what is thrown, so the
    /// caller sees the node's reason rather than a broken write.
    /// </summary>
    public static async Task<ExecuteResponse> SendAsync(AsyncClientStreamingCall<JobChunk, ExecuteResponse> call, IEnumerable<JobChunk> chunks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            await WriteAsync(call.RequestStream, chunks, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException) when (!cancellationToken.IsCancellationRequested)
        {
            // The node ended the call: its status, awaited below, says why.
        }
        catch (InvalidOperationException) when (!cancellationToken.IsCancellationRequested)
        {
            // Writing after the call completed: likewise.
        }

        return await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>Writes the chunks in order and completes the request stream.</summary>
    public static async Task WriteAsync(IClientStreamWriter<JobChunk> writer, IEnumerable<JobChunk> chunks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(chunks);
        foreach (var chunk in chunks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await writer.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
        }

        await writer.CompleteAsync().ConfigureAwait(false);
    }
}
