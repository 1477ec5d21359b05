using DataTrust.Core.Catalog;
using DataTrust.Node.Execution;
using DataTrust.Node.Query;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;

namespace DataTrust.Node.Hosting.Internal;

/// <summary>
/// The job service's Explain (the policy part). Execute and ExecuteStream need the chain gate, which adds them on top of
/// <see cref="AggregateExecutor"/> (see <see cref="JobBinding"/>).
/// </summary>
internal sealed class JobEndpoint(AggregateExecutor executor, JobRunner? runner = null, ChainGate? gate = null, NodeOptions? options = null, PayloadBudget? budget = null) : JobBinding.ServiceBase
{
    private readonly long _maxPayload = options?.MaxJobPayloadBytes ?? new NodeOptions().MaxJobPayloadBytes;
    private readonly PayloadBudget _budget = budget ?? new PayloadBudget(options?.MaxInFlightPayloadBytes ?? new NodeOptions().MaxInFlightPayloadBytes);
    private readonly JobCostLimits _costLimits = runner?.CostLimits ?? options?.CostLimits ?? new JobCostLimits();

    private RpcException Busy(ulong jobId, long bytes, bool receiving) => RpcErrors.Create(
        Code.ResourceExhausted,
        ErrorReason.NodeBusy,
        receiving ? "job_id" : "total_size",
        receiving
            ? $"Job {jobId}'s spec is being received on another call; nothing was read or written. Retry once that call has ended (it hands back the result if the job ran)."
            : $"This node holds {_budget.InFlight} payload bytes in flight and {bytes} more would exceed its bound of {_budget.MaxBytes} bytes (Node:MaxInFlightPayloadBytes, --max-in-flight-mib); nothing was read or written and job {jobId} stays pending. Retry later.");

    /// <summary>Runs a job through the chain gate (or hands back its committed result) to its requester only.</summary>
    public override async Task<ExecuteResponse> Execute(ExecuteRequest request, ServerCallContext context)
    {
        var jobId = ParseId(request.JobId, "job_id");
        if (request.RequesterSignature.Length != 65)
        {
            throw RpcErrors.Create(Code.InvalidArgument, ErrorReason.SignatureInvalid, "requester_signature", "requester_signature: the job's submitter signs the request; 65 bytes (r, s, v) are expected.");
        }

        RequireExpiry(request.AuthorizationExpiresAt, "authorization_expires_at");
        if (runner is null)
        {
            throw RpcErrors.Create(Code.Unavailable, ErrorReason.ChainUnavailable, "job_id", "This node has no chain configured, so it cannot authorize jobs and refuses them all.");
        }

        ReadOnlyMemory<byte>? spec = request.HasSpec ? request.Spec.Memory : (ReadOnlyMemory<byte>?)null;
        using var lease = _budget.TryReserve(spec?.Length ?? 0) ?? throw Busy(jobId, spec?.Length ?? 0, receiving: false);
        var outcome = await runner.RunAsync(jobId, request.RequesterSignature.Memory, request.AuthorizationExpiresAt, spec, context.CancellationToken).ConfigureAwait(false);
        return Respond(request.JobId, outcome);
    }

    /// <summary>
    /// Receives a spec in ordered chunks and runs the job. The first chunk is checked against the node's bound and the
    /// chain (the job exists, with that size and hash) before any more is read; the whole is hashed again by the gate.
    /// </summary>
    public override async Task<ExecuteResponse> ExecuteStream(IAsyncStreamReader<JobChunk> requestStream, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        if (!await requestStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            throw RpcErrors.Create(Code.InvalidArgument, ErrorReason.MalformedRequest, "chunks", "The stream carried no chunk; the first chunk holds the job id, signature, total size and hash.");
        }

        var first = requestStream.Current;
        var jobId = ParseId(first.JobId, "job_id");
        if (first.Index != 0)
        {
            throw RpcErrors.Create(Code.InvalidArgument, ErrorReason.PayloadTooLarge, "index", $"index: the first chunk has index 0, not {first.Index}.");
        }

        if (first.RequesterSignature.Length != 65)
        {
            throw RpcErrors.Create(Code.InvalidArgument, ErrorReason.SignatureInvalid, "requester_signature", "requester_signature: the job's submitter signs the request; 65 bytes (r, s, v) are expected.");
        }

        if (first.TotalSize == 0 || first.Keccak256.Length != 32)
        {
            throw RpcErrors.Create(Code.InvalidArgument, ErrorReason.MalformedRequest, "total_size", "total_size and keccak256: the first chunk states the whole spec's size (at least 1 byte) and its 32-byte Keccak-256.");
        }

        if (first.TotalSize > (ulong)_maxPayload)
        {
            throw RpcErrors.Create(Code.InvalidArgument, ErrorReason.PayloadTooLarge, "total_size", $"total_size: {first.TotalSize} bytes is over this node's bound of {_maxPayload} bytes per job; nothing was read or computed.");
        }

        RequireExpiry(first.AuthorizationExpiresAt, "authorization_expires_at");
        var peers = first.Peers.Select((p, i) =>
        {
            RequireExpiry(p.AuthorizationExpiresAt, $"peers[{i}].authorization_expires_at");
            return new PeerJobRequest(ParseId(p.JobId, $"peers[{i}].job_id"), p.RequesterSignature.Memory, p.AuthorizationExpiresAt);
        }).ToList();
        CoordinatorClaim? coordinator = null;
        if (first.Coordinator is { } proof)
        {
            if (proof.NodeSignature.Length != 65)
            {
                throw RpcErrors.Create(Code.InvalidArgument, ErrorReason.SignatureInvalid, "coordinator.node_signature", "coordinator.node_signature: 65 bytes (r, s, v) are expected.");
            }

            coordinator = new CoordinatorClaim(ParseId(proof.JobId, "coordinator.job_id"), proof.NodeSignature.Memory);
        }

        if (runner is null || gate is null)
        {
            throw RpcErrors.Create(Code.Unavailable, ErrorReason.ChainUnavailable, "job_id", "This node has no chain configured, so it cannot authorize jobs and refuses them all.");
        }

        // Before reading megabytes: is the authorization still good, and is there such a job, of exactly this size and hash?
        if (gate.CheckExpiry(first.AuthorizationExpiresAt, "authorization_expires_at") is { } expired)
        {
            throw RpcErrors.From(expired);
        }

        Ledger.Contracts.Job? job;
        try
        {
            job = await gate.FindJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        }
        catch (Ledger.Rpc.RpcException ex)
        {
            throw RpcErrors.Create(Code.Unavailable, ErrorReason.ChainUnavailable, "job_id", $"The chain cannot be reached to check job {jobId} ({ex.Kind}); nothing was read beyond the first chunk. Retry when the chain is back.");
        }

        if (job is null)
        {
            throw RpcErrors.Create(Code.NotFound, ErrorReason.JobNotFound, "job_id", $"There is no job {jobId} on chain.");
        }

        if (job.SpecSize != first.TotalSize || !job.SpecHash.Span.SequenceEqual(first.Keccak256.Span))
        {
            throw RpcErrors.Create(Code.FailedPrecondition, ErrorReason.SpecHashMismatch, "keccak256", $"The stream announces {first.TotalSize} bytes with hash 0x{Convert.ToHexStringLower(first.Keccak256.Span)}, but job {jobId}'s spec on chain is {job.SpecSize} bytes with hash {job.SpecHash}.");
        }

        // Within the node's bound on bytes in flight, and one stream per job: a duplicate would buffer the same spec again.
        using var lease = _budget.TryReceive(jobId, (long)first.TotalSize, out var duplicate) ?? throw Busy(jobId, (long)first.TotalSize, duplicate);
        var spec = new byte[first.TotalSize];
        var received = 0L;
        var index = 0u;
        var chunk = first;
        while (true)
        {
            if (chunk.Data.Length > JobStreams.MaxChunkSize || received + chunk.Data.Length > spec.LongLength)
            {
                throw RpcErrors.Create(Code.InvalidArgument, ErrorReason.PayloadTooLarge, "data", $"data: chunk {index} takes the spec past its announced {spec.LongLength} bytes (or over {JobStreams.MaxChunkSize} bytes per chunk); nothing was computed.");
            }

            chunk.Data.Span.CopyTo(spec.AsSpan((int)received));
            received += chunk.Data.Length;
            if (!await requestStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                break;
            }

            chunk = requestStream.Current;
            index++;
            if (chunk.Index != index)
            {
                throw RpcErrors.Create(Code.InvalidArgument, ErrorReason.PayloadTooLarge, "index", $"index: chunk {chunk.Index} arrived where chunk {index} was expected; send the chunks in order.");
            }
        }

        if (received != spec.LongLength)
        {
            throw RpcErrors.Create(Code.InvalidArgument, ErrorReason.MalformedRequest, "data", $"data: the stream ended after {received} of the announced {spec.LongLength} bytes; nothing was computed.");
        }

        var request = new JobRequest(jobId, first.RequesterSignature.Memory, first.AuthorizationExpiresAt, spec) { Peers = peers, Coordinator = coordinator };
        var outcome = await runner.RunAsync(request, cancellationToken).ConfigureAwait(false);
        return Respond(first.JobId, outcome);
    }

    private static ExecuteResponse Respond(ByteString jobId, JobOutcome outcome)
    {
        if (outcome.Refusal is { } refusal)
        {
            throw RpcErrors.From(refusal);
        }

        return new ExecuteResponse
        {
            JobId = jobId,
            Result = ByteString.CopyFrom(outcome.Result),
            ResultHash = ByteString.CopyFrom(outcome.ResultHash.Span),
            NodeSignature = ByteString.CopyFrom(outcome.NodeSignature),
        };
    }

    /// <summary>An authorization always states when it expires (it is part of what the requester signs).</summary>
    private static void RequireExpiry(ulong expiresAt, string field)
    {
        if (expiresAt == 0)
        {
            throw RpcErrors.Create(Code.InvalidArgument, ErrorReason.MalformedRequest, field, $"{field}: the requester's signature covers an expiry (Unix seconds); send it with the signature (JobAuthorization).");
        }
    }

    /// <summary>Reads an on-chain id sent as big-endian bytes (1 to 32 of them, value 1 … 2^64-1).</summary>
    internal static ulong ParseId(ByteString bytes, string field)
    {
        var span = bytes.Span;
        var significant = span.TrimStart((byte)0);
        if (span.Length is 0 or > 32 || significant.Length is 0 or > 8)
        {
            throw RpcErrors.Create(Code.InvalidArgument, ErrorReason.MalformedRequest, field, $"{field}: an id is a big-endian unsigned integer from 1 to 2^64-1 in 1 to 32 bytes.");
        }

        ulong value = 0;
        foreach (var b in significant)
        {
            value = (value << 8) | b;
        }

        return value;
    }

    public override async Task<ExplainResponse> Explain(ExplainRequest request, ServerCallContext context)
    {
        if (request.Query is null)
        {
            throw RpcErrors.Create(Code.InvalidArgument, ErrorReason.MalformedRequest, "query", "query: Explain needs the query to check.");
        }

        if (request.Open && !request.LicenseId.IsEmpty)
        {
            throw RpcErrors.Create(Code.InvalidArgument, ErrorReason.MalformedRequest, "open", "open: an open job runs without a license; give license_id or open, not both.");
        }

        // The policy part reads no rows; the license part (a license id, or an open job) reads the chain, and with a
        // license the preview of withheld cells reads the rows the job would, recording nothing.
        var check = executor.Explain(request.Query);
        var costPolicy = executor.Store.Find(request.Query.DatasetId)?.Policy;
        var response = new ExplainResponse
        {
            Allowed = check.Allowed,
            Quota = (uint)check.Quota,
            EpsilonMicros = (ulong)check.Epsilon.Micros,
        };
        var refusal = check.Refusal;
        if (request.Open)
        {
            // Whether the dataset is open at all comes first: on any other dataset, that is the answer.
            var open = gate is null
                ? new QueryRefusal(ErrorReason.ChainUnavailable, "open", "This node has no chain configured, so it cannot check that the dataset is OPEN.")
                : await gate.ExplainOpenAsync(request.Query, context.CancellationToken).ConfigureAwait(false);
            refusal = open ?? refusal;
        }
        else if (refusal is null && !request.LicenseId.IsEmpty)
        {
            var licenseId = ParseId(request.LicenseId, "license_id");
            DatasetPolicy? onChain = null;
            if (gate is null)
            {
                refusal = new QueryRefusal(ErrorReason.ChainUnavailable, "license_id", "This node has no chain configured, so it cannot check a license.");
            }
            else
            {
                (onChain, refusal) = await gate.ExplainLicensedAsync(licenseId, request.Query, context.CancellationToken).ConfigureAwait(false);
            }

            // The gate enforces the catalog's policy when the job runs, so Explain judges the query by it as well.
            if (refusal is null && onChain is not null)
            {
                refusal = executor.Explain(request.Query, onChain).Refusal;
            }

            costPolicy = onChain ?? costPolicy;
            if (refusal is null && costPolicy is not null)
            {
                // The same cost check the runner makes before reading rows.
                refusal = JobCost.OfQuery(request.Query, costPolicy).Check(_costLimits);
            }

            if (refusal is null)
            {
                // Only a licensee whose license allows the query learns what its job would withhold: the same bits the
                // job's own result would show, without spending anything (the threat model says so).
                var preview = executor.PreviewWithheld(request.Query, onChain, context.CancellationToken);
                refusal = preview.Refusal;
                if (refusal is null)
                {
                    response.Previewed = true;
                    response.Withheld.AddRange(preview.Withheld);
                    response.Cells = (uint)preview.Cells;
                    response.Loss = preview.Loss;
                }
            }
        }

        response.Limits = _costLimits.ToReport();
        if (costPolicy is not null)
        {
            response.Cost = JobCost.OfQuery(request.Query, costPolicy).ToReport();
            refusal ??= JobCost.OfQuery(request.Query, costPolicy).Check(_costLimits);
        }

        if (refusal is not null)
        {
            response.Allowed = false;
            response.Reason = refusal.Reason;
            response.Field = refusal.Field;
            response.Clause = refusal.Message;
        }

        return response;
    }
}
