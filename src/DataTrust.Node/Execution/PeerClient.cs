using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Query;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using ChainJob = DataTrust.Ledger.Contracts.Job;

namespace DataTrust.Node.Execution;

/// <summary>A part's partial as its node committed it, checked against the chain; or why it could not be had.</summary>
/// <param name="Partial">The partial result.</param>
/// <param name="ResultHash">Keccak-256 of the serialized JobResult, as committed on chain.</param>
/// <param name="NodeSignature">The part node's signature over it.</param>
/// <param name="Refusal">Set when the part was refused or its answer does not check.</param>
public sealed record PeerPartial(HePartialResult? Partial, Hash32 ResultHash, byte[] NodeSignature, QueryRefusal? Refusal);

/// <summary>
/// How the node coordinating a cross-domain sum asks another part's node for its partial: it streams the same spec
/// with the requester's signature for that part and its own signed claim, then checks the answer as the requester
/// would — the result hash and the part node's signer, both against the chain.
/// </summary>
internal sealed class PeerClient(DataTrustLedger ledger, EthereumKey signer, Func<Protos.Transport.NodeTrust> trust)
{
    /// <summary>How long a part's node may take to compute and commit its partial before the sum gives up.</summary>
    private static readonly TimeSpan PartDeadline = TimeSpan.FromMinutes(10);

    public async Task<PeerPartial> RequestPartialAsync(ChainJob coordinator, ChainJob part, PeerJobRequest authorization, byte[] spec, int partIndex, CancellationToken cancellationToken)
    {
        var dataset = await ledger.Catalog.GetDatasetAsync(part.DatasetId, cancellationToken).ConfigureAwait(false);
        var node = await ledger.Participants.GetNodeAsync(dataset.Spec.Node, cancellationToken).ConfigureAwait(false);
        if (!Uri.TryCreate(node.Endpoint, UriKind.Absolute, out var endpoint) || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            return Refused(partIndex, $"node {node.Account} registered no usable endpoint ('{node.Endpoint}')");
        }

        var claim = new CoordinatorProof
        {
            JobId = JobStreams.IdBytes(coordinator.Id),
            NodeSignature = ByteString.CopyFrom(CrossDomainAuthorization.Sign(signer, ledger.Deployment.Jobs, ledger.Deployment.ChainId, coordinator.Id, part.Id).ToBytes()),
        };
        var chunks = JobStreams.Split(part.Id, authorization.RequesterSignature.Span, authorization.ExpiresAt, spec, coordinator: claim);

        ExecuteResponse response;
        try
        {
            // Verified TLS for an https:// endpoint (the partial is encrypted, but the requester's signature is not).
            using var channel = trust().CreateChannel(endpoint, new GrpcChannelOptions { MaxReceiveMessageSize = 64 << 20 });
            var client = new JobService.JobServiceClient(channel);
            using var call = client.ExecuteStream(deadline: DateTime.UtcNow + PartDeadline, cancellationToken: cancellationToken);
            response = await JobStreams.SendAsync(call, chunks, cancellationToken).ConfigureAwait(false);
        }
        catch (Grpc.Core.RpcException ex) when (trust().DescribeFailure(ex, endpoint) is { } tls)
        {
            return Refused(partIndex, $"node {node.Account}: {tls}");
        }
        catch (Grpc.Core.RpcException ex)
        {
            var reason = ex.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason ?? ex.StatusCode.ToString();
            return ex.StatusCode == StatusCode.DeadlineExceeded
                ? Refused(partIndex, $"node {node.Account} did not answer for job {part.Id} within {PartDeadline.TotalMinutes} minutes")
                : Refused(partIndex, $"node {node.Account} refused job {part.Id}: {reason}: {ex.Status.Detail}");
        }
        catch (HttpRequestException ex)
        {
            return Refused(partIndex, $"node {node.Account} at {endpoint} cannot be reached ({ex.HttpRequestError})");
        }

        var result = response.Result.ToByteArray();
        var hash = Keccak256.Compute(result);
        var signature = response.NodeSignature.ToByteArray();
        var digest = JobsContract.ResultDigest(ledger.Deployment.Jobs, ledger.Deployment.ChainId, part.Id, hash);
        if (response.ResultHash.Span.SequenceEqual(hash.Span) is false
            || !PersonalMessage.TryRecoverSigner(digest.Span, signature, out var who, out _)
            || who != node.Signer)
        {
            return Refused(partIndex, $"node {node.Account}'s answer for job {part.Id} does not carry its signature over the result's hash");
        }

        JobResult parsed;
        try
        {
            parsed = JobResult.Parser.ParseFrom(result);
        }
        catch (InvalidProtocolBufferException)
        {
            return Refused(partIndex, $"node {node.Account}'s answer for job {part.Id} is not a JobResult");
        }

        return parsed.ResultCase == JobResult.ResultOneofCase.HePartial
            ? new PeerPartial(parsed.HePartial, hash, signature, null)
            : Refused(partIndex, $"node {node.Account} answered job {part.Id} with a {parsed.ResultCase} result, not a partial");
    }

    private static PeerPartial Refused(int partIndex, string why) =>
        new(null, default, [], new QueryRefusal(ErrorReason.PeerRefused, $"spec.he_cross_domain_sum.parts[{partIndex}]", $"Part {partIndex} of the cross-domain sum failed: {why}. Nothing was committed for the sum; fix the part and send the job again."));
}
