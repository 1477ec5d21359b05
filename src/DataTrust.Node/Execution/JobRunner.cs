using System.Collections.Concurrent;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Query;
using DataTrust.Protos.V1;
using Google.Protobuf;

namespace DataTrust.Node.Execution;

/// <summary>What running a job produced: the result (and its on-chain commitment), or the refusal.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Result">The serialized <see cref="AggregateResult"/>, when it ran.</param>
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
    private readonly DataTrustLedger _ledger;
    private readonly EthereumKey _signer;
    private readonly ResultStore _results;
    private readonly ExecutionLog _log;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ulong, SemaphoreSlim> _locks = new();

    /// <summary>Creates a runner; <paramref name="ledger"/> must send as the node's account, <paramref name="signer"/> signs results.</summary>
    public JobRunner(ChainGate gate, AggregateExecutor executor, DataTrustLedger ledger, EthereumKey signer, ResultStore results, ExecutionLog log, ILogger<JobRunner>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(log);
        _gate = gate;
        _executor = executor;
        _ledger = ledger;
        _signer = signer;
        _results = results;
        _log = log;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger<JobRunner>.Instance;
    }

    /// <summary>Runs a job, or hands back the result of a job that already ran, to its requester only.</summary>
    public async Task<JobOutcome> RunAsync(ulong jobId, ReadOnlyMemory<byte> requesterSignature, ReadOnlyMemory<byte>? spec, CancellationToken cancellationToken)
    {
        var gate = _locks.GetOrAdd(jobId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stored = _results.Find(jobId);
            if (stored is not null)
            {
                return await HandBackAsync(jobId, stored, requesterSignature, cancellationToken).ConfigureAwait(false);
            }

            var decision = await _gate.CheckAsync(jobId, requesterSignature, spec, cancellationToken).ConfigureAwait(false);
            if (decision.Refusal is { } refusal)
            {
                LogRefused(jobId, RpcReason(refusal.Reason));
                return Refused(jobId, refusal);
            }

            var ticket = decision.Ticket!;
            var outcome = _executor.Execute(ticket.Query, ticket.Job.Epsilon, ticket.Policy, cancellationToken);
            if (outcome.Refusal is { } queryRefusal)
            {
                LogRefused(jobId, RpcReason(queryRefusal.Reason));
                return Refused(jobId, queryRefusal);
            }

            var result = outcome.Result!.ToByteArray();

            // Kept before the chain hears of it: if committing fails, a retry commits these bytes, never new ones.
            _results.Save(jobId, result);
            return await CommitAsync(ticket.Job.Id, ticket.Job.SpecHash, result, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<JobOutcome> HandBackAsync(ulong jobId, byte[] stored, ReadOnlyMemory<byte> requesterSignature, CancellationToken cancellationToken)
    {
        var job = await _gate.FindJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job is null || !_gate.IsRequester(job, requesterSignature.Span))
        {
            return Refused(jobId, new QueryRefusal(ErrorReason.SignatureInvalid, "requester_signature", $"Only the submitter of job {jobId} may have its result."));
        }

        if (job.Status == JobStatus.Pending)
        {
            // Computed before a crash or a chain outage, not yet committed: commit the same bytes now.
            return await CommitAsync(jobId, job.SpecHash, stored, cancellationToken).ConfigureAwait(false);
        }

        var hash = Keccak256.Compute(stored);
        return new JobOutcome(jobId, stored, hash, Sign(jobId, hash).ToBytes(), null);
    }

    private async Task<JobOutcome> CommitAsync(ulong jobId, Hash32 specHash, byte[] result, CancellationToken cancellationToken)
    {
        var resultHash = Keccak256.Compute(result);
        var signature = Sign(jobId, resultHash);
        try
        {
            await _ledger.Jobs.CompleteAsync(jobId, resultHash, signature, cancellationToken).ConfigureAwait(false);
        }
        catch (Ledger.Rpc.RpcException ex)
        {
            return Refused(jobId, new QueryRefusal(ErrorReason.ChainUnavailable, "job_id", $"Job {jobId} was computed but its result could not be committed ({ex.Kind}); retry and the same result will be committed."));
        }

        if (_log.Find(jobId) is null)
        {
            _log.Append(jobId, specHash, resultHash);
        }

        LogExecuted(jobId);
        return new JobOutcome(jobId, result, resultHash, signature.ToBytes(), null);
    }

    private EthSignature Sign(ulong jobId, Hash32 resultHash) =>
        JobsContract.SignResult(_signer, _ledger.Deployment.Jobs, _ledger.Deployment.ChainId, jobId, resultHash);

    private static JobOutcome Refused(ulong jobId, QueryRefusal refusal) => new(jobId, null, default, null, refusal);

    private static string RpcReason(ErrorReason reason) => reason.ToString();

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} executed and committed")]
    private partial void LogExecuted(ulong jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} refused: {Reason}")]
    private partial void LogRefused(ulong jobId, string reason);
}
