using DataTrust.Cli.Results;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Cli.Jobs;

/// <summary>A result handed back by a node and checked against the chain.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Node">The node account that computed it.</param>
/// <param name="ResultBytes">The serialized result, exactly as committed.</param>
/// <param name="Result">The parsed result.</param>
/// <param name="ResultHash">Keccak-256 of the bytes, equal to the on-chain result hash.</param>
/// <param name="NodeSignature">The node's signature over the result digest.</param>
public sealed record VerifiedResult(ulong JobId, Address Node, byte[] ResultBytes, AggregateResult Result, Hash32 ResultHash, EthSignature NodeSignature);

/// <summary>A node refused a call; carries its machine-readable reason and its sentence.</summary>
public sealed class NodeRefusedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NodeRefusedException(string reason, string message, StatusCode code)
        : base(message)
    {
        Reason = reason;
        Code = code;
    }

    /// <summary>The machine-readable reason, e.g. <c>ERROR_REASON_LICENSE_INVALID</c>.</summary>
    public string Reason { get; }

    /// <summary>The gRPC status code.</summary>
    public StatusCode Code { get; }
}

/// <summary>
/// An enterprise's side of a job: finds the dataset's node from the chain, asks it to Explain, submits the job on
/// chain, asks the node to run it, and checks what comes back against the chain before anyone trusts it.
/// </summary>
public sealed class JobClient
{
    private readonly DataTrustLedger _ledger;
    private readonly EthereumKey _key;

    /// <summary>Creates a client acting as the key's account (an enterprise holding licenses).</summary>
    public JobClient(DataTrustLedger ledger, EthereumKey key)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(key);
        _ledger = ledger;
        _key = key;
    }

    /// <summary>The result file of a verified result (what an enterprise keeps and may hand to an auditor).</summary>
    public ResultFile ToFile(VerifiedResult verified)
    {
        ArgumentNullException.ThrowIfNull(verified);
        return new ResultFile(
            _ledger.Deployment.ChainId,
            _ledger.Deployment.Jobs,
            verified.JobId,
            verified.Node,
            verified.ResultBytes,
            verified.ResultHash,
            verified.NodeSignature.ToBytes());
    }

    /// <summary>The serialized spec of an aggregate query: what goes on chain and what the node executes.</summary>
    public static byte[] SpecOf(AggregateQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new JobSpec { Kind = Protos.V1.ComputationKind.Aggregate, Aggregate = query }.ToByteArray();
    }

    /// <summary>Asks the dataset's node whether a query would pass its policy (a dry run: no chain transaction, no rows read).</summary>
    public async Task<ExplainResponse> ExplainAsync(ulong licenseId, AggregateQuery query, CancellationToken cancellationToken)
    {
        var license = await _ledger.Licenses.GetLicenseAsync(licenseId, cancellationToken).ConfigureAwait(false);
        var (_, endpoint) = await NodeOfAsync(license.DatasetId, cancellationToken).ConfigureAwait(false);
        using var channel = GrpcChannel.ForAddress(endpoint);
        var client = new JobService.JobServiceClient(channel);
        var request = new ExplainRequest { Query = query, LicenseId = ByteString.CopyFrom(IdBytes(licenseId)) };
        return await CallAsync(() => client.ExplainAsync(request, cancellationToken: cancellationToken).ResponseAsync).ConfigureAwait(false);
    }

    /// <summary>Submits the query as a job under a license; returns the job id. A refusal by the ledger raises <see cref="ContractRevertedException"/>.</summary>
    public Task<ulong> SubmitAsync(ulong licenseId, AggregateQuery query, Epsilon epsilon, CancellationToken cancellationToken) =>
        _ledger.Jobs.SubmitAsync(licenseId, ComputationKind.Aggregate, SpecOf(query), epsilon, cancellationToken);

    /// <summary>
    /// Asks the node to run the job (or hand back its committed result), then checks the bytes hash to the on-chain
    /// result hash and carry the node's signature.
    /// </summary>
    /// <exception cref="NodeRefusedException">The node refused.</exception>
    /// <exception cref="CliException">The node answered with a result the chain does not vouch for.</exception>
    public async Task<VerifiedResult> RunAsync(ulong jobId, CancellationToken cancellationToken)
    {
        var job = await _ledger.Jobs.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        var (node, endpoint) = await NodeOfAsync(job.DatasetId, cancellationToken).ConfigureAwait(false);
        using var channel = GrpcChannel.ForAddress(endpoint);
        var client = new JobService.JobServiceClient(channel);
        var signature = JobAuthorization.Sign(_key, _ledger.Deployment.Jobs, _ledger.Deployment.ChainId, jobId);
        var request = new ExecuteRequest { JobId = ByteString.CopyFrom(IdBytes(jobId)), RequesterSignature = ByteString.CopyFrom(signature.ToBytes()) };
        var response = await CallAsync(() => client.ExecuteAsync(request, cancellationToken: cancellationToken).ResponseAsync).ConfigureAwait(false);
        return await VerifyAsync(jobId, node, response.Result.ToByteArray(), response.NodeSignature.ToByteArray(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checks result bytes against the chain: the job is completed with their hash, signed by the dataset's node.</summary>
    /// <exception cref="CliException">They do not match.</exception>
    public async Task<VerifiedResult> VerifyAsync(ulong jobId, Address node, byte[] resultBytes, byte[] nodeSignature, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resultBytes);
        var job = await _ledger.Jobs.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        var hash = Keccak256.Compute(resultBytes);
        if (job.Status != JobStatus.Completed || job.ResultHash != hash)
        {
            throw new CliException($"The result of job {jobId} does not match the chain (on chain: {job.Status}, {job.ResultHash}; received: {hash}); do not use it.");
        }

        var signer = (await _ledger.Participants.GetNodeAsync(node, cancellationToken).ConfigureAwait(false)).Signer;
        var digest = JobsContract.ResultDigest(_ledger.Deployment.Jobs, _ledger.Deployment.ChainId, jobId, hash);
        if (!EthSignature.TryFromBytes(nodeSignature, out var signature, out _) || !PersonalMessage.Verify(digest.Span, nodeSignature, signer))
        {
            throw new CliException($"The result of job {jobId} is not signed by node {node}'s signer {signer}; do not use it.");
        }

        AggregateResult result;
        try
        {
            result = JobResult.Parser.ParseFrom(resultBytes).Aggregate
                ?? throw new CliException($"The result of job {jobId} is committed on chain but is not an aggregate result.");
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new CliException($"The result of job {jobId} is committed on chain but is not a job result.", ex);
        }

        return new VerifiedResult(jobId, node, resultBytes, result, hash, signature!);
    }

    /// <summary>The node that holds a dataset, and its gRPC endpoint, as the chain records them.</summary>
    public async Task<(Address Node, Uri Endpoint)> NodeOfAsync(Hash32 datasetId, CancellationToken cancellationToken)
    {
        var dataset = await _ledger.Catalog.GetDatasetAsync(datasetId, cancellationToken).ConfigureAwait(false);
        var info = await _ledger.Participants.GetNodeAsync(dataset.Spec.Node, cancellationToken).ConfigureAwait(false);
        if (!Uri.TryCreate(info.Endpoint, UriKind.Absolute, out var endpoint))
        {
            throw new CliException($"Node {dataset.Spec.Node} has no usable endpoint on chain ('{info.Endpoint}').");
        }

        return (dataset.Spec.Node, endpoint);
    }

    private static async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && ex.GetRpcStatus() is null)
        {
            throw new CliException($"The node cannot be reached ({ex.Status.Detail}); is it running?", ex);
        }
        catch (RpcException ex)
        {
            var reason = ex.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason ?? ex.StatusCode.ToString();
            throw new NodeRefusedException(reason, ex.Status.Detail, ex.StatusCode);
        }
    }

    private static byte[] IdBytes(ulong id)
    {
        var bytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, id);
        return bytes;
    }
}
