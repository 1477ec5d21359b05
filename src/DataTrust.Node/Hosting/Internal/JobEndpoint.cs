using DataTrust.Node.Query;
using DataTrust.Protos.V1;
using Google.Rpc;
using Grpc.Core;

namespace DataTrust.Node.Hosting.Internal;

/// <summary>
/// The job service's Explain (the policy part). Execute and ExecuteStream need the chain gate, which adds them on top of
/// <see cref="AggregateExecutor"/> (see <see cref="JobBinding"/>).
/// </summary>
internal sealed class JobEndpoint(AggregateExecutor executor) : JobBinding.ServiceBase
{
    public override Task<ExplainResponse> Explain(ExplainRequest request, ServerCallContext context)
    {
        if (request.Query is null)
        {
            throw RpcErrors.Create(Code.InvalidArgument, ErrorReason.MalformedRequest, "query", "query: Explain needs the query to check.");
        }

        // The license part (license_id) is checked by the chain gate; this is the policy part and reads no rows.
        var check = executor.Explain(request.Query);
        var response = new ExplainResponse
        {
            Allowed = check.Allowed,
            Quota = (uint)check.Quota,
            EpsilonMicros = (ulong)check.Epsilon.Micros,
        };
        if (check.Refusal is { } refusal)
        {
            response.Reason = refusal.Reason;
            response.Field = refusal.Field;
            response.Clause = refusal.Message;
        }

        return Task.FromResult(response);
    }
}
