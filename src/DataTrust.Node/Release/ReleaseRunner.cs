using DataTrust.Core.Catalog;
using DataTrust.Ledger.Attestation;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Execution;
using DataTrust.Core.Execution;
using DataTrust.Node.Query;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using Google.Protobuf;
using ChainJob = DataTrust.Ledger.Contracts.Job;
using ChainKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Node.Release;

/// <summary>How a release ended: the log entry of a release, or the refusal (with whether the job was failed on chain).</summary>
/// <param name="Entry">The release log entry, when rows were released.</param>
/// <param name="Refusal">Why nothing (more) was released.</param>
/// <param name="FailedOnChain">True when the refusal depended only on the job and the node failed it on chain (refunded).</param>
public sealed record ReleaseOutcome(ReleaseLogEntry? Entry, QueryRefusal? Refusal, bool FailedOnChain = false);

/// <summary>
/// The domain node's release of a dataset's rows to an attested enclave for one ENCLAVE_JOIN job. Everything is read from
/// the chain (an unreachable chain refuses): the job is a pending join naming this node's dataset; the requester's
/// forwarded authorization recovers to the submitter and has not expired; the quote is usable on chain, its measurement
/// is the job's, and it passes the node's own off-chain check (platform signature, key binding, freshness); the enclave
/// signature over the request recovers to the quote's enclave address (proof of possession); the requested columns are
/// exactly those the spec needs from this dataset, each with the right permission in the on-chain policy. Only then are
/// the dataset's filtered rows of those columns streamed, sealed to the quoted key, and the release logged.
/// </summary>
/// <remarks>
/// Refusals that depend only on the job (its spec against the on-chain policy, its license) fail the job on chain with a
/// refund, once the caller has proved both the requester's authorization and the quoted key; refusals that depend on the
/// caller (a bad signature or quote, an expired request, columns the spec does not need) never touch the chain. No
/// message, log line or refusal holds a row value.
/// </remarks>
public sealed class ReleaseRunner
{
    /// <summary>How far ahead an enclave's release request may expire.</summary>
    public static readonly TimeSpan MaxRequestValidity = TimeSpan.FromMinutes(10);

    private readonly DataTrustLedger _ledger;
    private readonly ChainGate _gate;
    private readonly DatasetStore _store;
    private readonly ReleaseLog _log;
    private readonly PayloadBudget _budget;
    private readonly QueryLimits _limits;
    private readonly TimeProvider _time;

    /// <summary>Creates the service for the node whose account is <paramref name="gate"/>'s.</summary>
    public ReleaseRunner(DataTrustLedger ledger, ChainGate gate, DatasetStore store, ReleaseLog log, PayloadBudget budget, QueryLimits? limits = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(budget);
        _ledger = ledger;
        _gate = gate;
        _store = store;
        _log = log;
        _budget = budget;
        _limits = limits ?? QueryLimits.Default;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Plaintext bytes per sealed chunk (tests make it small to see many chunks).</summary>
    public int ChunkBytes { get; init; } = ReleaseStreamer.ChunkBytes;

    /// <summary>Checks a release request and, when every check passes, streams the sealed rows through <paramref name="write"/>.</summary>
    public async Task<ReleaseOutcome> ReleaseAsync(ReleaseRequest request, Func<ReleaseChunk, Task> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(write);

        // Caller-only checks, before any read.
        if (_gate.CheckExpiry(request.AuthorizationExpiresAt, "authorization_expires_at") is { } expired)
        {
            return new ReleaseOutcome(null, expired);
        }

        if (CheckRequestExpiry(request.RequestExpiresAt) is { } stale)
        {
            return new ReleaseOutcome(null, stale);
        }

        Ticket ticket;
        try
        {
            var (found, refusal, failable) = await CheckAsync(request, cancellationToken).ConfigureAwait(false);
            if (refusal is not null)
            {
                return failable
                    ? await FailAsync(request.JobId, refusal, cancellationToken).ConfigureAwait(false)
                    : new ReleaseOutcome(null, refusal);
            }

            ticket = found!;
        }
        catch (RpcException ex)
        {
            return new ReleaseOutcome(null, new QueryRefusal(ErrorReason.ChainUnavailable, "job_id", $"The chain cannot be reached to check job {request.JobId} and quote {request.QuoteId} ({ex.Kind}); the node releases nothing until it can."));
        }

        // Bounded memory: a release holds a few chunks at once, counted against the node's in-flight payload budget.
        using var lease = _budget.TryReserve(ReleaseStreamer.MemoryPerRelease);
        if (lease is null)
        {
            return new ReleaseOutcome(null, new QueryRefusal(
                ErrorReason.NodeBusy,
                "job_id",
                $"This node holds {_budget.InFlight} payload bytes in flight and a release needs {ReleaseStreamer.MemoryPerRelease} more, over its bound of {_budget.MaxBytes} bytes; nothing was released. Retry later."));
        }

        var context = new SealedStreamContext(request.JobId, request.QuoteId, request.DatasetId);
        var summary = await ReleaseStreamer.SendAsync(_store, ticket.Plan, ticket.EnclavePublicKey, context, _gate.NodeAccount, write, cancellationToken, ChunkBytes).ConfigureAwait(false);
        var entry = _log.Append(request.JobId, request.QuoteId, request.DatasetId, [.. ticket.Plan.Columns.Select(c => c.Name)], summary.Rows, summary.StreamHash, ticket.Block);
        return new ReleaseOutcome(entry, null);
    }

    private QueryRefusal? CheckRequestExpiry(ulong expiresAt)
    {
        var now = (ulong)_time.GetUtcNow().ToUnixTimeSeconds();
        if (expiresAt < now)
        {
            return new QueryRefusal(ErrorReason.ReleaseRequestExpired, "request_expires_at", $"The enclave's release request expired at {expiresAt} (Unix seconds; now {now}); sign it again. Nothing was read.");
        }

        if (expiresAt > now + (ulong)MaxRequestValidity.TotalSeconds)
        {
            return new QueryRefusal(ErrorReason.ReleaseRequestExpired, "request_expires_at", $"The enclave's release request expires more than {MaxRequestValidity.TotalMinutes:0} minutes ahead; sign it with an earlier expiry. Nothing was read.");
        }

        return null;
    }

    private async Task<(Ticket? Ticket, QueryRefusal? Refusal, bool Failable)> CheckAsync(ReleaseRequest request, CancellationToken cancellationToken)
    {
        var jobId = request.JobId;
        var deployment = _ledger.Deployment;
        var block = await _ledger.Rpc.GetBlockAsync(BlockTag.Latest, cancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(RpcErrorKind.MalformedResponse, "The chain returned no latest block.");

        // 1. The job is a pending join that names this node's dataset.
        var job = await _gate.FindJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return Caller(ErrorReason.JobNotFound, "job_id", $"There is no job {jobId} on chain.");
        }

        if (job.Kind != ChainKind.EnclaveJoin)
        {
            return Caller(ErrorReason.KindNotAllowed, "job_id", $"Job {jobId} is of kind {job.Kind}, not ENCLAVE_JOIN; a node releases rows only for a join.");
        }

        if (job.Status != JobStatus.Pending)
        {
            return Caller(ErrorReason.JobNotPending, "job_id", $"Job {jobId} is {job.Status.ToString().ToLowerInvariant()}, not pending; nothing is released for it.");
        }

        var join = await _ledger.Jobs.GetJoinAsync(jobId, cancellationToken).ConfigureAwait(false);
        var datasetKey = DatasetIds.OnChainId(request.DatasetId);
        var index = join.DatasetIds.ToList().IndexOf(datasetKey);
        if (index < 0)
        {
            return Caller(ErrorReason.DatasetMismatch, "dataset_id", $"Join {jobId} does not name dataset '{request.DatasetId}'; the node releases only a dataset the job was licensed for.");
        }

        var dataset = await _ledger.Catalog.GetDatasetAsync(datasetKey, cancellationToken).ConfigureAwait(false);
        if (dataset.Spec.Node != _gate.NodeAccount)
        {
            return Caller(ErrorReason.WrongNode, "dataset_id", $"Dataset '{request.DatasetId}' is held by node {dataset.Spec.Node} in the catalog, not by this node ({_gate.NodeAccount}).");
        }

        // The version the catalog holds as current (a newer local import not yet published is not released).
        var local = _store.FindByCommitment(request.DatasetId, dataset.Spec.SnapshotCommitment) ?? _store.Find(request.DatasetId);
        if (local is null)
        {
            return Caller(ErrorReason.UnknownDataset, "dataset_id", $"This node holds no dataset '{request.DatasetId}'.");
        }

        if (local.SchemaHash != dataset.Spec.SchemaHash || local.SnapshotCommitment != dataset.Spec.SnapshotCommitment)
        {
            return Caller(ErrorReason.DatasetMismatch, "dataset_id", $"The node's copy of '{request.DatasetId}' does not match its catalog entry (schema hash or snapshot commitment); the operator must publish the current snapshot.");
        }

        // 2. The requester's forwarded authorization recovers to the submitter (the node's existing check).
        if (!_gate.IsRequester(job, request.RequesterSignature.Span, request.AuthorizationExpiresAt))
        {
            return Caller(ErrorReason.SignatureInvalid, "requester_signature", $"The requester signature does not recover to job {jobId}'s submitter {job.Submitter} for that expiry.");
        }

        // 3. The quote: usable on chain, of the job's measurement, and valid by the node's own off-chain check.
        var status = await _ledger.Enclaves.GetQuoteStatusAsync(request.QuoteId, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (status != QuoteStatus.Usable)
        {
            var why = status switch
            {
                QuoteStatus.None => "there is no such quote on chain",
                QuoteStatus.Superseded => "it was superseded by a later start of the same enclave host (a replayed quote)",
                QuoteStatus.MeasurementRevoked => "its measurement was revoked",
                QuoteStatus.PlatformKeyRevoked => "its platform key was revoked",
                _ => "it is older than the quote lifetime",
            };
            return Caller(ErrorReason.QuoteUnusable, "quote_id", $"Quote {request.QuoteId} is not usable: {why}. Nothing was released.");
        }

        var quote = await _ledger.Enclaves.GetQuoteAsync(request.QuoteId, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (quote.Measurement != join.Measurement)
        {
            return Caller(ErrorReason.MeasurementMismatch, "quote_id", $"Quote {request.QuoteId} is of measurement {quote.Measurement}, but join {jobId} must run under {join.Measurement}. Nothing was released.");
        }

        var offChain = await VerifyOffChainAsync(quote, join.Measurement, cancellationToken).ConfigureAwait(false);
        if (offChain is not null)
        {
            return Caller(ErrorReason.QuoteInvalid, "quote_id", $"Quote {request.QuoteId} fails the node's own check: {offChain} Nothing was released.");
        }

        // 4. Proof of possession: the quoted enclave key signed this very request.
        if (!ReleaseRequestSignature.TryRecoverSigner(request.EnclaveSignature.Span, deployment.ChainId, deployment.Enclaves, jobId, request.QuoteId, request.DatasetId, request.Columns, _gate.NodeAccount, request.RequestExpiresAt, out var signer, out var signatureError))
        {
            return Caller(ErrorReason.EnclaveSignatureInvalid, "enclave_signature", $"The enclave signature is not valid: {signatureError}");
        }

        if (signer != quote.Enclave)
        {
            return Caller(ErrorReason.EnclaveSignatureInvalid, "enclave_signature", $"The release request is signed by {signer}, not by quote {request.QuoteId}'s enclave key {quote.Enclave}: the caller does not hold the quoted key. Nothing was released.");
        }

        // From here on a refusal depends only on the job (its spec, its license, the on-chain policy): the job can never
        // get this dataset's rows, so it is failed on chain with a refund.
        var licenseProblem = await CheckLicenseAsync(job, join.LicenseIds[index], dataset, block.Timestamp, cancellationToken).ConfigureAwait(false);
        if (licenseProblem is not null)
        {
            return Job(ErrorReason.LicenseInvalid, "job_id", licenseProblem);
        }

        var spec = await ReadSpecAsync(job, cancellationToken).ConfigureAwait(false);
        if (spec is null || Keccak256.Compute(spec) != job.SpecHash)
        {
            return Caller(ErrorReason.SpecHashMismatch, "job_id", $"The spec of join {jobId} cannot be read from its JoinSubmitted event, or does not hash to the job's spec hash.");
        }

        JoinQuery query;
        try
        {
            query = JoinQuery.Parser.ParseFrom(spec);
        }
        catch (InvalidProtocolBufferException)
        {
            return Job(ErrorReason.MalformedRequest, "spec", $"Join {jobId}'s spec bytes are not a JoinQuery message.");
        }

        if (query.EpsilonMicros != (ulong)job.Epsilon.Micros)
        {
            return Job(ErrorReason.InvalidEpsilon, "spec.epsilon_micros", $"The join spec asks for ε = {query.EpsilonMicros} micro, but job {jobId} paid for ε = {job.Epsilon.Micros} micro on chain.");
        }

        var (plan, planRefusal) = ReleasePlan.Build(query, local, ChainGate.PolicyOf(dataset.Spec), _limits);
        if (planRefusal is not null)
        {
            return (null, planRefusal with { Field = "spec." + planRefusal.Field }, true);
        }

        // 5. The request asks for exactly the columns the spec needs from this dataset (the request is wrong, not the job).
        var needed = plan!.Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var asked = request.Columns.ToHashSet(StringComparer.Ordinal);
        if (asked.Count != request.Columns.Count || !asked.SetEquals(needed))
        {
            var extra = request.Columns.Where(c => !needed.Contains(c)).Select(c => local.Schema.Find(c)?.Name).OfType<string>().ToList();
            var missing = needed.Where(c => !asked.Contains(c)).ToList();
            var detail = extra.Count > 0 ? $" the job does not need {string.Join(", ", extra)};" : string.Empty;
            var lacking = missing.Count > 0 ? $" it needs {string.Join(", ", missing)} too;" : string.Empty;
            return Caller(ErrorReason.ColumnsNotNeeded, "columns", $"columns: ask for exactly the columns join {jobId} needs from '{request.DatasetId}' ({string.Join(", ", plan.Columns.Select(c => c.Name))}), each once;{detail}{lacking} nothing was released.");
        }

        return (new Ticket(job, plan, quote.PublicKey, block.Number), null, false);
    }

    /// <summary>The node's own check of a recorded quote: its platform signature (read from QuoteRecorded), binding and freshness.</summary>
    private async Task<string?> VerifyOffChainAsync(EnclaveQuote quote, Hash32 measurement, CancellationToken cancellationToken)
    {
        var events = await _ledger.Enclaves.GetEventsAsync(quote.RecordedBlock, quote.RecordedBlock, cancellationToken).ConfigureAwait(false);
        var recorded = events.FirstOrDefault(e => e.Name == "QuoteRecorded" && e.Values.GetUInt64("quoteId") == quote.Id);
        if (recorded is null)
        {
            return "its QuoteRecorded event is missing.";
        }

        if (!EthSignature.TryFromBytes(recorded.Values.GetBytes("platformSignature"), out var signature, out var signatureError))
        {
            return "its platform signature is malformed (" + signatureError + ")";
        }

        if (quote.PublicKey.Length != SimulatedQuote.PublicKeySize || SimulatedQuote.EnclaveAddressOf(quote.PublicKey) != quote.Enclave)
        {
            return "its enclave address is not the address of its public key.";
        }

        var simulated = new SimulatedQuote(quote.Measurement, quote.ReportData, quote.IssuedAt, quote.Nonce, signature);
        var verifier = new QuoteVerifier(_ledger.Deployment.ChainId, _ledger.Deployment.Enclaves, EnclavesContract.QuoteLifetime, EnclavesContract.ClockSkew, _time);
        var result = verifier.Verify(simulated, quote.PublicKey, [quote.PlatformKey], measurement);
        return result.IsValid ? null : result.Reason;
    }

    private async Task<string?> CheckLicenseAsync(ChainJob job, ulong licenseId, Dataset dataset, ulong now, CancellationToken cancellationToken)
    {
        var license = await _ledger.Licenses.GetLicenseAsync(licenseId, cancellationToken).ConfigureAwait(false);
        if (license.Revoked)
        {
            return $"License {license.Id} was revoked; join {job.Id} may not get rows of this dataset.";
        }

        if (license.ExpiresAt <= now)
        {
            return $"License {license.Id} expired at {DateTimeOffset.FromUnixTimeSeconds((long)license.ExpiresAt):u}; join {job.Id} may not get rows of this dataset.";
        }

        if (!await _ledger.Participants.IsActiveAsync(job.Submitter, Role.Enterprise, cancellationToken).ConfigureAwait(false))
        {
            return $"The licensee {job.Submitter} is suspended or no longer admitted; join {job.Id} may not get rows.";
        }

        return dataset.Active ? null : $"Dataset {dataset.Spec.Id} was retired; join {job.Id} may not get its rows.";
    }

    private async Task<byte[]?> ReadSpecAsync(ChainJob job, CancellationToken cancellationToken)
    {
        var events = await _ledger.Jobs.GetEventsAsync(job.SubmittedBlock, job.SubmittedBlock, cancellationToken).ConfigureAwait(false);
        return events.FirstOrDefault(e => e.Name == "JoinSubmitted" && e.Values.GetUInt64("jobId") == job.Id)?.Values.GetBytes("spec");
    }

    /// <summary>Fails a join the node refused for a reason that depends only on the job; refunded (Jobs.fail).</summary>
    private async Task<ReleaseOutcome> FailAsync(ulong jobId, QueryRefusal refusal, CancellationToken cancellationToken)
    {
        var reason = JobRunner.ChainReason(refusal);
        try
        {
            await _ledger.Jobs.FailAsync(jobId, reason, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            return new ReleaseOutcome(null, refusal with { Reason = ErrorReason.ChainUnavailable, Message = $"{refusal.Message} The job could not be failed on chain ({ex.Kind}), so it is still pending." });
        }
        catch (ContractRevertedException ex)
        {
            return new ReleaseOutcome(null, refusal with { Message = $"{refusal.Message} Failing job {jobId} on chain was reverted ({ex.ErrorName})." });
        }

        return new ReleaseOutcome(null, refusal with { Message = $"{refusal.Message} Job {jobId} was failed on chain ({reason}); every license refunded." }, FailedOnChain: true);
    }

    private static (Ticket?, QueryRefusal?, bool) Caller(ErrorReason reason, string field, string message) => (null, new QueryRefusal(reason, field, message), false);

    private static (Ticket?, QueryRefusal?, bool) Job(ErrorReason reason, string field, string message) => (null, new QueryRefusal(reason, field, message), true);

    private sealed record Ticket(ChainJob Job, ReleasePlan Plan, byte[] EnclavePublicKey, ulong Block);
}
