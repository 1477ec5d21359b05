using DataTrust.Ledger;
using DataTrust.Ledger.Attestation;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Signing;

namespace DataTrust.EnclaveSim.Host;

/// <summary>An ENCLAVE_JOIN job as the chain records it: the job, the measurement it must run under, its licenses, datasets and spec.</summary>
/// <param name="Job">The job (kind, submitter, status, ε).</param>
/// <param name="Measurement">The enclave measurement the job names.</param>
/// <param name="LicenseIds">Its licenses, one per dataset.</param>
/// <param name="DatasetIds">Its datasets (on-chain ids), in license order.</param>
/// <param name="Spec">The spec bytes (a serialized JoinQuery), checked against the job's spec hash.</param>
public sealed record ChainJoinJob(Job Job, Hash32 Measurement, IReadOnlyList<ulong> LicenseIds, IReadOnlyList<Hash32> DatasetIds, ReadOnlyMemory<byte> Spec);

/// <summary>What the enclave host needs from the chain; implemented over the ledger bindings by <c>LedgerJoinChain</c>.</summary>
public interface IJoinChain
{
    /// <summary>The chain id.</summary>
    ulong ChainId { get; }

    /// <summary>The Jobs contract (job authorizations and result digests are bound to it).</summary>
    Address JobsContract { get; }

    /// <summary>The contract that records quotes (quote digests and release requests are bound to it).</summary>
    Address EnclavesContract { get; }

    /// <summary>Records a quote with the host's account; returns its quote id.</summary>
    Task<ulong> RecordQuoteAsync(SimulatedQuote quote, ReadOnlyMemory<byte> enclavePublicKey, string endpoint, CancellationToken cancellationToken);

    /// <summary>True when the quote is usable now (recorded, not superseded, measurement and platform key approved, young enough).</summary>
    Task<bool> IsQuoteUsableAsync(ulong quoteId, CancellationToken cancellationToken);

    /// <summary>The join job <paramref name="jobId"/>, or null when there is no such job or it is not an ENCLAVE_JOIN job.</summary>
    Task<ChainJoinJob?> GetJoinJobAsync(ulong jobId, CancellationToken cancellationToken);

    /// <summary>A dataset's catalog entry.</summary>
    Task<Dataset> GetDatasetAsync(Hash32 datasetId, CancellationToken cancellationToken);

    /// <summary>A node's registration (endpoint and signer).</summary>
    Task<NodeInfo> GetNodeAsync(Address nodeAccount, CancellationToken cancellationToken);

    /// <summary>Completes the join with the result hash and the enclave key's signature over the result digest.</summary>
    Task CompleteJoinAsync(ulong jobId, ulong quoteId, Hash32 resultHash, EthSignature enclaveSignature, CancellationToken cancellationToken);

    /// <summary>Fails the join for a reason that depends only on the job; refunded unless <paramref name="charged"/>.</summary>
    Task FailJoinAsync(ulong jobId, ulong quoteId, string reason, bool charged, EthereumKey enclaveKey, CancellationToken cancellationToken);
}
