namespace DataTrust.Node.Execution;

/// <summary>A call to run (or hand back) a job, as the node received it.</summary>
/// <param name="JobId">The on-chain job id.</param>
/// <param name="RequesterSignature">The submitter's <see cref="Ledger.Contracts.JobAuthorization"/> signature.</param>
/// <param name="ExpiresAt">When that signature expires (Unix seconds, part of what it signs).</param>
/// <param name="Spec">The spec bytes if the caller sent them; otherwise they are read from the chain.</param>
public sealed record JobRequest(ulong JobId, ReadOnlyMemory<byte> RequesterSignature, ulong ExpiresAt, ReadOnlyMemory<byte>? Spec)
{
    /// <summary>Cross-domain sums, from the requester to the node of the first part: the other parts' jobs, in spec order.</summary>
    public IReadOnlyList<PeerJobRequest> Peers { get; init; } = [];

    /// <summary>Cross-domain sums, from the coordinating node to another part's node: who asks for the partial.</summary>
    public CoordinatorClaim? Coordinator { get; init; }
}

/// <summary>Another part of a cross-domain sum, as the requester names it.</summary>
/// <param name="JobId">Its on-chain job id.</param>
/// <param name="RequesterSignature">The requester's signature for it.</param>
/// <param name="ExpiresAt">When that signature expires (Unix seconds); the part's node checks it.</param>
public sealed record PeerJobRequest(ulong JobId, ReadOnlyMemory<byte> RequesterSignature, ulong ExpiresAt);

/// <summary>The coordinating node's claim to a part's partial result.</summary>
/// <param name="JobId">The coordinating job (the first part's).</param>
/// <param name="NodeSignature">The coordinating node signer's <see cref="Ledger.Contracts.CrossDomainAuthorization"/> signature.</param>
public sealed record CoordinatorClaim(ulong JobId, ReadOnlyMemory<byte> NodeSignature);
