using System.Numerics;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Rpc;
using DataTrust.Node.Query;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using Google.Protobuf;
using ChainJob = DataTrust.Ledger.Contracts.Job;
using ChainKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Node.Execution;

/// <summary>Everything the chain gate established about a job that may run.</summary>
/// <param name="Job">The job as the chain records it (pending).</param>
/// <param name="Dataset">The catalog entry of its dataset (held by this node).</param>
/// <param name="Local">The node's own copy of the dataset, matching the catalog entry.</param>
/// <param name="Policy">The on-chain policy to enforce.</param>
/// <param name="Spec">The spec bytes, whose Keccak-256 is the on-chain spec hash.</param>
/// <param name="Query">The query the spec carries.</param>
public sealed record JobTicket(ChainJob Job, Dataset Dataset, DatasetDescriptor Local, DatasetPolicy Policy, byte[] Spec, AggregateQuery Query);

/// <summary>The gate's answer: a ticket, or the refusal that stops the job.</summary>
/// <param name="Ticket">Set when the job may run.</param>
/// <param name="Refusal">Set when it may not.</param>
public sealed record GateDecision(JobTicket? Ticket, QueryRefusal? Refusal);

/// <summary>
/// The chain gate of DESIGN.md: a node learns what to compute from the chain, not from the caller. In order: the job
/// exists and is pending; its dataset is held by this node; the spec bytes are the ones on chain; the requester's
/// signature recovers to the job's submitter; the license is valid now. Any failure, including an unreachable
/// chain, refuses the job and nothing is computed.
/// </summary>
public sealed class ChainGate
{
    private readonly DataTrustLedger _ledger;
    private readonly DatasetStore _store;

    /// <summary>Creates a gate for the node whose account is <paramref name="nodeAccount"/>.</summary>
    public ChainGate(DataTrustLedger ledger, Address nodeAccount, DatasetStore store)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(store);
        _ledger = ledger;
        NodeAccount = nodeAccount;
        _store = store;
    }

    /// <summary>The node's on-chain account.</summary>
    public Address NodeAccount { get; }

    /// <summary>Checks a job against the chain.</summary>
    /// <param name="jobId">The on-chain job id.</param>
    /// <param name="requesterSignature">The submitter's <see cref="JobAuthorization"/> signature.</param>
    /// <param name="spec">The spec bytes if the caller sent them; otherwise they are read from the chain.</param>
    /// <param name="cancellationToken">Cancels the chain reads.</param>
    public async Task<GateDecision> CheckAsync(ulong jobId, ReadOnlyMemory<byte> requesterSignature, ReadOnlyMemory<byte>? spec, CancellationToken cancellationToken)
    {
        try
        {
            return await CheckCoreAsync(jobId, requesterSignature, spec, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            return Refuse(ErrorReason.ChainUnavailable, "job_id", $"The chain cannot be reached to authorize job {jobId} ({ex.Kind}); the node refuses until it can check the job.");
        }
    }

    /// <summary>
    /// The license half of Explain: would a job with this query be accepted under the license now? Checks the
    /// license exists, covers the query's dataset and the aggregate kind, is neither revoked nor expired, has quota
    /// left and ε for the query. Returns null when it would, else the refusal. Costs nothing on chain.
    /// </summary>
    public async Task<QueryRefusal?> ExplainLicenseAsync(ulong licenseId, AggregateQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        try
        {
            License license;
            try
            {
                license = await _ledger.Licenses.GetLicenseAsync(licenseId, cancellationToken).ConfigureAwait(false);
            }
            catch (ContractRevertedException ex) when (ex.ErrorName == "UnknownLicense")
            {
                return new QueryRefusal(ErrorReason.LicenseInvalid, "license_id", $"There is no license {licenseId} on chain.");
            }

            var now = (await _ledger.Rpc.GetBlockAsync(BlockTag.Latest, cancellationToken).ConfigureAwait(false))?.Timestamp ?? 0;
            var epsilon = query.HasEpsilonMicros ? query.EpsilonMicros : 0;
            string? problem = null;
            if (string.IsNullOrEmpty(query.DatasetId) || DatasetIds.OnChainId(query.DatasetId) != license.DatasetId)
            {
                problem = $"License {licenseId} covers catalog dataset {license.DatasetId}, not '{query.DatasetId}'.";
            }
            else if (license.Revoked)
            {
                problem = $"License {licenseId} was revoked.";
            }
            else if (license.ExpiresAt <= now)
            {
                problem = $"License {licenseId} expired at {DateTimeOffset.FromUnixTimeSeconds((long)license.ExpiresAt):u}.";
            }
            else if (!license.Kinds.Allows(ChainKind.Aggregate))
            {
                problem = $"License {licenseId} does not allow aggregate jobs.";
            }
            else if (license.QuotaRemaining == 0)
            {
                problem = $"License {licenseId} has no quota left.";
            }
            else if (epsilon > (ulong)license.EpsilonRemaining.Micros)
            {
                problem = $"The query spends ε = {epsilon} micro; license {licenseId} has {license.EpsilonRemaining.Micros} micro left.";
            }

            return problem is null ? null : new QueryRefusal(ErrorReason.LicenseInvalid, "license_id", problem);
        }
        catch (RpcException ex)
        {
            return new QueryRefusal(ErrorReason.ChainUnavailable, "license_id", $"The chain cannot be reached to check license {licenseId} ({ex.Kind}).");
        }
    }

    /// <summary>True when <paramref name="requesterSignature"/> is the submitter's request for the job (for handing back a stored result).</summary>
    public bool IsRequester(ChainJob job, ReadOnlySpan<byte> requesterSignature) =>
        JobAuthorization.TryRecoverRequester(requesterSignature, _ledger.Deployment.Jobs, _ledger.Deployment.ChainId, job.Id, out var who, out _)
        && who == job.Submitter;

    /// <summary>Reads a job from the chain; null when it does not exist.</summary>
    public async Task<ChainJob?> FindJobAsync(ulong jobId, CancellationToken cancellationToken)
    {
        try
        {
            return await _ledger.Jobs.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        }
        catch (ContractRevertedException ex) when (ex.ErrorName == "UnknownJob")
        {
            return null;
        }
    }

    private async Task<GateDecision> CheckCoreAsync(ulong jobId, ReadOnlyMemory<byte> requesterSignature, ReadOnlyMemory<byte>? spec, CancellationToken cancellationToken)
    {
        // 1. The job exists on chain and is pending.
        var job = await FindJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return Refuse(ErrorReason.JobNotFound, "job_id", $"There is no job {jobId} on chain.");
        }

        if (job.Status != JobStatus.Pending)
        {
            return Refuse(ErrorReason.JobNotPending, "job_id", $"Job {jobId} is {job.Status.ToString().ToLowerInvariant()}, not pending; a job runs once.");
        }

        // 2. Its dataset is held by this node.
        var dataset = await _ledger.Catalog.GetDatasetAsync(job.DatasetId, cancellationToken).ConfigureAwait(false);
        if (dataset.Spec.Node != NodeAccount)
        {
            return Refuse(ErrorReason.WrongNode, "job_id", $"Job {jobId} is for dataset {job.DatasetId}, which node {dataset.Spec.Node} holds, not this node ({NodeAccount}).");
        }

        // 3. The spec bytes are the ones on chain (sent by the caller, or read from the JobSubmitted event).
        var specBytes = spec is { } sent ? sent.ToArray() : await ReadSpecFromChainAsync(job, cancellationToken).ConfigureAwait(false);
        if (specBytes is null)
        {
            return Refuse(ErrorReason.SpecHashMismatch, "spec", $"Job {jobId} carries only a spec hash on chain; send the spec bytes with the request.");
        }

        var actualHash = Keccak256.Compute(specBytes);
        if (actualHash != job.SpecHash || (ulong)specBytes.Length != job.SpecSize)
        {
            return Refuse(
                ErrorReason.SpecHashMismatch,
                "spec",
                $"The spec bytes ({specBytes.Length} bytes, hash {actualHash}) are not job {jobId}'s on-chain spec ({job.SpecSize} bytes, hash {job.SpecHash}).");
        }

        // 4. The requester's signature recovers to the job's submitter.
        if (!JobAuthorization.TryRecoverRequester(requesterSignature.Span, _ledger.Deployment.Jobs, _ledger.Deployment.ChainId, jobId, out var requester, out var signatureError))
        {
            return Refuse(ErrorReason.SignatureInvalid, "requester_signature", $"The requester signature is not valid: {signatureError}");
        }

        if (requester != job.Submitter)
        {
            return Refuse(ErrorReason.SignatureInvalid, "requester_signature", $"The requester signature is by {requester}, but job {jobId} was submitted by {job.Submitter}.");
        }

        // 5. The license is valid now: revocation or expiry between submit and execute is honoured.
        var licenseProblem = await CheckLicenseAsync(job, dataset, cancellationToken).ConfigureAwait(false);
        if (licenseProblem is not null)
        {
            return Refuse(ErrorReason.LicenseInvalid, "job_id", licenseProblem);
        }

        return CheckSpecAgainstData(job, dataset, specBytes);
    }

    private async Task<string?> CheckLicenseAsync(ChainJob job, Dataset dataset, CancellationToken cancellationToken)
    {
        var license = await _ledger.Licenses.GetLicenseAsync(job.LicenseId, cancellationToken).ConfigureAwait(false);
        if (license.Revoked)
        {
            return $"License {license.Id} was revoked; job {job.Id} may not run.";
        }

        var now = (await _ledger.Rpc.GetBlockAsync(BlockTag.Latest, cancellationToken).ConfigureAwait(false))?.Timestamp ?? 0;
        if (license.ExpiresAt <= now)
        {
            return $"License {license.Id} expired at {DateTimeOffset.FromUnixTimeSeconds((long)license.ExpiresAt):u}; job {job.Id} may not run.";
        }

        if (!await _ledger.Participants.IsActiveAsync(job.Submitter, Role.Enterprise, cancellationToken).ConfigureAwait(false))
        {
            return $"The licensee {job.Submitter} is suspended or no longer admitted; job {job.Id} may not run.";
        }

        return dataset.Active ? null : $"Dataset {dataset.Spec.Id} was retired; job {job.Id} may not run.";
    }

    private GateDecision CheckSpecAgainstData(ChainJob job, Dataset dataset, byte[] specBytes)
    {
        JobSpec parsed;
        try
        {
            parsed = JobSpec.Parser.ParseFrom(specBytes);
        }
        catch (InvalidProtocolBufferException)
        {
            return Refuse(ErrorReason.MalformedRequest, "spec", $"Job {job.Id}'s spec bytes are not a JobSpec message.");
        }

        if ((int)parsed.Kind != (int)job.Kind || job.Kind != ChainKind.Aggregate || parsed.PayloadCase != JobSpec.PayloadOneofCase.Aggregate)
        {
            return Refuse(ErrorReason.KindNotAllowed, "spec.kind", $"Job {job.Id} is of kind {job.Kind} on chain; this node runs aggregate jobs whose spec carries an aggregate query of the same kind.");
        }

        var query = parsed.Aggregate;
        if (string.IsNullOrEmpty(query.DatasetId) || DatasetIds.OnChainId(query.DatasetId) != job.DatasetId)
        {
            return Refuse(ErrorReason.UnknownDataset, "spec.aggregate.dataset_id", $"The query names dataset '{query.DatasetId}', but job {job.Id} is licensed for catalog dataset {job.DatasetId}.");
        }

        if (query.HasEpsilonMicros && query.EpsilonMicros != (ulong)job.Epsilon.Micros)
        {
            return Refuse(ErrorReason.InvalidEpsilon, "spec.aggregate.epsilon_micros", $"The query asks for ε = {query.EpsilonMicros} micro, but job {job.Id} paid for ε = {job.Epsilon.Micros} micro on chain.");
        }

        var local = _store.Find(query.DatasetId);
        if (local is null)
        {
            return Refuse(ErrorReason.UnknownDataset, "spec.aggregate.dataset_id", $"This node holds no dataset '{query.DatasetId}'.");
        }

        if (local.SchemaHash != dataset.Spec.SchemaHash || local.SnapshotCommitment != dataset.Spec.SnapshotCommitment)
        {
            return Refuse(ErrorReason.DatasetMismatch, "spec.aggregate.dataset_id", $"The node's copy of '{query.DatasetId}' does not match its catalog entry (schema hash or snapshot commitment); the operator must publish the current snapshot.");
        }

        return new GateDecision(new JobTicket(job, dataset, local, PolicyOf(dataset.Spec), specBytes, query), null);
    }

    private async Task<byte[]?> ReadSpecFromChainAsync(ChainJob job, CancellationToken cancellationToken)
    {
        var events = await _ledger.Jobs.GetEventsAsync(job.SubmittedBlock, job.SubmittedBlock, cancellationToken).ConfigureAwait(false);
        var submitted = events.FirstOrDefault(e => e.Name == "JobSubmitted" && e.Values.GetUInt64("jobId") == job.Id);
        return submitted?.Values.GetBytes("spec");
    }

    /// <summary>The policy the catalog entry states: the chain, not the node's local copy, is the source of truth.</summary>
    public static DatasetPolicy PolicyOf(DatasetSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var dominance = spec.DominancePercent == 0 ? DominanceRule.Disabled : new DominanceRule(spec.DominanceN, spec.DominancePercent);
        return new DatasetPolicy(
            checked((int)spec.MinGroupSize),
            dominance,
            spec.Sensitivity,
            spec.AllowedKinds,
            [.. spec.Columns.Select(c => new ColumnPolicy(
                c.Name,
                c.Permissions,
                c.LowerBound.IsZero && c.UpperBound.IsZero ? null : (BigInteger?)c.LowerBound,
                c.LowerBound.IsZero && c.UpperBound.IsZero ? null : (BigInteger?)c.UpperBound))]);
    }

    private static GateDecision Refuse(ErrorReason reason, string field, string message) => new(null, new QueryRefusal(reason, field, message));
}
