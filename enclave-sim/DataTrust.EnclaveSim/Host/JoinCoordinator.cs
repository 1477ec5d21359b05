using DataTrust.Core.Catalog;
using DataTrust.Core.Privacy;
using DataTrust.EnclaveSim.Join;
using DataTrust.Ledger.Attestation;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataTrust.EnclaveSim.Host;

/// <summary>
/// Runs one ENCLAVE_JOIN job inside the (simulated) enclave: checks the job on chain and the requester's authorization,
/// plans the join from the spec and the on-chain policies, asks each dataset's node for exactly the columns it needs
/// (sealed to this enclave's quoted key), joins in memory, adds the noise, signs and completes the job on chain, and
/// forgets the rows. Refusals that depend only on the job fail it on chain. Messages and logs name datasets, columns and
/// counts, never a row value.
/// </summary>
public sealed class JoinCoordinator
{
    /// <summary>How far ahead a requester's authorization may expire.</summary>
    public static readonly TimeSpan MaxAuthorizationValidity = TimeSpan.FromHours(1);

    /// <summary>How long a release request signed by the enclave is valid.</summary>
    public static readonly TimeSpan ReleaseRequestValidity = TimeSpan.FromMinutes(5);

    private readonly EnclaveRuntime runtime;
    private readonly IJoinChain chain;
    private readonly Func<Uri, GrpcChannel> channels;
    private readonly IRandomSource random;
    private readonly TimeProvider time;
    private readonly ILogger logger;

    /// <summary>Creates the coordinator of <paramref name="runtime"/> over <paramref name="chain"/>; <paramref name="channels"/> opens a channel to a node endpoint.</summary>
    public JoinCoordinator(EnclaveRuntime runtime, IJoinChain chain, Func<Uri, GrpcChannel> channels, IRandomSource? random = null, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(channels);
        this.runtime = runtime;
        this.chain = chain;
        this.channels = channels;
        this.random = random ?? CryptoRandomSource.Instance;
        this.time = time ?? TimeProvider.System;
        this.logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Runs the join of <paramref name="request"/> and returns the signed result (already completed on chain).</summary>
    /// <exception cref="JoinRefusalException">The join was refused; the exception says why and whether the job was failed on chain.</exception>
    public async Task<JoinResult> RunAsync(RunJoinRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.JobId == 0 || request.RequesterSignature.Length != EthSignature.Size || request.AuthorizationExpiresAt == 0)
        {
            throw new JoinRefusalException(ErrorReason.MalformedRequest, "RunJoin needs job_id, a 65-byte requester_signature and authorization_expires_at.", jobOnly: false);
        }

        if (runtime.QuoteId == 0 || !await chain.IsQuoteUsableAsync(runtime.QuoteId, cancellationToken).ConfigureAwait(false))
        {
            throw new JoinRefusalException(ErrorReason.EnclaveNotReady, "This SIMULATED enclave has no usable quote on chain (not recorded yet, superseded, or its measurement or platform key was revoked).", jobOnly: false);
        }

        var joinJob = await chain.GetJoinJobAsync(request.JobId, cancellationToken).ConfigureAwait(false)
            ?? throw new JoinRefusalException(ErrorReason.JobNotFound, $"Job {request.JobId} is not an ENCLAVE_JOIN job on chain.", jobOnly: false);
        var job = joinJob.Job;
        if (job.Status != JobStatus.Pending)
        {
            throw new JoinRefusalException(ErrorReason.JobNotPending, $"Job {job.Id} is {job.Status}, not pending.", jobOnly: false);
        }

        if (joinJob.Measurement != runtime.Tee.Measurement)
        {
            throw new JoinRefusalException(ErrorReason.WrongEnclave, $"Job {job.Id} names measurement {joinJob.Measurement}; this SIMULATED enclave is {runtime.Tee.Measurement}.", jobOnly: false);
        }

        CheckAuthorization(request, job);
        var plan = await PlanAsync(joinJob, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("[SIMULATED enclave] job {JobId}: joining {Inputs} datasets ({Datasets}), ε = {Epsilon}", job.Id, plan.Inputs.Count, string.Join(", ", plan.Inputs.Select(i => i.DatasetId)), plan.Epsilon);

        var rowsRead = false;
        try
        {
            using var engine = new JoinEngine(plan);
            for (var i = 0; i < plan.Inputs.Count; i++)
            {
                await FetchAsync(request, plan, i, engine, cancellationToken).ConfigureAwait(false);
                rowsRead = true;
            }

            logger.LogInformation("[SIMULATED enclave] job {JobId}: received {Rows} rows; joining in memory", job.Id, string.Join(" + ", engine.RowCounts));
            var aggregate = engine.Compute(random);
            var body = new JoinAggregateResult { Aggregate = aggregate, Measurement = ByteString.CopyFrom(runtime.Tee.Measurement.Span), Simulated = runtime.Tee.IsSimulated };
            body.DatasetIds.AddRange(plan.Inputs.Select(i => i.DatasetId));
            var bytes = body.ToByteArray();
            var resultHash = Keccak256.Compute(bytes);
            var signature = PersonalMessage.Sign(runtime.Tee.EnclaveKey, JobsContract.ResultDigest(chain.JobsContract, chain.ChainId, job.Id, resultHash).Span);
            await chain.CompleteJoinAsync(job.Id, runtime.QuoteId, resultHash, signature, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("[SIMULATED enclave] job {JobId}: completed on chain with result {ResultHash}; rows forgotten", job.Id, resultHash);
            return new JoinResult
            {
                JobId = job.Id,
                Result = ByteString.CopyFrom(bytes),
                ResultHash = ByteString.CopyFrom(resultHash.Span),
                QuoteId = runtime.QuoteId,
                EnclaveSignature = ByteString.CopyFrom(signature.ToBytes()),
                Simulated = runtime.Tee.IsSimulated,
            };
        }
        catch (JoinRefusalException e)
        {
            logger.LogWarning("[SIMULATED enclave] job {JobId}: {Reason}: {Message}", job.Id, e.Reason, e.Message);
            if (e.JobOnly)
            {
                await FailAsync(job.Id, e, rowsRead || e.RowsRead, cancellationToken).ConfigureAwait(false);
            }

            throw;
        }
        catch (EnclaveException e)
        {
            logger.LogWarning("[SIMULATED enclave] job {JobId}: {Message}", job.Id, e.Message);
            throw new JoinRefusalException(ErrorReason.Internal, e.Message, jobOnly: false, rowsRead, e);
        }
    }

    private void CheckAuthorization(RunJoinRequest request, Job job)
    {
        var now = (ulong)time.GetUtcNow().ToUnixTimeSeconds();
        if (request.AuthorizationExpiresAt <= now)
        {
            throw new JoinRefusalException(ErrorReason.AuthorizationExpired, "The requester's authorization has expired; sign the request again.", jobOnly: false);
        }

        if (request.AuthorizationExpiresAt > now + (ulong)MaxAuthorizationValidity.TotalSeconds)
        {
            throw new JoinRefusalException(ErrorReason.AuthorizationTooLong, $"The requester's authorization expires more than {MaxAuthorizationValidity.TotalMinutes:0} minutes ahead; sign with a nearer expiry.", jobOnly: false);
        }

        if (!JobAuthorization.TryRecoverRequester(request.RequesterSignature.Span, chain.JobsContract, chain.ChainId, job.Id, request.AuthorizationExpiresAt, out var requester, out _)
            || requester != job.Submitter)
        {
            throw new JoinRefusalException(ErrorReason.SignatureInvalid, $"The requester signature does not recover to the submitter of job {job.Id}.", jobOnly: false);
        }
    }

    private async Task<JoinPlan> PlanAsync(ChainJoinJob joinJob, CancellationToken cancellationToken)
    {
        var job = joinJob.Job;
        JoinQuery query;
        try
        {
            query = JoinQuery.Parser.ParseFrom(joinJob.Spec.Span);
        }
        catch (InvalidProtocolBufferException)
        {
            throw await FailedAsync(job.Id, "The job's spec is not a JoinQuery.").ConfigureAwait(false);
        }

        if (!query.ToByteString().Span.SequenceEqual(joinJob.Spec.Span))
        {
            throw await FailedAsync(job.Id, "The job's spec is not the canonical serialization of its JoinQuery.").ConfigureAwait(false);
        }

        var datasets = new Dictionary<string, DatasetSpec>(StringComparer.Ordinal);
        foreach (var input in query.Inputs)
        {
            var id = DatasetIds.OnChainId(input.DatasetId);
            if (!joinJob.DatasetIds.Contains(id))
            {
                throw await FailedAsync(job.Id, $"The spec joins dataset '{input.DatasetId}', which the job holds no license for.").ConfigureAwait(false);
            }

            var dataset = await chain.GetDatasetAsync(id, cancellationToken).ConfigureAwait(false);
            if (!dataset.Active)
            {
                throw await FailedAsync(job.Id, $"Dataset '{input.DatasetId}' is retired.").ConfigureAwait(false);
            }

            datasets[input.DatasetId] = dataset.Spec;
        }

        if (datasets.Count != joinJob.DatasetIds.Count)
        {
            throw await FailedAsync(job.Id, "The spec does not join exactly the datasets the job's licenses are for.").ConfigureAwait(false);
        }

        var planned = JoinPlan.Create(query, datasets, job.Epsilon);
        return planned.Plan ?? throw await FailedAsync(job.Id, planned.Reason).ConfigureAwait(false);

        async Task<JoinRefusalException> FailedAsync(ulong jobId, string message)
        {
            var refusal = new JoinRefusalException(ErrorReason.JoinSpecInvalid, message, jobOnly: true);
            logger.LogWarning("[SIMULATED enclave] job {JobId}: refused: {Message}", jobId, message);
            await FailAsync(jobId, refusal, charged: false, cancellationToken).ConfigureAwait(false);
            return new JoinRefusalException(ErrorReason.JoinSpecInvalid, message + " The job was failed on chain (refunded).", jobOnly: false);
        }
    }

    private async Task FetchAsync(RunJoinRequest request, JoinPlan plan, int index, JoinEngine engine, CancellationToken cancellationToken)
    {
        var input = plan.Inputs[index];
        var dataset = await chain.GetDatasetAsync(DatasetIds.OnChainId(input.DatasetId), cancellationToken).ConfigureAwait(false);
        var node = await chain.GetNodeAsync(dataset.Spec.Node, cancellationToken).ConfigureAwait(false);
        if (!Uri.TryCreate(node.Endpoint, UriKind.Absolute, out var endpoint))
        {
            throw new JoinRefusalException(ErrorReason.PeerRefused, $"The node of dataset '{input.DatasetId}' has no usable endpoint on chain.", jobOnly: false);
        }

        var columns = input.Columns.Select(c => c.Name).ToList();
        var expiresAt = JobAuthorization.ExpiryFrom(time.GetUtcNow(), ReleaseRequestValidity);
        var enclaveSignature = ReleaseRequestSignature.Sign(runtime.Tee.EnclaveKey, chain.ChainId, chain.EnclavesContract, request.JobId, runtime.QuoteId, input.DatasetId, columns, dataset.Spec.Node, expiresAt);
        var release = new ReleaseRequest
        {
            JobId = request.JobId,
            QuoteId = runtime.QuoteId,
            DatasetId = input.DatasetId,
            RequesterSignature = request.RequesterSignature,
            AuthorizationExpiresAt = request.AuthorizationExpiresAt,
            EnclaveSignature = ByteString.CopyFrom(enclaveSignature.ToBytes()),
            RequestExpiresAt = expiresAt,
        };
        release.Columns.AddRange(columns);
        var channel = channels(endpoint);
        var hash = await ReleaseFetcher.FetchAsync(new ReleaseService.ReleaseServiceClient(channel), release, dataset.Spec.Node, input, index, engine, runtime.Tee.EnclaveKey, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("[SIMULATED enclave] job {JobId}: received dataset {Dataset} ({Rows} rows, stream {StreamHash})", request.JobId, input.DatasetId, engine.RowCounts[index], hash);
    }

    private async Task FailAsync(ulong jobId, JoinRefusalException refusal, bool charged, CancellationToken cancellationToken)
    {
        try
        {
            await chain.FailJoinAsync(jobId, runtime.QuoteId, refusal.Message, charged, runtime.Tee.EnclaveKey, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("[SIMULATED enclave] job {JobId}: failed on chain ({Charged})", jobId, charged ? "charged" : "refunded");
        }
        catch (ContractRevertedException e)
        {
            logger.LogWarning("[SIMULATED enclave] job {JobId}: failJoin was refused on chain: {Error}", jobId, e.Message);
        }
    }
}
