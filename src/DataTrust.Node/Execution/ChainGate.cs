using System.Numerics;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Rpc;
using DataTrust.Node.Homomorphic;
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
/// <param name="SpecBytes">The spec bytes, whose Keccak-256 is the on-chain spec hash.</param>
/// <param name="Spec">The parsed spec, of the job's kind, naming this node's dataset.</param>
public sealed record JobTicket(ChainJob Job, Dataset Dataset, DatasetDescriptor Local, DatasetPolicy Policy, byte[] SpecBytes, JobSpec Spec)
{
    /// <summary>The query of an aggregate job.</summary>
    public AggregateQuery Query => Spec.Aggregate;

    /// <summary>For a cross-domain sum: which part of the spec is this node's (0 = this node coordinates).</summary>
    public int PartIndex { get; init; } = -1;

    /// <summary>For a cross-domain sum's first part: the other parts' jobs, checked against the chain, in spec order.</summary>
    public IReadOnlyList<ChainJob> PeerJobs { get; init; } = [];
}

/// <summary>The gate's answer: a ticket, or the refusal that stops the job.</summary>
/// <param name="Ticket">Set when the job may run.</param>
/// <param name="Refusal">Set when it may not.</param>
public sealed record GateDecision(JobTicket? Ticket, QueryRefusal? Refusal)
{
    /// <summary>
    /// Set with a refusal that depends only on the chain and the job's own spec (Job lifecycle): the job is pending, its
    /// dataset is held by this node, the spec is the on-chain one and the request is signed by the submitter, so the node
    /// fails the job on chain. Null for a refusal that depends on the caller, which never touches the chain.
    /// </summary>
    public ChainJob? FailableJob { get; init; }
}

/// <summary>
/// The chain gate of DESIGN.md: a node learns what to compute from the chain, not from the caller. In order: the job
/// exists and is pending; its dataset is held by this node; the spec bytes are the ones on chain; the requester's
/// signature recovers to the job's submitter; the license is valid now. Any failure, including an unreachable
/// chain, refuses the job and nothing is computed.
/// </summary>
public sealed class ChainGate
{
    /// <summary>How far ahead a requester's authorization may expire unless the node says otherwise.</summary>
    public static readonly TimeSpan DefaultMaxAuthorizationValidity = TimeSpan.FromHours(1);

    private readonly DataTrustLedger _ledger;
    private readonly DatasetStore _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _maxValidity;

    /// <summary>Creates a gate for the node whose account is <paramref name="nodeAccount"/>.</summary>
    /// <param name="ledger">The chain, read as the node.</param>
    /// <param name="nodeAccount">The node's on-chain account.</param>
    /// <param name="store">The node's datasets.</param>
    /// <param name="time">The clock authorizations are checked against (the system clock when null).</param>
    /// <param name="maxAuthorizationValidity">How far ahead an authorization may expire (<see cref="DefaultMaxAuthorizationValidity"/> when null).</param>
    public ChainGate(DataTrustLedger ledger, Address nodeAccount, DatasetStore store, TimeProvider? time = null, TimeSpan? maxAuthorizationValidity = null)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(store);
        var validity = maxAuthorizationValidity ?? DefaultMaxAuthorizationValidity;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(validity, TimeSpan.Zero, nameof(maxAuthorizationValidity));
        _ledger = ledger;
        NodeAccount = nodeAccount;
        _store = store;
        _time = time ?? TimeProvider.System;
        _maxValidity = validity;
    }

    /// <summary>
    /// Null when an authorization expiring at <paramref name="expiresAt"/> (Unix seconds) may be used now; else the refusal:
    /// <c>AUTHORIZATION_EXPIRED</c> once it has expired, <c>AUTHORIZATION_TOO_LONG</c> when it expires further ahead than
    /// the node's maximum validity. Reads nothing; a refusal here depends on the caller and never touches the chain.
    /// </summary>
    public QueryRefusal? CheckExpiry(ulong expiresAt, string field)
    {
        var now = _time.GetUtcNow();
        var nowSeconds = (ulong)now.ToUnixTimeSeconds();
        if (expiresAt < nowSeconds)
        {
            return new QueryRefusal(
                ErrorReason.AuthorizationExpired,
                field,
                $"The requester's authorization expired at {Format(expiresAt)} (now {now:yyyy-MM-ddTHH:mm:ssZ}); sign the request again. Nothing was read and the job is unchanged.");
        }

        var latest = nowSeconds + (ulong)_maxValidity.TotalSeconds;
        if (expiresAt > latest)
        {
            return new QueryRefusal(
                ErrorReason.AuthorizationTooLong,
                field,
                $"The requester's authorization expires at {Format(expiresAt)}, more than {_maxValidity.TotalMinutes:0.#} minutes ahead (this node's maximum validity); sign with an earlier expiry. Nothing was read.");
        }

        return null;
    }

    private static string Format(ulong unixSeconds) =>
        unixSeconds > (ulong)DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            ? $"{unixSeconds} (Unix seconds)"
            : DateTimeOffset.FromUnixTimeSeconds((long)unixSeconds).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The node's on-chain account.</summary>
    public Address NodeAccount { get; }

    /// <summary>Checks a job against the chain.</summary>
    /// <param name="jobId">The on-chain job id.</param>
    /// <param name="requesterSignature">The submitter's <see cref="JobAuthorization"/> signature.</param>
    /// <param name="spec">The spec bytes if the caller sent them; otherwise they are read from the chain.</param>
    /// <param name="cancellationToken">Cancels the chain reads.</param>
    /// <param name="expiresAt">When that signature expires (Unix seconds).</param>
    public Task<GateDecision> CheckAsync(ulong jobId, ReadOnlyMemory<byte> requesterSignature, ulong expiresAt, ReadOnlyMemory<byte>? spec, CancellationToken cancellationToken) =>
        CheckAsync(new JobRequest(jobId, requesterSignature, expiresAt, spec), cancellationToken);

    /// <summary>Checks a job against the chain, with the cross-domain parts of the request.</summary>
    public async Task<GateDecision> CheckAsync(JobRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return await CheckCoreAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            return Refuse(ErrorReason.ChainUnavailable, "job_id", $"The chain cannot be reached to authorize job {request.JobId} ({ex.Kind}); the node refuses until it can check the job.");
        }
    }

    /// <summary>
    /// The license half of Explain: would a job with this query be accepted under the license now? Checks the
    /// license exists, covers the query's dataset and the aggregate kind, is neither revoked nor expired, has quota
    /// left and ε for the query, and that the dataset's ε cap (shared by every license) has room. Returns null when it
    /// would, else the refusal. Costs nothing on chain.
    /// </summary>
    public async Task<QueryRefusal?> ExplainLicenseAsync(ulong licenseId, AggregateQuery query, CancellationToken cancellationToken) =>
        (await ExplainLicensedAsync(licenseId, query, cancellationToken).ConfigureAwait(false)).Refusal;

    /// <summary>
    /// <see cref="ExplainLicenseAsync"/>, and the dataset's on-chain policy: the one the gate will enforce when the job
    /// runs, so Explain judges the query by it too (the node's local copy may differ).
    /// </summary>
    public async Task<(DatasetPolicy? Policy, QueryRefusal? Refusal)> ExplainLicensedAsync(ulong licenseId, AggregateQuery query, CancellationToken cancellationToken)
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
                return (null, new QueryRefusal(ErrorReason.LicenseInvalid, "license_id", $"There is no license {licenseId} on chain."));
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

            if (problem is not null)
            {
                return (null, new QueryRefusal(ErrorReason.LicenseInvalid, "license_id", problem));
            }

            var dataset = await _ledger.Catalog.GetDatasetAsync(license.DatasetId, cancellationToken).ConfigureAwait(false);
            if (epsilon > 0)
            {
                var spent = await _ledger.Licenses.GetDatasetEpsilonSpentAsync(license.DatasetId, cancellationToken: cancellationToken).ConfigureAwait(false);
                var left = Math.Max(0, dataset.Spec.EpsilonCap.Micros - spent.Micros);
                if (epsilon > (ulong)left)
                {
                    return (null, new QueryRefusal(ErrorReason.LicenseInvalid, "epsilon_micros",
                        $"The query spends ε = {epsilon} micro; the dataset's ε cap, shared by every license, has {left} micro left."));
                }
            }

            return (PolicyOf(dataset.Spec), null);
        }
        catch (RpcException ex)
        {
            return (null, new QueryRefusal(ErrorReason.ChainUnavailable, "license_id", $"The chain cannot be reached to check license {licenseId} ({ex.Kind})."));
        }
    }

    /// <summary>
    /// The open half of Explain: would an open job (no license, 开放尽开放) with this query be accepted now? Checks that the
    /// query's dataset is published, active, held by this node, OPEN and allows aggregates, and that the query spends no ε
    /// (an open job has ε 0 on chain). Returns null when it would, else the refusal. Costs nothing on chain.
    /// </summary>
    public async Task<QueryRefusal?> ExplainOpenAsync(AggregateQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (string.IsNullOrEmpty(query.DatasetId))
        {
            return new QueryRefusal(ErrorReason.MalformedRequest, "query.dataset_id", "query.dataset_id: name the dataset the open job would run on.");
        }

        try
        {
            var (dataset, refusal) = await OpenEntryAsync(query.DatasetId, "query.dataset_id", cancellationToken).ConfigureAwait(false);
            if (refusal is not null)
            {
                return refusal;
            }

            if (!dataset!.Spec.AllowedKinds.Allows(ChainKind.Aggregate))
            {
                return new QueryRefusal(ErrorReason.KindNotAllowed, "query.dataset_id", $"Dataset '{query.DatasetId}' is OPEN but allows no aggregate jobs in the catalog.");
            }

            return query.HasEpsilonMicros && query.EpsilonMicros != 0
                ? new QueryRefusal(ErrorReason.InvalidEpsilon, "query.epsilon_micros", "An open job spends no ε: answers on an OPEN dataset are exact. Leave epsilon_micros unset.")
                : null;
        }
        catch (RpcException ex)
        {
            return new QueryRefusal(ErrorReason.ChainUnavailable, "query.dataset_id", $"The chain cannot be reached to check that dataset '{query.DatasetId}' is OPEN ({ex.Kind}).");
        }
    }

    /// <summary>
    /// The chain half of a snapshot download: null when the catalog entry of <paramref name="local"/> is published, active,
    /// OPEN, held by this node, and carries this node's schema hash and snapshot commitment; else the refusal. The
    /// caller checks the node's own grade first. Costs nothing on chain; an unreachable chain refuses (fails closed).
    /// </summary>
    public async Task<QueryRefusal?> CheckSnapshotAsync(DatasetDescriptor local, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(local);
        try
        {
            var (dataset, refusal) = await OpenEntryAsync(local.Id, "dataset_id", cancellationToken).ConfigureAwait(false);
            if (refusal is not null)
            {
                return refusal;
            }

            return dataset!.Spec.SchemaHash == local.SchemaHash && dataset.Spec.SnapshotCommitment == local.SnapshotCommitment
                ? null
                : new QueryRefusal(
                    ErrorReason.DatasetMismatch,
                    "dataset_id",
                    $"The node's copy of '{local.Id}' is not the snapshot its catalog entry commits to (schema hash or commitment differ); the operator must publish the current snapshot before it is served.");
        }
        catch (RpcException ex)
        {
            return new QueryRefusal(ErrorReason.ChainUnavailable, "dataset_id", $"The chain cannot be reached to check that dataset '{local.Id}' is OPEN ({ex.Kind}); the node serves no snapshot until it can.");
        }
    }

    /// <summary>The catalog entry of a dataset that is open to anyone on this node, or why it is not.</summary>
    private async Task<(Dataset? Dataset, QueryRefusal? Refusal)> OpenEntryAsync(string datasetId, string field, CancellationToken cancellationToken)
    {
        Dataset dataset;
        try
        {
            dataset = await _ledger.Catalog.GetDatasetAsync(DatasetIds.OnChainId(datasetId), cancellationToken).ConfigureAwait(false);
        }
        catch (ContractRevertedException ex) when (ex.ErrorName == "UnknownDataset")
        {
            return (null, new QueryRefusal(ErrorReason.NotOpen, field, $"Dataset '{datasetId}' is not published in the on-chain catalog; only a dataset published OPEN is open to anyone."));
        }

        if (dataset.Spec.Node != NodeAccount)
        {
            return (null, new QueryRefusal(ErrorReason.WrongNode, field, $"Dataset '{datasetId}' is held by node {dataset.Spec.Node} in the catalog, not by this node ({NodeAccount})."));
        }

        if (!dataset.Active)
        {
            return (null, new QueryRefusal(ErrorReason.NotOpen, field, $"Dataset '{datasetId}' was retired from the catalog; it is open to no one."));
        }

        if (dataset.Spec.Grade != ProtectionGrade.Open)
        {
            return (null, new QueryRefusal(
                ErrorReason.NotOpen,
                field,
                $"Dataset '{datasetId}' is {dataset.Spec.Grade.Name()} in the catalog, not OPEN: its rows never leave the node, and a job on it needs a license (request one from its operator)."));
        }

        return (dataset, null);
    }

    /// <summary>True when <paramref name="requesterSignature"/> is the submitter's request for the job (for handing back a stored result).</summary>
    public bool IsRequester(ChainJob job, ReadOnlySpan<byte> requesterSignature, ulong expiresAt) =>
        JobAuthorization.TryRecoverRequester(requesterSignature, _ledger.Deployment.Jobs, _ledger.Deployment.ChainId, job.Id, expiresAt, out var who, out _)
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

    private async Task<GateDecision> CheckCoreAsync(JobRequest request, CancellationToken cancellationToken)
    {
        var jobId = request.JobId;
        var requesterSignature = request.RequesterSignature;
        var spec = request.Spec;

        // 0. The authorization has not expired (and is not too long-lived): the caller's problem, checked before any read.
        if (CheckExpiry(request.ExpiresAt, "authorization_expires_at") is { } expired)
        {
            return new GateDecision(null, expired);
        }

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
        // A spec sent as a whole array (ExecuteStream's buffer) is used as it is, not copied: it can be tens of MiB.
        var specBytes = spec is { } sent
            ? (System.Runtime.InteropServices.MemoryMarshal.TryGetArray(sent, out var whole) && whole.Offset == 0 && whole.Count == whole.Array!.Length ? whole.Array : sent.ToArray())
            : await ReadSpecFromChainAsync(job, cancellationToken).ConfigureAwait(false);
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
        if (!JobAuthorization.TryRecoverRequester(requesterSignature.Span, _ledger.Deployment.Jobs, _ledger.Deployment.ChainId, jobId, request.ExpiresAt, out var requester, out var signatureError))
        {
            return Refuse(ErrorReason.SignatureInvalid, "requester_signature", $"The requester signature is not valid: {signatureError}");
        }

        if (requester != job.Submitter)
        {
            return Refuse(ErrorReason.SignatureInvalid, "requester_signature", $"The requester signature is by {requester}, but job {jobId} was submitted by {job.Submitter}.");
        }

        // From here on every refusal but the cross-domain request's own (peers, coordinator) depends only on the chain and
        // the job's spec, which the submitter signed for: the job can never run, so it is failed on chain (Job lifecycle).
        // Everything above depends on the caller (or is not this node's job) and never touches the chain.
        // 5. The license is valid now: revocation or expiry between submit and execute is honoured.
        var licenseProblem = await CheckLicenseAsync(job, dataset, cancellationToken).ConfigureAwait(false);
        if (licenseProblem is not null)
        {
            return Refuse(ErrorReason.LicenseInvalid, "job_id", licenseProblem) with { FailableJob = job };
        }

        var named = await NamedSnapshotAsync(job, dataset, cancellationToken).ConfigureAwait(false);
        var decision = CheckSpecAgainstData(job, dataset, named, specBytes);
        if (decision.Ticket is not { } ticket)
        {
            return decision with { FailableJob = job };
        }

        // 6. Kind-specific chain checks: consent of every scored subject, the parts of a cross-domain sum.
        return ticket.Job.Kind switch
        {
            ChainKind.HeScoring => await CheckConsentAsync(ticket, cancellationToken).ConfigureAwait(false) is { Refusal: not null } refused
                ? refused with { FailableJob = job }
                : new GateDecision(ticket, null),
            ChainKind.HeCrossDomainSum => await CheckCrossDomainAsync(ticket, request, cancellationToken).ConfigureAwait(false),
            _ => decision,
        };
    }

    private async Task<string?> CheckLicenseAsync(ChainJob job, Dataset dataset, CancellationToken cancellationToken)
    {
        if (job.LicenseId == 0)
        {
            // An open job (开放尽开放): no license, only an aggregate on a dataset that is OPEN on chain now.
            if (dataset.Spec.Grade != ProtectionGrade.Open || job.Kind != ChainKind.Aggregate)
            {
                return $"Job {job.Id} has no license, and dataset {dataset.Spec.Id} is not OPEN for aggregates; it may not run.";
            }

            return dataset.Active ? null : $"Dataset {dataset.Spec.Id} was retired; job {job.Id} may not run.";
        }

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

    /// <summary>
    /// The snapshot a job runs on: its dataset's catalog version current at submission (the job records it). The current
    /// version's schema hash and commitment come with the catalog entry; a retired one is read from the catalog.
    /// </summary>
    private async Task<(uint Version, bool Current, Hash32 SchemaHash, Hash32 SnapshotCommitment)> NamedSnapshotAsync(ChainJob job, Dataset dataset, CancellationToken cancellationToken)
    {
        if (job.DatasetVersion == 0 || job.DatasetVersion == dataset.CurrentVersion)
        {
            return (dataset.CurrentVersion, true, dataset.Spec.SchemaHash, dataset.Spec.SnapshotCommitment);
        }

        var version = await _ledger.Catalog.GetVersionAsync(job.DatasetId, job.DatasetVersion, cancellationToken).ConfigureAwait(false);
        return (version.Number, version.IsCurrent, version.SchemaHash, version.SnapshotCommitment);
    }

    private GateDecision CheckSpecAgainstData(ChainJob job, Dataset dataset, (uint Version, bool Current, Hash32 SchemaHash, Hash32 SnapshotCommitment) named, byte[] specBytes)
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

        var expectedPayload = job.Kind switch
        {
            ChainKind.Aggregate => JobSpec.PayloadOneofCase.Aggregate,
            ChainKind.HeWeightedAggregate => JobSpec.PayloadOneofCase.HeWeightedAggregate,
            ChainKind.HeScoring => JobSpec.PayloadOneofCase.HeScoring,
            ChainKind.HeCrossDomainSum => JobSpec.PayloadOneofCase.HeCrossDomainSum,
            _ => JobSpec.PayloadOneofCase.None,
        };
        if (expectedPayload == JobSpec.PayloadOneofCase.None || (int)parsed.Kind != (int)job.Kind || parsed.PayloadCase != expectedPayload)
        {
            return Refuse(ErrorReason.KindNotAllowed, "spec.kind", $"Job {job.Id} is of kind {job.Kind} on chain; this node runs aggregate and homomorphic jobs whose spec carries the payload of that same kind.");
        }

        // The dataset the payload names, its field path, and the ε it asks for (null = the job's).
        var partIndex = -1;
        string datasetId;
        string field;
        ulong? epsilon;
        switch (parsed.PayloadCase)
        {
            case JobSpec.PayloadOneofCase.Aggregate:
                (datasetId, field, epsilon) = (parsed.Aggregate.DatasetId, "spec.aggregate", parsed.Aggregate.HasEpsilonMicros ? parsed.Aggregate.EpsilonMicros : null);
                break;
            case JobSpec.PayloadOneofCase.HeWeightedAggregate:
                var weighted = parsed.HeWeightedAggregate;
                (datasetId, field, epsilon) = (weighted.DatasetId, "spec.he_weighted_aggregate", weighted.HasEpsilonMicros ? weighted.EpsilonMicros : null);
                break;
            case JobSpec.PayloadOneofCase.HeScoring:
                (datasetId, field, epsilon) = (parsed.HeScoring.DatasetId, "spec.he_scoring", null);
                if (job.Epsilon.Micros != 0)
                {
                    return Refuse(ErrorReason.InvalidEpsilon, "job_id", $"Job {job.Id} spends ε = {job.Epsilon.Micros} micro on chain, but scoring consenting subjects spends none; submit it with ε = 0.");
                }

                break;
            default:
                var parts = parsed.HeCrossDomainSum.Parts;
                var matching = Enumerable.Range(0, parts.Count).Where(i => !string.IsNullOrEmpty(parts[i].DatasetId) && DatasetIds.OnChainId(parts[i].DatasetId) == job.DatasetId).ToList();
                if (parts.Count < 2 || parts.Select(p => p.DatasetId).Distinct(StringComparer.Ordinal).Count() != parts.Count)
                {
                    return Refuse(ErrorReason.MalformedRequest, "spec.he_cross_domain_sum.parts", "A cross-domain sum needs at least two parts, each on a different dataset.");
                }

                if (matching.Count != 1)
                {
                    return Refuse(ErrorReason.UnknownDataset, "spec.he_cross_domain_sum.parts", $"No part of the cross-domain sum is on catalog dataset {job.DatasetId}, which job {job.Id} is licensed for.");
                }

                partIndex = matching[0];
                var part = parts[partIndex];
                (datasetId, field, epsilon) = (part.DatasetId, $"spec.he_cross_domain_sum.parts[{partIndex}]", part.HasEpsilonMicros ? part.EpsilonMicros : null);
                break;
        }

        if (string.IsNullOrEmpty(datasetId) || DatasetIds.OnChainId(datasetId) != job.DatasetId)
        {
            return Refuse(ErrorReason.UnknownDataset, $"{field}.dataset_id", $"The spec names dataset '{datasetId}', but job {job.Id} is licensed for catalog dataset {job.DatasetId}.");
        }

        if (epsilon is { } asked && asked != (ulong)job.Epsilon.Micros)
        {
            return Refuse(ErrorReason.InvalidEpsilon, $"{field}.epsilon_micros", $"The spec asks for ε = {asked} micro, but job {job.Id} paid for ε = {job.Epsilon.Micros} micro on chain.");
        }

        // The job runs on the version it names, never on another: the node's copy with that version's commitment.
        var local = _store.FindByCommitment(datasetId, named.SnapshotCommitment);
        if (local is null)
        {
            if (_store.Find(datasetId) is null)
            {
                return Refuse(ErrorReason.UnknownDataset, $"{field}.dataset_id", $"This node holds no dataset '{datasetId}'.");
            }

            return named.Current
                ? Refuse(ErrorReason.DatasetMismatch, $"{field}.dataset_id", $"The node's copy of '{datasetId}' does not match its catalog entry (version {named.Version}, snapshot commitment {named.SnapshotCommitment}): the operator must publish the node's current snapshot, or the node dropped this version.")
                : Refuse(ErrorReason.DatasetVersionNotHeld, $"{field}.dataset_id", $"Job {job.Id} runs on version {named.Version} of '{datasetId}' (snapshot commitment {named.SnapshotCommitment}), the version current when it was submitted, and this node no longer holds it; submit the job again to run it on the current version.");
        }

        if (local.SchemaHash != named.SchemaHash)
        {
            return Refuse(ErrorReason.DatasetMismatch, $"{field}.dataset_id", $"The node's copy of '{datasetId}' with version {named.Version}'s commitment has another schema hash than the catalog records for it; the operator must publish the snapshot's schema.");
        }

        var policy = PolicyOf(dataset.Spec);
        if (parsed.PayloadCase != JobSpec.PayloadOneofCase.Aggregate && HeExecutor.Validate(parsed, policy) is { } invalid)
        {
            // Parameters, keys and ciphertexts are checked before any row is read or any chain call is made for them.
            return new GateDecision(null, invalid);
        }

        return new GateDecision(new JobTicket(job, dataset, local, policy, specBytes, parsed) { PartIndex = partIndex }, null);
    }

    /// <summary>
    /// HE scoring is exact even on a SENSITIVE dataset (the ledger lets it spend ε = 0): what authorises it is each scored
    /// subject's own consent, which names the columns the licensee may learn in the subject's rows. So every subject needs a
    /// consent in force for this licensee, dataset and the license's purpose, and that consent must cover every column the
    /// model reads, by its index in the dataset's on-chain columns (the bitmask <c>consent give --columns</c> records).
    /// </summary>
    private async Task<GateDecision> CheckConsentAsync(JobTicket ticket, CancellationToken cancellationToken)
    {
        var job = ticket.Job;
        var scoring = ticket.Spec.HeScoring;
        var columns = ticket.Dataset.Spec.Columns;
        ulong required;
        try
        {
            required = ConsentsContract.ColumnMask(columns, scoring.Model.Features);
        }
        catch (ArgumentException ex)
        {
            // HeExecutor.Validate already checked the features against the on-chain policy; this keeps the gate closed if not.
            return Refuse(ErrorReason.UnknownColumn, "spec.he_scoring.model.features", $"spec.he_scoring.model.features: {ex.Message}");
        }

        var license = await _ledger.Licenses.GetLicenseAsync(job.LicenseId, cancellationToken).ConfigureAwait(false);
        var request = await _ledger.Licenses.GetRequestAsync(license.RequestId, cancellationToken).ConfigureAwait(false);
        var purposeHash = ConsentsContract.PurposeHash(request.Purpose);
        var subjects = scoring.Subjects;

        // One read per subject, a few at a time (a job names up to 4,096). The mask is 0 when no consent is in force (never
        // given, withdrawn, or its subject suspended); the first subject, in spec order, that fails refuses the whole job.
        var consented = new ulong[subjects.Count];
        await Parallel.ForAsync(0, subjects.Count, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, ct) =>
            consented[i] = await _ledger.Consents.GetConsentedColumnsAsync(subjects[i], job.Submitter, job.DatasetId, purposeHash, ct).ConfigureAwait(false)).ConfigureAwait(false);
        for (var i = 0; i < subjects.Count; i++)
        {
            if (consented[i] == 0)
            {
                return Refuse(
                    ErrorReason.ConsentMissing,
                    $"spec.he_scoring.subjects[{i}]",
                    $"Subject '{subjects[i]}' has no consent on chain for licensee {job.Submitter}, this dataset and the purpose of license {license.Id}; the subject must give it (or withdrew it), and nothing was scored.");
            }

            var uncovered = required & ~consented[i];
            if (uncovered != 0)
            {
                var missing = ConsentsContract.ColumnNames(columns, uncovered);
                return Refuse(
                    ErrorReason.ConsentColumnsMissing,
                    $"spec.he_scoring.subjects[{i}]",
                    $"Subject '{subjects[i]}' consented for licensee {job.Submitter} and the purpose of license {license.Id} to {string.Join(", ", ConsentsContract.ColumnNames(columns, consented[i]))} only, "
                    + $"but the model reads {string.Join(", ", missing)} too; either the subject withdraws and gives consent again naming every column the model reads, "
                    + "or the model leaves the uncovered columns out. Nothing was scored.");
            }
        }

        return new GateDecision(ticket, null);
    }

    private async Task<GateDecision> CheckCrossDomainAsync(JobTicket ticket, JobRequest request, CancellationToken cancellationToken)
    {
        var job = ticket.Job;
        var parts = ticket.Spec.HeCrossDomainSum.Parts;
        if (ticket.PartIndex == 0)
        {
            // This node coordinates: the requester names the other parts' jobs, which must be the same computation.
            if (request.Coordinator is not null)
            {
                return Refuse(ErrorReason.MalformedRequest, "coordinator", $"Job {job.Id} is the first part of its cross-domain sum; it is coordinated here, not asked for by another node.");
            }

            if (request.Peers.Count != parts.Count - 1)
            {
                return Refuse(ErrorReason.MalformedRequest, "peers", $"The cross-domain sum has {parts.Count} parts; send the jobs of parts 1..{parts.Count - 1} ({parts.Count - 1} of them) with job {job.Id}.");
            }

            var peers = new List<ChainJob>(request.Peers.Count);
            for (var i = 0; i < request.Peers.Count; i++)
            {
                var field = $"peers[{i}]";
                var peer = await FindJobAsync(request.Peers[i].JobId, cancellationToken).ConfigureAwait(false);
                if (peer is null)
                {
                    return Refuse(ErrorReason.JobNotFound, field, $"There is no job {request.Peers[i].JobId} on chain.");
                }

                var problem = SamePart(job, peer, parts[i + 1].DatasetId);
                if (problem is not null)
                {
                    return Refuse(ErrorReason.SpecHashMismatch, field, problem);
                }

                peers.Add(peer);
            }

            return new GateDecision(ticket with { PeerJobs = peers }, null);
        }

        // Another part: only the coordinating node of the same computation may ask, and it proves who it is.
        if (request.Coordinator is not { } claim)
        {
            return Refuse(ErrorReason.PartialWithheld, "coordinator", $"Job {job.Id} is part {ticket.PartIndex} of a cross-domain sum; its partial goes only to the node of the first part. Send the job to that node with this one among its peers.");
        }

        var refusal = await CheckCoordinatorAsync(job, claim, parts[0].DatasetId, requirePending: true, cancellationToken).ConfigureAwait(false);
        return refusal is null ? new GateDecision(ticket, null) : new GateDecision(null, refusal);
    }

    /// <summary>
    /// Null when <paramref name="claim"/> is a valid request, by the node coordinating the same cross-domain sum, for
    /// <paramref name="part"/>'s partial; else the refusal.
    /// </summary>
    public async Task<QueryRefusal?> CheckCoordinatorAsync(ChainJob part, CoordinatorClaim claim, string firstDatasetId, bool requirePending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(part);
        ArgumentNullException.ThrowIfNull(claim);
        var coordinator = await FindJobAsync(claim.JobId, cancellationToken).ConfigureAwait(false);
        if (coordinator is null)
        {
            return new QueryRefusal(ErrorReason.PartialWithheld, "coordinator.job_id", $"There is no coordinating job {claim.JobId} on chain.");
        }

        var problem = SamePart(part, coordinator, firstDatasetId);
        if (problem is not null)
        {
            return new QueryRefusal(ErrorReason.PartialWithheld, "coordinator.job_id", problem);
        }

        if (requirePending && coordinator.Status != JobStatus.Pending)
        {
            return new QueryRefusal(ErrorReason.PartialWithheld, "coordinator.job_id", $"The coordinating job {coordinator.Id} is {coordinator.Status.ToString().ToLowerInvariant()}, so it needs no partial.");
        }

        var coordinatorDataset = await _ledger.Catalog.GetDatasetAsync(coordinator.DatasetId, cancellationToken).ConfigureAwait(false);
        var coordinatorNode = await _ledger.Participants.GetNodeAsync(coordinatorDataset.Spec.Node, cancellationToken).ConfigureAwait(false);
        if (!CrossDomainAuthorization.TryRecoverSigner(claim.NodeSignature.Span, _ledger.Deployment.Jobs, _ledger.Deployment.ChainId, coordinator.Id, part.Id, out var signer, out var error))
        {
            return new QueryRefusal(ErrorReason.SignatureInvalid, "coordinator.node_signature", $"The coordinator's signature is not valid: {error}");
        }

        return signer == coordinatorNode.Signer
            ? null
            : new QueryRefusal(ErrorReason.PartialWithheld, "coordinator.node_signature", $"The partial of job {part.Id} goes only to the node holding the first part ({coordinatorNode.Account}); this request is signed by {signer}.");
    }

    /// <summary>Null when <paramref name="other"/> is a part of the same cross-domain computation as <paramref name="job"/>, on <paramref name="otherDatasetId"/>.</summary>
    private static string? SamePart(ChainJob job, ChainJob other, string otherDatasetId)
    {
        if (other.Kind != ChainKind.HeCrossDomainSum || other.SpecHash != job.SpecHash || other.SpecSize != job.SpecSize)
        {
            return $"Job {other.Id} is not a part of the same cross-domain sum as job {job.Id} (its kind or spec hash differs).";
        }

        if (other.Submitter != job.Submitter)
        {
            return $"Job {other.Id} was submitted by {other.Submitter}, job {job.Id} by {job.Submitter}; every part has the same requester.";
        }

        if (other.Id == job.Id || string.IsNullOrEmpty(otherDatasetId) || DatasetIds.OnChainId(otherDatasetId) != other.DatasetId)
        {
            return $"Job {other.Id} is not licensed for dataset '{otherDatasetId}', the part it stands for.";
        }

        return null;
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
            spec.Grade,
            spec.AllowedKinds,
            [.. spec.Columns.Select(c => new ColumnPolicy(
                c.Name,
                c.Permissions,
                c.LowerBound.IsZero && c.UpperBound.IsZero ? null : (BigInteger?)c.LowerBound,
                c.LowerBound.IsZero && c.UpperBound.IsZero ? null : (BigInteger?)c.UpperBound,
                c.Domain is { Count: > 0 } domain ? domain : null,
                c.GridStep.IsZero ? null : c.GridStep,
                BucketOf(c.Bucket)))])
        {
            EpsilonCap = spec.EpsilonCap,
        };
    }

    /// <summary>An on-chain bucket policy; text the node cannot read becomes a policy that fails validation, so every job on the dataset is refused (fails closed).</summary>
    private static BucketPolicy? BucketOf(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        try
        {
            return BucketPolicy.Parse(text);
        }
        catch (CatalogException)
        {
            return new BucketPolicy(BucketUnits.None);
        }
    }

    private static GateDecision Refuse(ErrorReason reason, string field, string message) => new(null, new QueryRefusal(reason, field, message));
}
