using System.Collections.Concurrent;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Homomorphic;
using DataTrust.Node.Query;
using DataTrust.Protos.V1;
using Google.Protobuf;

namespace DataTrust.Node.Execution;

/// <summary>What running a job produced: the result (and its on-chain commitment), or the refusal.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Result">The serialized <see cref="JobResult"/>, when it ran.</param>
/// <param name="ResultHash">Keccak-256 of <paramref name="Result"/>, as committed on chain.</param>
/// <param name="NodeSignature">The node's signature over the result digest, as committed on chain.</param>
/// <param name="Refusal">Why it did not run, when it did not.</param>
public sealed record JobOutcome(ulong JobId, byte[]? Result, Hash32 ResultHash, byte[]? NodeSignature, QueryRefusal? Refusal)
{
    /// <summary>True when the job ran (now or before) and its result is committed.</summary>
    public bool Succeeded => Result is not null;
}

/// <summary>
/// Runs jobs through the chain gate: a job executes at most once, even when the call is retried, two calls race,
/// or the node restarts between computing and committing (the stored result is committed, never recomputed).
/// </summary>
public sealed partial class JobRunner
{
    private readonly ChainGate _gate;
    private readonly AggregateExecutor _executor;
    private readonly HeExecutor _he;
    private readonly PeerClient _peers;
    private readonly DataTrustLedger _ledger;
    private readonly EthereumKey _signer;
    private readonly ResultStore _results;
    private readonly ExecutionLog _log;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ulong, SemaphoreSlim> _locks = new();
    private readonly CompletionBatcher _completions;

    /// <summary>Creates a runner; <paramref name="ledger"/> must send as the node's account, <paramref name="signer"/> signs results.</summary>
    public JobRunner(ChainGate gate, AggregateExecutor executor, DataTrustLedger ledger, EthereumKey signer, ResultStore results, ExecutionLog log, ILogger<JobRunner>? logger = null)
        : this(gate, executor, null, ledger, signer, results, log, logger)
    {
    }

    /// <summary>Creates a runner that also runs homomorphic jobs with <paramref name="he"/> (null: one over <paramref name="executor"/>'s store).</summary>
    public JobRunner(ChainGate gate, AggregateExecutor executor, HeExecutor? he, DataTrustLedger ledger, EthereumKey signer, ResultStore results, ExecutionLog log, ILogger<JobRunner>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(log);
        _gate = gate;
        _executor = executor;
        _he = he ?? new HeExecutor(executor, executor.Store);
        _peers = new PeerClient(ledger, signer, () => PeerTrust);
        _ledger = ledger;
        _completions = new CompletionBatcher(ledger.Jobs);
        _signer = signer;
        _results = results;
        _log = log;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger<JobRunner>.Instance;
    }

    /// <summary>Whom this node trusts when it calls another node (a cross-domain sum's parts); the system's roots by default.</summary>
    public Protos.Transport.NodeTrust PeerTrust { get; init; } = Protos.Transport.NodeTrust.SystemRoots;

    /// <summary>The per-job cost limits: a job over one is failed before reading rows; one running past the wall time is cancelled.</summary>
    public JobCostLimits CostLimits { get; init; } = new();

    /// <summary>Runs a job, or hands back the result of a job that already ran, to its requester only.</summary>
    public Task<JobOutcome> RunAsync(ulong jobId, ReadOnlyMemory<byte> requesterSignature, ulong expiresAt, ReadOnlyMemory<byte>? spec, CancellationToken cancellationToken) =>
        RunAsync(new JobRequest(jobId, requesterSignature, expiresAt, spec), cancellationToken);

    /// <summary>
    /// Runs a job, or hands back the result of a job that already ran: to its requester, or, for a part of a
    /// cross-domain sum, only to the coordinating node.
    /// </summary>
    public async Task<JobOutcome> RunAsync(JobRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var jobId = request.JobId;

        // An expired (or too long-lived) authorization is the caller's problem, not the job's: refused before anything
        // is read, and the chain is never touched (a captured signature replayed later learns nothing and costs nothing).
        if (_gate.CheckExpiry(request.ExpiresAt, "authorization_expires_at") is { } expired)
        {
            LogRefused(jobId, RpcReason(expired.Reason));
            return Refused(jobId, expired);
        }

        var gate = _locks.GetOrAdd(jobId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stored = _results.Find(jobId);
            if (stored is not null)
            {
                try
                {
                    return await HandBackAsync(request, stored, cancellationToken).ConfigureAwait(false);
                }
                catch (Ledger.Rpc.RpcException ex)
                {
                    // Handing back needs the chain too: who submitted the job (only they may have it), whether it is
                    // still pending (then it is committed first), and for a part, the coordinator's claim. The stored
                    // bytes stay; a retry once the chain answers hands them back.
                    LogRefused(jobId, RpcReason(ErrorReason.ChainUnavailable));
                    return Refused(jobId, new QueryRefusal(ErrorReason.ChainUnavailable, "job_id", $"Job {jobId} has a stored result, but the chain cannot be reached to check who may have it ({ex.Kind}); retry when the chain is back."));
                }
            }

            var decision = await _gate.CheckAsync(request, cancellationToken).ConfigureAwait(false);
            if (decision.Refusal is { } refusal)
            {
                LogRefused(jobId, RpcReason(refusal.Reason));
                return decision.FailableJob is { } failable
                    ? await FailAsync(failable.Id, refusal, charged: false, cancellationToken).ConfigureAwait(false)
                    : Refused(jobId, refusal);
            }

            var ticket = decision.Ticket!;

            // The cost comes from the spec and the on-chain policy alone, so a job over a limit can never run here: it
            // is failed (and refunded) before any row is read, like any other spec-dependent refusal.
            if (JobCost.Of(ticket.Spec, ticket.Policy, ticket.PartIndex).Check(CostLimits) is { } tooCostly)
            {
                LogRefused(jobId, RpcReason(tooCostly.Reason));
                return await FailAsync(ticket.Job.Id, tooCostly, charged: false, cancellationToken).ConfigureAwait(false);
            }

            var (produced, computeRefusal, closure) = await ComputeWithinWallTimeAsync(ticket, request, cancellationToken).ConfigureAwait(false);
            if (computeRefusal is not null)
            {
                LogRefused(jobId, RpcReason(computeRefusal.Reason));
                return closure == Closure.Pending
                    ? Refused(jobId, computeRefusal)
                    : await FailAsync(ticket.Job.Id, computeRefusal, charged: closure == Closure.FailCharged, cancellationToken).ConfigureAwait(false);
            }

            var result = produced!.ToByteArray();

            // Kept before the chain hears of it: if committing fails, a retry commits these bytes, never new ones.
            // Committed even if the requester has gone meanwhile: the rows were read, so the job is done and stays
            // fetchable, rather than left pending (and cancellable for a refund) beside a stored result.
            _results.Save(jobId, result);
            return await CommitAsync(ticket.Job.Id, ticket.Job.SpecHash, result, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>How a refused job is closed on chain.</summary>
    private enum Closure
    {
        /// <summary>Left pending: a fault of the node or its store, or a peer's refusal; a retry may still run it.</summary>
        Pending,

        /// <summary>Failed with its quota and ε refunded: refused before any row was read, for a reason of the chain and the spec.</summary>
        FailRefunded,

        /// <summary>Failed with nothing refunded: refused after rows were read, so the refusal may depend on the data.</summary>
        FailCharged,
    }

    /// <summary>
    /// Computes the job, cancelled past <see cref="JobCostLimits.MaxWallTime"/>. A time-out depends on the node's load as
    /// much as on the data, so the job is left pending for a retry rather than failed (see docs/threat-model.md §4). Nothing of it is stored or committed
    /// (an exact answer's audit may have recorded the release; that only makes later answers more cautious).
    /// </summary>
    private async Task<(JobResult? Result, QueryRefusal? Refusal, Closure Closure)> ComputeWithinWallTimeAsync(JobTicket ticket, JobRequest request, CancellationToken cancellationToken)
    {
        var wallTime = CostLimits.MaxWallTime;
        if (wallTime <= TimeSpan.Zero)
        {
            return await ComputeAsync(ticket, request, cancellationToken).ConfigureAwait(false);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wallTime);
        try
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var computed = await ComputeAsync(ticket, request, timeout.Token).ConfigureAwait(false);

            // The store reports an interrupted query as its own failure; past the wall time, that is the time-out. A
            // result finished past the limit (the cancellation came too late to interrupt it) is not released either.
            var late = System.Diagnostics.Stopwatch.GetElapsedTime(started) > wallTime;
            var interrupted = computed.Refusal is not null && computed.Closure == Closure.Pending && timeout.IsCancellationRequested;
            return (interrupted || (computed.Result is not null && late)) && !cancellationToken.IsCancellationRequested
                ? TimedOut(ticket.Job.Id, wallTime)
                : computed;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return TimedOut(ticket.Job.Id, wallTime);
        }
    }

    private static (JobResult? Result, QueryRefusal? Refusal, Closure Closure) TimedOut(ulong jobId, TimeSpan wallTime) =>
        (null, new QueryRefusal(
            ErrorReason.JobTimedOut,
            "job_id",
            $"Job {jobId} ran past this node's wall-time limit of {wallTime.TotalSeconds:0.###} s (Node:CostLimits:MaxWallTime, --max-wall-time-seconds) and was cancelled; nothing was returned or committed. The job is not failed on chain: retry it (the node may be busy), or cancel it after the deadline."), Closure.Pending);

    /// <summary>
    /// Computes the job. A refusal closes the job as failed and refunded when the on-chain policy or the spec refused it
    /// before any row was read; as failed and charged when it came after reading (it depends on the data); and leaves it
    /// pending when the store failed mid-query or a peer node refused its part.
    /// </summary>
    private async Task<(JobResult? Result, QueryRefusal? Refusal, Closure Closure)> ComputeAsync(JobTicket ticket, JobRequest request, CancellationToken cancellationToken)
    {
        var job = ticket.Job;
        switch (ticket.Spec.PayloadCase)
        {
            case JobSpec.PayloadOneofCase.Aggregate:
                var outcome = _executor.Execute(ticket.Local, ticket.Query, job.Epsilon, ticket.Policy, cancellationToken);
                return outcome.Refusal is { } refusal
                    ? (null, refusal, refusal.Reason == ErrorReason.Internal ? Closure.Pending : Closure.FailRefunded)
                    : (new JobResult { Aggregate = outcome.Result }, null, Closure.Pending);
            case JobSpec.PayloadOneofCase.HeWeightedAggregate:
                return Unpack(_he.WeightedAggregate(ticket.Spec.HeWeightedAggregate, job.Epsilon, ticket.Policy, cancellationToken, ticket.Local));
            case JobSpec.PayloadOneofCase.HeScoring:
                return Unpack(_he.Score(ticket.Spec.HeScoring, ticket.Policy, cancellationToken, ticket.Local));
            default:
                var spec = ticket.Spec.HeCrossDomainSum;
                var own = _he.Partial(spec, ticket.PartIndex, job.Epsilon, ticket.Policy, cancellationToken, ticket.Local);
                if (own.Refusal is not null || ticket.PartIndex > 0)
                {
                    return Unpack(own);
                }

                // The coordinator: every other part's partial, encrypted under the requester's key, added here.
                var partials = new List<HePartialResult> { own.Result!.HePartial };
                var infos = new List<HePartInfo> { InfoOf(spec.Parts[0].DatasetId, job.Id, own.Result.HePartial, null) };
                for (var i = 0; i < ticket.PeerJobs.Count; i++)
                {
                    var peer = await _peers.RequestPartialAsync(job, ticket.PeerJobs[i], request.Peers[i], ticket.SpecBytes, i + 1, cancellationToken).ConfigureAwait(false);
                    if (peer.Refusal is not null)
                    {
                        return (null, peer.Refusal, Closure.Pending);
                    }

                    partials.Add(peer.Partial!);
                    infos.Add(InfoOf(spec.Parts[i + 1].DatasetId, ticket.PeerJobs[i].Id, peer.Partial!, peer));
                }

                // What Combine refuses is the peers' partials, after this node read its rows: never the job's own fault.
                var combined = HeExecutor.Combine(spec, partials, infos);
                return (combined.Result, combined.Refusal, Closure.Pending);
        }
    }

    private static HePartInfo InfoOf(string datasetId, ulong jobId, HePartialResult partial, PeerPartial? peer)
    {
        var info = new HePartInfo
        {
            DatasetId = datasetId,
            JobId = JobStreams.IdBytes(jobId),
            Noise = partial.Noise,
            SnapshotCommitment = partial.SnapshotCommitment,
        };
        info.Suppressed.AddRange(partial.Suppressed);
        if (peer is not null)
        {
            info.ResultHash = ByteString.CopyFrom(peer.ResultHash.Span);
            info.NodeSignature = ByteString.CopyFrom(peer.NodeSignature);
        }

        return info;
    }

    private static (JobResult? Result, QueryRefusal? Refusal, Closure Closure) Unpack(HeOutcome outcome) => outcome.Refusal switch
    {
        null or { Reason: ErrorReason.Internal } => (outcome.Result, outcome.Refusal, Closure.Pending),
        _ => (null, outcome.Refusal, outcome.RowsRead ? Closure.FailCharged : Closure.FailRefunded),
    };

    private async Task<JobOutcome> HandBackAsync(JobRequest request, byte[] stored, CancellationToken cancellationToken)
    {
        var jobId = request.JobId;
        var job = await _gate.FindJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return Refused(jobId, new QueryRefusal(ErrorReason.JobNotFound, "job_id", $"There is no job {jobId} on chain."));
        }

        JobResult.ResultOneofCase storedCase;
        try
        {
            storedCase = JobResult.Parser.ParseFrom(stored).ResultCase;
        }
        catch (InvalidProtocolBufferException)
        {
            // The node's own file, damaged on disk: nothing is handed out, and the operator is told which job.
            return Refused(jobId, new QueryRefusal(ErrorReason.Internal, "job_id", $"The stored result of job {jobId} on this node is damaged; nothing was handed out. The node's operator must restore it."));
        }

        if (storedCase == JobResult.ResultOneofCase.HePartial)
        {
            // A part of a cross-domain sum: its partial goes to the coordinating node only, never to the requester.
            if (request.Coordinator is not { } claim || request.Spec is not { } specBytes)
            {
                return Refused(jobId, new QueryRefusal(ErrorReason.PartialWithheld, "coordinator", $"Job {jobId} is a part of a cross-domain sum; its partial goes only to the node of the first part."));
            }

            // The hash first: bytes that are not the on-chain spec are refused before they are parsed.
            var refusal = Keccak256.Compute(specBytes.Span) == job.SpecHash
                ? ParsePart(jobId, specBytes, out var parts) ?? await _gate.CheckCoordinatorAsync(job, claim, parts![0].DatasetId, requirePending: true, cancellationToken).ConfigureAwait(false)
                : new QueryRefusal(ErrorReason.SpecHashMismatch, "spec", $"The spec bytes are not job {jobId}'s on-chain spec.");
            if (refusal is not null)
            {
                return Refused(jobId, refusal);
            }
        }
        else if (!_gate.IsRequester(job, request.RequesterSignature.Span, request.ExpiresAt))
        {
            return Refused(jobId, new QueryRefusal(ErrorReason.SignatureInvalid, "requester_signature", $"Only the submitter of job {jobId} may have its result."));
        }

        if (job.Status is JobStatus.Cancelled or JobStatus.Failed)
        {
            // Computed but never committed, and since closed (a cancel refunds quota and ε): the result is not handed out.
            return Refused(jobId, new QueryRefusal(ErrorReason.JobNotPending, "job_id", $"Job {jobId} is {job.Status.ToString().ToLowerInvariant()}, so its result is not handed out."));
        }

        if (job.Status == JobStatus.Pending)
        {
            // Computed before a crash or a chain outage, not yet committed: commit the same bytes now.
            return await CommitAsync(jobId, job.SpecHash, stored, cancellationToken).ConfigureAwait(false);
        }

        var hash = Keccak256.Compute(stored);
        if (job.Status == JobStatus.Completed && job.ResultHash == hash && _log.Find(jobId) is null)
        {
            // The node stopped after its completion was mined but before it logged it: log it now, so the log stays
            // exactly the jobs this node completed on chain.
            _log.Append(jobId, job.SpecHash, hash);
        }

        return new JobOutcome(jobId, stored, hash, Sign(jobId, hash).ToBytes(), null);
    }

    /// <summary>The parts of a cross-domain sum's spec (already matched to the on-chain hash), or why it is not one.</summary>
    private static QueryRefusal? ParsePart(ulong jobId, ReadOnlyMemory<byte> specBytes, out IReadOnlyList<AggregateQuery>? parts)
    {
        parts = null;
        try
        {
            var spec = JobSpec.Parser.ParseFrom(specBytes.Span);
            if (spec.PayloadCase == JobSpec.PayloadOneofCase.HeCrossDomainSum && spec.HeCrossDomainSum.Parts.Count > 0)
            {
                parts = spec.HeCrossDomainSum.Parts;
                return null;
            }
        }
        catch (InvalidProtocolBufferException)
        {
        }

        return new QueryRefusal(ErrorReason.MalformedRequest, "spec", $"Job {jobId}'s spec is not a cross-domain sum, so it has no partial to hand to a coordinator.");
    }

    private async Task<JobOutcome> CommitAsync(ulong jobId, Hash32 specHash, byte[] result, CancellationToken cancellationToken)
    {
        var resultHash = Keccak256.Compute(result);
        var signature = Sign(jobId, resultHash);
        try
        {
            // Coalesced with other jobs' completions into one transaction while another is in flight; returns once mined.
            await _completions.CompleteAsync(new JobCompletion(jobId, resultHash, signature), cancellationToken).ConfigureAwait(false);
        }
        catch (Ledger.Rpc.RpcException ex)
        {
            return Refused(jobId, new QueryRefusal(ErrorReason.ChainUnavailable, "job_id", $"Job {jobId} was computed but its result could not be committed ({ex.Kind}); retry and the same result will be committed."));
        }
        catch (ContractRevertedException) when (!cancellationToken.IsCancellationRequested)
        {
            // An earlier completion of these same bytes (sent before a crash, or whose answer was lost) may have been
            // mined first: that is this commit, done. Anything else is not expected and stays an error.
            if (!await IsCommittedAsync(jobId, resultHash, cancellationToken).ConfigureAwait(false))
            {
                throw;
            }
        }

        if (_log.Find(jobId) is null)
        {
            _log.Append(jobId, specHash, resultHash);
        }

        LogExecuted(jobId);
        return new JobOutcome(jobId, result, resultHash, signature.ToBytes(), null);
    }

    private async Task<bool> IsCommittedAsync(ulong jobId, Hash32 resultHash, CancellationToken cancellationToken)
    {
        try
        {
            var job = await _gate.FindJobAsync(jobId, cancellationToken).ConfigureAwait(false);
            return job is { Status: JobStatus.Completed } && job.ResultHash == resultHash;
        }
        catch (Ledger.Rpc.RpcException)
        {
            return false;
        }
    }

    /// <summary>
    /// Fails a job the node refused, then answers with that refusal: refunded (<c>Jobs.fail</c>) when refused before any row
    /// was read, for a reason that depends only on the chain and the job's spec; charged (<c>Jobs.failCharged</c>) when
    /// refused after reading rows, so the refusal's data-dependent bit costs what a result costs. Called under the job's
    /// lock, so concurrent calls send one transaction (the next finds it not pending). The reason on chain names the error
    /// and the field only: it is public, and holds no value (invariant 1).
    /// </summary>
    private async Task<JobOutcome> FailAsync(ulong jobId, QueryRefusal refusal, bool charged, CancellationToken cancellationToken)
    {
        var reason = ChainReason(refusal);
        try
        {
            await (charged
                ? _ledger.Jobs.FailChargedAsync(jobId, reason, cancellationToken)
                : _ledger.Jobs.FailAsync(jobId, reason, cancellationToken)).ConfigureAwait(false);
        }
        catch (Ledger.Rpc.RpcException ex)
        {
            return Refused(jobId, new QueryRefusal(
                ErrorReason.ChainUnavailable,
                refusal.Field,
                $"{refusal.Message} The job could not be failed on chain ({ex.Kind}), so it is still pending; retry when the chain is back and it will be failed."));
        }
        catch (ContractRevertedException ex)
        {
            // Not expected for a pending job of this node's dataset; the refusal stands and the job stays as the chain has it.
            return Refused(jobId, refusal with { Message = $"{refusal.Message} Failing job {jobId} on chain was reverted ({ex.ErrorName})." });
        }

        LogFailed(jobId, reason);
        var refund = charged ? "nothing refunded, since rows were read" : "its quota and ε refunded";
        return Refused(jobId, refusal with { Message = $"{refusal.Message} Job {jobId} was failed on chain ({reason}); {refund}." });
    }

    /// <summary>The public reason a job is failed with: the error and the field, never a value from the spec or the data.</summary>
    internal static string ChainReason(QueryRefusal refusal) => $"{Hosting.Internal.RpcErrors.NameOf(refusal.Reason)} at {refusal.Field}";

    private EthSignature Sign(ulong jobId, Hash32 resultHash) =>
        JobsContract.SignResult(_signer, _ledger.Deployment.Jobs, _ledger.Deployment.ChainId, jobId, resultHash);

    private static JobOutcome Refused(ulong jobId, QueryRefusal refusal) => new(jobId, null, default, null, refusal);

    private static string RpcReason(ErrorReason reason) => reason.ToString();

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} executed and committed")]
    private partial void LogExecuted(ulong jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} failed on chain: {Reason}")]
    private partial void LogFailed(ulong jobId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} refused: {Reason}")]
    private partial void LogRefused(ulong jobId, string reason);
}
