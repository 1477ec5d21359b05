using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Attestation;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;

namespace DataTrust.EnclaveSim.Host;

/// <summary>The enclave host's view of the chain, over the ledger bindings; transactions are sent by the host's account.</summary>
/// <param name="ledger">The ledger, bound with the host's key.</param>
public sealed class LedgerJoinChain(DataTrustLedger ledger) : IJoinChain
{
    /// <inheritdoc />
    public ulong ChainId => ledger.Deployment.ChainId;

    /// <inheritdoc />
    public Address JobsContract => ledger.Deployment.Jobs;

    /// <inheritdoc />
    public Address EnclavesContract => ledger.Deployment.Enclaves;

    /// <inheritdoc />
    public Task<ulong> RecordQuoteAsync(SimulatedQuote quote, ReadOnlyMemory<byte> enclavePublicKey, string endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(quote);
        return ledger.Enclaves.RecordQuoteAsync(quote.Measurement, quote.ReportData, enclavePublicKey, quote.IssuedAt, quote.Nonce, quote.PlatformSignature.ToBytes(), endpoint, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> IsQuoteUsableAsync(ulong quoteId, CancellationToken cancellationToken) =>
        ledger.Enclaves.IsUsableAsync(quoteId, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public async Task<ChainJoinJob?> GetJoinJobAsync(ulong jobId, CancellationToken cancellationToken)
    {
        Job job;
        try
        {
            job = await ledger.Jobs.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        }
        catch (ContractRevertedException)
        {
            return null;
        }

        if (job.Kind != ComputationKind.EnclaveJoin)
        {
            return null;
        }

        var join = await ledger.Jobs.GetJoinAsync(jobId, cancellationToken).ConfigureAwait(false);
        var events = await ledger.Jobs.GetEventsAsync(job.SubmittedBlock, job.SubmittedBlock, cancellationToken).ConfigureAwait(false);
        var submitted = events.FirstOrDefault(e => e.Name == "JoinSubmitted" && e.Values.GetUInt64("jobId") == jobId);
        var spec = submitted?.Values.GetBytes("spec") ?? [];
        if (Keccak256.Compute(spec) != job.SpecHash)
        {
            spec = [];
        }

        return new ChainJoinJob(job, join.Measurement, join.LicenseIds, join.DatasetIds, spec);
    }

    /// <inheritdoc />
    public Task<Dataset> GetDatasetAsync(Hash32 datasetId, CancellationToken cancellationToken) =>
        ledger.Catalog.GetDatasetAsync(datasetId, cancellationToken);

    /// <inheritdoc />
    public Task<NodeInfo> GetNodeAsync(Address nodeAccount, CancellationToken cancellationToken) =>
        ledger.Participants.GetNodeAsync(nodeAccount, cancellationToken);

    /// <inheritdoc />
    public Task CompleteJoinAsync(ulong jobId, ulong quoteId, Hash32 resultHash, EthSignature enclaveSignature, CancellationToken cancellationToken) =>
        ledger.Jobs.CompleteJoinAsync(jobId, quoteId, resultHash, enclaveSignature, cancellationToken);

    /// <inheritdoc />
    public Task FailJoinAsync(ulong jobId, ulong quoteId, string reason, bool charged, EthereumKey enclaveKey, CancellationToken cancellationToken)
    {
        var signature = Ledger.Contracts.JobsContract.SignJoinFailure(enclaveKey, JobsContract, ChainId, jobId, reason, charged);
        return ledger.Jobs.FailJoinAsync(jobId, quoteId, reason, charged, signature, cancellationToken);
    }
}
