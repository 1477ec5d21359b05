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
internal sealed class JobEndpoint(AggregateExecutor executor, JobRunner? runner = null, ChainGate? gate = null) : JobBinding.ServiceBase
{
    /// <summary>Runs a job through the chain gate (or hands back its committed result) to its requester only.</summary>
    public override async Task<ExecuteResponse> Execute(ExecuteRequest request, ServerCallContext context)
    {
        var jobId = ParseId(request.JobId, "job_id");
        if (request.RequesterSignature.Length != 65)
        {
            throw RpcErrors.Create(Code.InvalidArgument, ErrorReason.SignatureInvalid, "requester_signature", "requester_signature: the job's submitter signs the request; 65 bytes (r, s, v) are expected.");
        }

        if (runner is null)
        {
            throw RpcErrors.Create(Code.Unavailable, ErrorReason.ChainUnavailable, "job_id", "This node has no chain configured, so it cannot authorize jobs and refuses them all.");
        }

        ReadOnlyMemory<byte>? spec = request.HasSpec ? request.Spec.Memory : (ReadOnlyMemory<byte>?)null;
        var outcome = await runner.RunAsync(jobId, request.RequesterSignature.Memory, spec, context.CancellationToken).ConfigureAwait(false);
        if (outcome.Refusal is { } refusal)
        {
            throw RpcErrors.From(refusal);
        }

        return new ExecuteResponse
        {
            JobId = request.JobId,
            Result = ByteString.CopyFrom(outcome.Result),
            ResultHash = ByteString.CopyFrom(outcome.ResultHash.Span),
            NodeSignature = ByteString.CopyFrom(outcome.NodeSignature),
        };
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

        // The policy part reads no rows; the license part (when a license id is given) reads only the chain.
        var check = executor.Explain(request.Query);
        var response = new ExplainResponse
        {
            Allowed = check.Allowed,
            Quota = (uint)check.Quota,
            EpsilonMicros = (ulong)check.Epsilon.Micros,
        };
        var refusal = check.Refusal;
        if (refusal is null && !request.LicenseId.IsEmpty)
        {
            var licenseId = ParseId(request.LicenseId, "license_id");
            refusal = gate is null
                ? new QueryRefusal(ErrorReason.ChainUnavailable, "license_id", "This node has no chain configured, so it cannot check a license.")
                : await gate.ExplainLicenseAsync(licenseId, request.Query, context.CancellationToken).ConfigureAwait(false);
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
