using DataTrust.Ledger.Crypto;
using DataTrust.Protos.Transport;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Grpc.Core;

namespace DataTrust.Node.Execution;

/// <summary>
/// The chunked transport of job specs as the node (forwarding to peers) and its tests use it: <see cref="JobChunks"/>
/// (shared with the client SDK in DataTrust.Protos), with the spec's Keccak-256 computed here.
/// </summary>
public static class JobStreams
{
    /// <summary>The largest chunk a node accepts (1 MiB), well under gRPC's default 4 MiB message limit.</summary>
    public const int MaxChunkSize = JobChunks.MaxChunkSize;

    /// <summary>An on-chain id as the protocol sends it: 32 bytes, big-endian (a uint256).</summary>
    public static ByteString IdBytes(ulong id) => JobChunks.IdBytes(id);

    /// <summary>The chunks of a spec, in the order they are sent (see <see cref="JobChunks.Split"/>).</summary>
    /// <param name="jobId">The on-chain job.</param>
    /// <param name="requesterSignature">The submitter's 65-byte signature for the job.</param>
    /// <param name="expiresAt">When that signature expires (Unix seconds), as it signed.</param>
    /// <param name="spec">The whole serialized <see cref="JobSpec"/>; not empty.</param>
    /// <param name="peers">For a cross-domain sum sent to the node of parts[0]: the jobs of parts[1..], in order.</param>
    /// <param name="chunkSize">Bytes per chunk, 1 to <see cref="MaxChunkSize"/>.</param>
    /// <param name="coordinator">For a cross-domain part, sent by the coordinating node: its claim to the partial.</param>
    public static IReadOnlyList<JobChunk> Split(ulong jobId, ReadOnlySpan<byte> requesterSignature, ulong expiresAt, ReadOnlyMemory<byte> spec, IEnumerable<PeerJob>? peers = null, int chunkSize = MaxChunkSize, CoordinatorProof? coordinator = null) =>
        JobChunks.Split(jobId, requesterSignature, expiresAt, spec, Keccak256.Hash(spec.Span), peers, chunkSize, coordinator);

    /// <summary>Streams the chunks of a job and returns the node's answer (see <see cref="JobChunks.SendAsync"/>).</summary>
    public static Task<ExecuteResponse> SendAsync(AsyncClientStreamingCall<JobChunk, ExecuteResponse> call, IEnumerable<JobChunk> chunks, CancellationToken cancellationToken) =>
        JobChunks.SendAsync(call, chunks, cancellationToken);

    /// <summary>Writes the chunks in order and completes the request stream.</summary>
    public static Task WriteAsync(IClientStreamWriter<JobChunk> writer, IEnumerable<JobChunk> chunks, CancellationToken cancellationToken) =>
        JobChunks.WriteAsync(writer, chunks, cancellationToken);
}
