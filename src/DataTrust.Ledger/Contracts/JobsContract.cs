using DataTrust.Core.Catalog;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Contracts;

/// <summary>The Jobs contract: jobs submitted under licenses, and their completion by the dataset's node.</summary>
public sealed class JobsContract : ContractBinding
{
    /// <summary>The largest spec carried on chain; larger payloads go through <see cref="SubmitHashedAsync"/>.</summary>
    public const int MaxSpecSize = 16 * 1024;

    /// <summary>Binds to a deployed Jobs contract; without a sender it is read-only.</summary>
    public JobsContract(Address address, JsonRpcClient rpc, TransactionSender? sender = null)
        : base(DataTrustAbi.Jobs, address, rpc, sender)
    {
    }

    /// <summary>Submits a job with its spec bytes on chain (the licensee only); returns the job id.</summary>
    /// <exception cref="ContractRevertedException">The license does not cover it (decoded error); nothing was sent.</exception>
    public async Task<ulong> SubmitAsync(ulong licenseId, ComputationKind kind, ReadOnlyMemory<byte> spec, Epsilon epsilon, CancellationToken cancellationToken = default)
    {
        var receipt = await SendAsync("submit", [licenseId, (byte)kind, spec.ToArray(), (ulong)epsilon.Micros], cancellationToken).ConfigureAwait(false);
        return Single(receipt, "JobSubmitted").Values.GetUInt64("jobId");
    }

    /// <summary>
    /// Submits an open job: anyone may run an AGGREGATE job on an active OPEN dataset that allows it, without a license. The job
    /// has license 0 and ε 0. Returns the job id.
    /// </summary>
    /// <exception cref="ContractRevertedException">
    /// Refused (e.g. <c>NotOpen</c>, <c>KindNotOpen</c>, <c>DatasetRetired</c>, <c>UnknownDataset</c>, <c>EmptySpec</c>, <c>SpecTooLarge</c>); nothing was sent.
    /// </exception>
    public async Task<ulong> SubmitOpenAsync(Hash32 datasetId, ComputationKind kind, ReadOnlyMemory<byte> spec, CancellationToken cancellationToken = default)
    {
        var receipt = await SendAsync("submitOpen", [datasetId.ToArray(), (byte)kind, spec.ToArray()], cancellationToken).ConfigureAwait(false);
        return Single(receipt, "JobSubmitted").Values.GetUInt64("jobId");
    }

    /// <summary>Submits a job whose (large) spec travels off chain: only its Keccak-256 hash and size are recorded.</summary>
    public async Task<ulong> SubmitHashedAsync(ulong licenseId, ComputationKind kind, Hash32 specHash, ulong specSize, Epsilon epsilon, CancellationToken cancellationToken = default)
    {
        var receipt = await SendAsync("submitHashed", [licenseId, (byte)kind, specHash.ToArray(), specSize, (ulong)epsilon.Micros], cancellationToken).ConfigureAwait(false);
        return Single(receipt, "JobSubmittedHashed").Values.GetUInt64("jobId");
    }

    /// <summary>Sends a submission without waiting for it to be mined, with a fixed gas limit (for pipelining).</summary>
    public Task<PendingTransaction> SubmitWithoutWaitingAsync(ulong licenseId, ComputationKind kind, ReadOnlyMemory<byte> spec, Epsilon epsilon, ulong gasLimit, CancellationToken cancellationToken = default) =>
        SubmitAsync("submit", [licenseId, (byte)kind, spec.ToArray(), (ulong)epsilon.Micros], gasLimit, cancellationToken);

    /// <summary>
    /// Sends many submissions in one JSON-RPC batch request, one transaction (and signature) each, with a fixed gas limit and
    /// without waiting; each is reported on its own (see <see cref="TransactionSender.SubmitManyAsync"/>). Each mined one emits its
    /// own <c>JobSubmitted</c>; a refusal by the contract shows when awaited, decoded.
    /// </summary>
    /// <exception cref="ArgumentException">No submissions, or more than one batch may carry; nothing was sent.</exception>
    /// <exception cref="RpcException">The request as a whole failed; any of them may have been sent.</exception>
    public Task<IReadOnlyList<BatchSendOutcome>> SubmitManyWithoutWaitingAsync(IReadOnlyList<JobSubmission> submissions, ulong gasLimit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(submissions);
        var arguments = new object?[submissions.Count][];
        for (var i = 0; i < submissions.Count; i++)
        {
            var s = submissions[i] ?? throw new ArgumentException($"Submission {i} is null.", nameof(submissions));
            arguments[i] = [s.LicenseId, (byte)s.Kind, s.Spec.ToArray(), (ulong)s.Epsilon.Micros];
        }

        return SubmitManyAsync("submit", arguments, gasLimit, cancellationToken);
    }

    /// <summary>The fewest datasets a join names (the contract's <c>MIN_JOIN_DATASETS</c>).</summary>
    public const int MinJoinDatasets = 2;

    /// <summary>The most datasets a join names (the contract's <c>MAX_JOIN_DATASETS</c>).</summary>
    public const int MaxJoinDatasets = 8;

    /// <summary>The domain tag of the digest an enclave signs to fail a join.</summary>
    public const string JoinFailureTag = "DataTrust.JoinFailure.v1";

    /// <summary>
    /// Submits an ENCLAVE_JOIN job: one license of the caller on each of 2..<see cref="MaxJoinDatasets"/> distinct datasets, each
    /// consuming one unit of quota and, on a RESTRICTED or SENSITIVE dataset, the full ε (none on an OPEN dataset, whose rows
    /// are public; at least one dataset must be protected); the join runs only under <paramref name="measurement"/>. Returns
    /// the job id.
    /// </summary>
    /// <exception cref="ContractRevertedException">
    /// Refused (e.g. <c>JoinSizeInvalid</c>, <c>JoinNeedsEpsilon</c>, <c>MeasurementNotApproved</c>, <c>DuplicateJoinDataset</c>,
    /// <c>JoinNotAllowed</c>, <c>JoinNeedsProtectedDataset</c>, <c>UnknownLicense</c>, <c>NotLicensee</c>, <c>QuotaExhausted</c>, <c>BudgetExceeded</c>,
    /// <c>DatasetCapExceeded</c>, <c>EmptySpec</c>, <c>SpecTooLarge</c>); nothing was sent.
    /// </exception>
    public async Task<ulong> SubmitJoinAsync(IReadOnlyList<ulong> licenseIds, Hash32 measurement, ReadOnlyMemory<byte> spec, Epsilon epsilon, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(licenseIds);
        var receipt = await SendAsync("submitJoin", [licenseIds.Cast<object?>().ToArray(), measurement.ToArray(), spec.ToArray(), (ulong)epsilon.Micros], cancellationToken).ConfigureAwait(false);
        return Single(receipt, "JoinSubmitted").Values.GetUInt64("jobId");
    }

    /// <summary>Completes a join with its result hash signed by the enclave key of a usable quote under the join's measurement (anyone may send).</summary>
    /// <exception cref="ContractRevertedException">
    /// <c>UnknownJob</c>, <c>NotAJoin</c>, <c>JobNotPending</c>, <c>QuoteNotUsable</c>, <c>QuoteMeasurementMismatch</c>,
    /// <c>QuoteRecordedThisBlock</c>, <c>InvalidSignature</c> or <c>BadResultSignature</c>; nothing was sent.
    /// </exception>
    public Task<TransactionReceipt> CompleteJoinAsync(ulong jobId, ulong quoteId, Hash32 resultHash, EthSignature enclaveSignature, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(enclaveSignature);
        return SendAsync("completeJoin", [jobId, quoteId, resultHash.ToArray(), enclaveSignature.ToBytes()], cancellationToken);
    }

    /// <summary>
    /// Fails a join, signed by the enclave key of a usable quote under the join's measurement (anyone may send); unless
    /// <paramref name="charged"/>, every license gets its quota and ε back.
    /// </summary>
    /// <exception cref="ContractRevertedException">As <see cref="CompleteJoinAsync"/>; nothing was sent.</exception>
    public Task<TransactionReceipt> FailJoinAsync(ulong jobId, ulong quoteId, string reason, bool charged, EthSignature enclaveSignature, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(enclaveSignature);
        return SendAsync("failJoin", [jobId, quoteId, reason, charged, enclaveSignature.ToBytes()], cancellationToken);
    }

    /// <summary>What a join names: its measurement, licenses and datasets, and the ε charged on each license.</summary>
    /// <exception cref="ContractRevertedException"><c>UnknownJob</c> or <c>NotAJoin</c>.</exception>
    public async Task<JoinJob> GetJoinAsync(ulong jobId, CancellationToken cancellationToken = default)
    {
        var values = await CallAsync("joinOf", [jobId], cancellationToken).ConfigureAwait(false);
        return new JoinJob(
            jobId,
            Decoded.H32(values[0]),
            [.. Decoded.Tuple(values[1]).Select(Decoded.U64)],
            [.. Decoded.Tuple(values[2]).Select(Decoded.H32)])
        {
            Charges = [.. Decoded.Tuple(values[3]).Select(v => new Epsilon(checked((long)Decoded.U64(v))))],
        };
    }

    /// <summary>
    /// The digest an enclave signs (as an EIP-191 personal message) to fail a join, computed locally:
    /// keccak256(abi.encode(keccak256("DataTrust.JoinFailure.v1"), jobsContract, chainId, jobId, keccak256(reason), charged)).
    /// </summary>
    public static Hash32 JoinFailureDigest(Address jobsContract, ulong chainId, ulong jobId, string reason, bool charged)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var encoded = Abi.AbiCodec.EncodeParameters(
            [Abi.AbiType.Bytes32, Abi.AbiType.AddressType, Abi.AbiType.UInt256, Abi.AbiType.UInt(64), Abi.AbiType.Bytes32, Abi.AbiType.BoolType],
            [
                Crypto.Keccak256.Compute(System.Text.Encoding.UTF8.GetBytes(JoinFailureTag)).ToArray(), jobsContract, chainId, jobId,
                Crypto.Keccak256.Compute(System.Text.Encoding.UTF8.GetBytes(reason)).ToArray(), charged,
            ]);
        return Crypto.Keccak256.Compute(encoded);
    }

    /// <summary>Signs a join failure the way <c>Jobs.failJoin</c> checks it.</summary>
    public static EthSignature SignJoinFailure(EthereumKey enclaveKey, Address jobsContract, ulong chainId, ulong jobId, string reason, bool charged)
    {
        ArgumentNullException.ThrowIfNull(enclaveKey);
        return PersonalMessage.Sign(enclaveKey, JoinFailureDigest(jobsContract, chainId, jobId, reason, charged).Span);
    }

    /// <summary>The join failure digest as the contract computes it (for cross-checking <see cref="JoinFailureDigest"/>).</summary>
    public async Task<Hash32> GetJoinFailureDigestAsync(ulong jobId, string reason, bool charged, CancellationToken cancellationToken = default) =>
        Decoded.H32((await CallAsync("joinFailureDigest", [jobId, reason, charged], cancellationToken).ConfigureAwait(false))[0]);

    /// <summary>The job id a mined submission created.</summary>
    public ulong JobIdOf(TransactionReceipt receipt)
    {
        var submitted = EventsIn(receipt).FirstOrDefault(e => e.Name is "JobSubmitted" or "JobSubmittedHashed" or "JoinSubmitted")
            ?? throw new InvalidOperationException($"Transaction {receipt.TransactionHash} submitted no job.");
        return submitted.Values.GetUInt64("jobId");
    }

    /// <summary>Completes a job with its result hash and the node's signature (the dataset's node only).</summary>
    public Task<TransactionReceipt> CompleteAsync(ulong jobId, Hash32 resultHash, EthSignature signature, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signature);
        return SendAsync("complete", [jobId, resultHash.ToArray(), signature.ToBytes()], cancellationToken);
    }

    /// <summary>Sends a completion without waiting for it to be mined, with a fixed gas limit (for pipelining).</summary>
    public Task<PendingTransaction> CompleteWithoutWaitingAsync(ulong jobId, Hash32 resultHash, EthSignature signature, ulong gasLimit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signature);
        return SubmitAsync("complete", [jobId, resultHash.ToArray(), signature.ToBytes()], gasLimit, cancellationToken);
    }

    /// <summary>The most completions one <see cref="CompleteBatchAsync"/> may carry (the contract's <c>MAX_BATCH</c>).</summary>
    public const int MaxBatch = 256;

    /// <summary>
    /// Completes many jobs in one transaction (the dataset's node only), each with its own result hash and signature. Atomic: when any
    /// item would be refused by <see cref="CompleteAsync"/>, nothing is completed and the refusal is <c>BatchItemRefused</c>, whose item
    /// and inner error <see cref="BatchRefusalOf"/> decodes.
    /// </summary>
    /// <exception cref="ContractRevertedException">
    /// <c>BatchItemRefused</c>, <c>BatchSizeInvalid</c> (none or more than <see cref="MaxBatch"/>), or the caller's own refusal
    /// (<c>NotAdmitted</c>, <c>WrongRole</c>, <c>ParticipantSuspended</c>); nothing was sent.
    /// </exception>
    public Task<TransactionReceipt> CompleteBatchAsync(IReadOnlyList<JobCompletion> completions, CancellationToken cancellationToken = default) =>
        SendAsync("completeBatch", BatchArguments(completions), cancellationToken);

    /// <summary>Sends a batch completion without waiting for it to be mined, with a fixed gas limit (for pipelining).</summary>
    public Task<PendingTransaction> CompleteBatchWithoutWaitingAsync(IReadOnlyList<JobCompletion> completions, ulong gasLimit, CancellationToken cancellationToken = default) =>
        SubmitAsync("completeBatch", BatchArguments(completions), gasLimit, cancellationToken);

    /// <summary>
    /// Sends many batch completions, one <c>completeBatch</c> transaction each, in one JSON-RPC batch request, with a fixed gas limit
    /// and without waiting; each is reported on its own (see <see cref="TransactionSender.SubmitManyAsync"/>), and a refusal by the
    /// contract shows when awaited, decoded.
    /// </summary>
    /// <exception cref="ArgumentException">No batches, or more than one request may carry; nothing was sent.</exception>
    /// <exception cref="RpcException">The request as a whole failed; any of them may have been sent.</exception>
    public Task<IReadOnlyList<BatchSendOutcome>> CompleteBatchesWithoutWaitingAsync(IReadOnlyList<IReadOnlyList<JobCompletion>> batches, ulong gasLimit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        return SubmitManyAsync("completeBatch", [.. batches.Select(BatchArguments)], gasLimit, cancellationToken);
    }

    /// <summary>The item and inner error of a <c>BatchItemRefused</c> refusal, or null when <paramref name="refusal"/> is another error.</summary>
    public static BatchItemRefusal? BatchRefusalOf(ContractRevertedException refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        if (refusal.ErrorName != "BatchItemRefused")
        {
            return null;
        }

        var args = refusal.Error.Arguments;
        return new BatchItemRefusal(
            checked((int)args.GetUInt64("index")),
            args.GetUInt64("jobId"),
            DataTrustAbi.ErrorDecoder.Decode(args.Get<byte[]>("reason")));
    }

    private static object?[] BatchArguments(IReadOnlyList<JobCompletion> completions)
    {
        ArgumentNullException.ThrowIfNull(completions);
        var ids = new object?[completions.Count];
        var hashes = new object?[completions.Count];
        var signatures = new object?[completions.Count];
        for (var i = 0; i < completions.Count; i++)
        {
            var c = completions[i] ?? throw new ArgumentException($"Completion {i} is null.", nameof(completions));
            ArgumentNullException.ThrowIfNull(c.Signature);
            ids[i] = c.JobId;
            hashes[i] = c.ResultHash.ToArray();
            signatures[i] = c.Signature.ToBytes();
        }

        return [ids, hashes, signatures];
    }

    /// <summary>
    /// Fails a pending job the node refused before reading any row (the dataset's node only), with a reason; a licensed job's quota
    /// and ε go back to its license and its dataset's tally (JobFailed says refunded).
    /// </summary>
    /// <exception cref="ContractRevertedException">With <c>UnknownJob</c>, <c>NotDatasetNode</c> or <c>JobNotPending</c>; nothing was sent.</exception>
    public Task<TransactionReceipt> FailAsync(ulong jobId, string reason, CancellationToken cancellationToken = default) =>
        SendAsync("fail", [jobId, reason], cancellationToken);

    /// <summary>
    /// Fails a pending job the node refused after it read rows (the dataset's node only), with a reason; nothing is refunded, so a
    /// refusal that may depend on the data costs its submitter what a result costs, and the job is closed (no later cancel refunds it).
    /// </summary>
    /// <exception cref="ContractRevertedException">With <c>UnknownJob</c>, <c>NotDatasetNode</c> or <c>JobNotPending</c>; nothing was sent.</exception>
    public Task<TransactionReceipt> FailChargedAsync(ulong jobId, string reason, CancellationToken cancellationToken = default) =>
        SendAsync("failCharged", [jobId, reason], cancellationToken);

    /// <summary>
    /// Cancels a job still pending after the deployment's deadline (its submitter only); a licensed job's quota and ε are refunded.
    /// </summary>
    /// <exception cref="ContractRevertedException">With <c>UnknownJob</c>, <c>NotSubmitter</c>, <c>JobNotPending</c> or <c>NotPastDeadline</c>; nothing was sent.</exception>
    public Task<TransactionReceipt> CancelAsync(ulong jobId, CancellationToken cancellationToken = default) =>
        SendAsync("cancel", [jobId], cancellationToken);

    /// <summary>A job's record.</summary>
    /// <exception cref="ContractRevertedException">With <c>UnknownJob</c> when there is none.</exception>
    public async Task<Job> GetJobAsync(ulong jobId, CancellationToken cancellationToken = default) =>
        ToJob(Tuple(await CallAsync("job", [jobId], cancellationToken).ConfigureAwait(false)));

    /// <summary>Reads many jobs in JSON-RPC batches (one HTTP request per batch instead of one per job), in the order asked.</summary>
    public async Task<IReadOnlyList<Job>> GetJobsAsync(IReadOnlyList<ulong> jobIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobIds);
        if (jobIds.Count == 0)
        {
            return [];
        }

        var answers = await CallManyAsync("job", [.. jobIds.Select(id => new object?[] { id })], cancellationToken).ConfigureAwait(false);
        return [.. answers.Select(a => ToJob(Tuple(a)))];
    }

    private static Job ToJob(object?[] t) =>
        new(
            Decoded.U64(t[0]),
            Decoded.U64(t[1]),
            Decoded.H32(t[2]),
            Decoded.Addr(t[3]),
            (ComputationKind)Decoded.U8(t[4]),
            Decoded.H32(t[5]),
            Decoded.U64(t[6]),
            new Epsilon(checked((long)Decoded.U64(t[7]))),
            (JobStatus)Decoded.U8(t[8]),
            Decoded.H32(t[9]),
            Decoded.U64(t[10]),
            Decoded.U64(t[11]),
            Decoded.U64(t[12]),
            Decoded.U32(t[13]));

    /// <summary>Seconds a job may stay pending before its submitter may cancel it (a deployment parameter).</summary>
    public async Task<TimeSpan> GetPendingDeadlineAsync(BlockTag? at = null, CancellationToken cancellationToken = default) =>
        TimeSpan.FromSeconds(Decoded.U64((await CallAsync("pendingDeadline", [], cancellationToken, at).ConfigureAwait(false))[0]));

    /// <summary>The number of jobs submitted so far (ids run from 1).</summary>
    public async Task<ulong> GetJobCountAsync(CancellationToken cancellationToken = default) =>
        Decoded.U64((await CallAsync("jobCount", [], cancellationToken).ConfigureAwait(false))[0]);

    /// <summary>
    /// The digest a node signs (as an EIP-191 personal message) to complete a job:
    /// keccak256(abi.encode(jobsContract, chainId, jobId, resultHash)), computed locally.
    /// </summary>
    public static Hash32 ResultDigest(Address jobsContract, ulong chainId, ulong jobId, Hash32 resultHash)
    {
        var encoded = Abi.AbiCodec.EncodeParameters(
            [Abi.AbiType.AddressType, Abi.AbiType.UInt256, Abi.AbiType.UInt(64), Abi.AbiType.Bytes32],
            [jobsContract, chainId, jobId, resultHash.ToArray()]);
        return Crypto.Keccak256.Compute(encoded);
    }

    /// <summary>Signs a job result the way <c>Jobs.complete</c> checks it.</summary>
    public static EthSignature SignResult(EthereumKey nodeSigner, Address jobsContract, ulong chainId, ulong jobId, Hash32 resultHash)
    {
        ArgumentNullException.ThrowIfNull(nodeSigner);
        return PersonalMessage.Sign(nodeSigner, ResultDigest(jobsContract, chainId, jobId, resultHash).Span);
    }

    /// <summary>The digest as the contract computes it (for cross-checking <see cref="ResultDigest"/>).</summary>
    public async Task<Hash32> GetResultDigestAsync(ulong jobId, Hash32 resultHash, CancellationToken cancellationToken = default) =>
        Decoded.H32((await CallAsync("resultDigest", [jobId, resultHash.ToArray()], cancellationToken).ConfigureAwait(false))[0]);
}
