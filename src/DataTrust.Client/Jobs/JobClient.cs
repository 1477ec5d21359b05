using System.Collections.Concurrent;
using DataTrust.Protos.Transport;
using DataTrust.Client.Results;
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

namespace DataTrust.Client.Jobs;

/// <summary>A result handed back by a node and checked against the chain.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Node">The node account that computed it.</param>
/// <param name="ResultBytes">The serialized result, exactly as committed.</param>
/// <param name="Result">The parsed result.</param>
/// <param name="ResultHash">Keccak-256 of the bytes, equal to the on-chain result hash.</param>
/// <param name="NodeSignature">The node's signature over the result digest.</param>
public sealed record VerifiedResult(ulong JobId, Address Node, byte[] ResultBytes, AggregateResult Result, Hash32 ResultHash, EthSignature NodeSignature)
{
    /// <summary>The dataset version the job names (current at its submission), whose on-chain commitment the result states; 0 when unknown.</summary>
    public uint DatasetVersion { get; init; }
}

/// <summary>A homomorphic job's result handed back by a node and checked against the chain (still encrypted).</summary>
/// <param name="JobId">The job.</param>
/// <param name="Kind">The job's kind, as on chain.</param>
/// <param name="Node">The node account that computed it.</param>
/// <param name="ResultBytes">The serialized <see cref="JobResult"/>, exactly as committed.</param>
/// <param name="Result">The parsed result; its case matches <paramref name="Kind"/>.</param>
/// <param name="ResultHash">Keccak-256 of the bytes, equal to the on-chain result hash.</param>
/// <param name="NodeSignature">The node's signature over the result digest.</param>
public sealed record VerifiedHeResult(ulong JobId, ComputationKind Kind, Address Node, byte[] ResultBytes, JobResult Result, Hash32 ResultHash, EthSignature NodeSignature);

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
/// chain (under a license, or as an open job on an OPEN dataset), asks the node to run it, and checks what comes back
/// against the chain before anyone trusts it. It keeps one gRPC channel per node endpoint (one TLS connection reused by
/// every call, not a handshake per job) until it is disposed.
/// </summary>
public sealed class JobClient : IDisposable
{
    private readonly DataTrustLedger _ledger;
    private readonly EthereumKey _key;
    private readonly NodeTrust _trust;
    private readonly ConcurrentDictionary<Uri, Lazy<GrpcChannel>> _channels = new();
    private bool _disposed;

    /// <summary>
    /// Creates a client acting as the key's account (an enterprise holding licenses), verifying the TLS certificates of
    /// nodes at https:// endpoints against <paramref name="trust"/> (the system's roots when null).
    /// </summary>
    public JobClient(DataTrustLedger ledger, EthereumKey key, NodeTrust? trust = null)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(key);
        _ledger = ledger;
        _key = key;
        _trust = trust ?? NodeTrust.SystemRoots;
    }

    /// <summary>Closes the channels this client opened to nodes.</summary>
    public void Dispose()
    {
        _disposed = true;
        foreach (var channel in _channels.Values)
        {
            if (channel.IsValueCreated)
            {
                channel.Value.Dispose();
            }
        }

        _channels.Clear();
    }

    /// <summary>
    /// The channel to a node endpoint, opened on first use and reused: a channel multiplexes concurrent calls over its
    /// HTTP/2 connections, so a job costs a call, not a TCP connection and a TLS handshake.
    /// </summary>
    private GrpcChannel ChannelTo(Uri endpoint)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _channels.GetOrAdd(endpoint, e => new Lazy<GrpcChannel>(() => _trust.CreateChannel(e, LargeMessages()))).Value;
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

    /// <summary>The result file of a verified homomorphic result (the encrypted bytes, as committed).</summary>
    public ResultFile ToFile(VerifiedHeResult verified)
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
        var client = new JobService.JobServiceClient(ChannelTo(endpoint));
        var request = new ExplainRequest { Query = query, LicenseId = JobChunks.IdBytes(licenseId) };
        return await CallAsync(endpoint, () => client.ExplainAsync(request, cancellationToken: cancellationToken).ResponseAsync).ConfigureAwait(false);
    }

    /// <summary>
    /// Asks the node of the query's dataset whether the query would run as an open job (开放尽开放: no license): the
    /// dataset must be published, active and OPEN on chain, allow aggregates, and the query must spend no ε. A dry run:
    /// no chain transaction, no rows read. A non-OPEN dataset is answered <c>ERROR_REASON_NOT_OPEN</c>.
    /// </summary>
    /// <exception cref="NodeRefusedException">The node refused the call itself.</exception>
    /// <exception cref="ContractRevertedException">The dataset is not in the catalog (<c>UnknownDataset</c>).</exception>
    public async Task<ExplainResponse> ExplainOpenAsync(AggregateQuery query, CancellationToken cancellationToken)
    {
        var (_, endpoint) = await NodeOfAsync(DatasetOf(query), cancellationToken).ConfigureAwait(false);
        var client = new JobService.JobServiceClient(ChannelTo(endpoint));
        var request = new ExplainRequest { Query = query, Open = true };
        return await CallAsync(endpoint, () => client.ExplainAsync(request, cancellationToken: cancellationToken).ResponseAsync).ConfigureAwait(false);
    }

    /// <summary>
    /// Submits the query as an open job on its OPEN dataset, without a license (<c>Jobs.submitOpen</c>); the job has
    /// license 0 and spends no ε. Returns the job id; run and verify it with <see cref="RunAsync(ulong, AggregateQuery, CancellationToken)"/> like any job.
    /// </summary>
    /// <exception cref="ArgumentException">The query names no dataset or spends ε.</exception>
    /// <exception cref="ContractRevertedException">The ledger refused, e.g. <c>NotOpen</c> on a RESTRICTED or SENSITIVE dataset.</exception>
    public Task<ulong> SubmitOpenAsync(AggregateQuery query, CancellationToken cancellationToken)
    {
        var dataset = DatasetOf(query);
        if (query.HasEpsilonMicros && query.EpsilonMicros != 0)
        {
            throw new ArgumentException("An open job spends no ε: answers on an OPEN dataset are exact. Leave epsilon_micros unset.", nameof(query));
        }

        var spec = SpecOf(query);
        ContractLimits.CheckSpec(spec.Length);
        return _ledger.Jobs.SubmitOpenAsync(dataset, ComputationKind.Aggregate, spec, cancellationToken);
    }

    /// <summary>Submits the query as an open job (<see cref="SubmitOpenAsync"/>), has the node run it, and checks the result against the chain.</summary>
    /// <exception cref="ContractRevertedException">The ledger refused the job (e.g. <c>NotOpen</c>).</exception>
    /// <exception cref="NodeRefusedException">The node refused.</exception>
    /// <exception cref="ClientException">The node answered with a result the chain does not vouch for.</exception>
    public async Task<VerifiedResult> RunOpenAsync(AggregateQuery query, CancellationToken cancellationToken)
    {
        var jobId = await SubmitOpenAsync(query, cancellationToken).ConfigureAwait(false);
        return await RunAsync(jobId, query, cancellationToken).ConfigureAwait(false);
    }

    private static Hash32 DatasetOf(AggregateQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return string.IsNullOrEmpty(query.DatasetId)
            ? throw new ArgumentException("The query names no dataset; set dataset_id.", nameof(query))
            : DatasetIds.OnChainId(query.DatasetId);
    }

    /// <summary>
    /// Submits the query as a job under a license; returns the job id. A spec over the contract's size limit is refused
    /// here (<see cref="ClientException"/> naming the limit); a refusal by the ledger raises <see cref="ContractRevertedException"/>.
    /// </summary>
    public Task<ulong> SubmitAsync(ulong licenseId, AggregateQuery query, Epsilon epsilon, CancellationToken cancellationToken)
    {
        var spec = SpecOf(query);
        ContractLimits.CheckSpec(spec.Length);
        return _ledger.Jobs.SubmitAsync(licenseId, ComputationKind.Aggregate, spec, epsilon, cancellationToken);
    }

    /// <summary>
    /// Asks the node to run the job (or hand back its committed result), then checks the bytes hash to the on-chain
    /// result hash and carry the node's signature.
    /// </summary>
    /// <exception cref="NodeRefusedException">The node refused.</exception>
    /// <exception cref="ClientException">The node answered with a result the chain does not vouch for.</exception>
    public async Task<VerifiedResult> RunAsync(ulong jobId, CancellationToken cancellationToken)
    {
        var job = await _ledger.Jobs.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        var (node, response) = await ExecuteAsync(jobId, job.DatasetId, null, cancellationToken).ConfigureAwait(false);
        return await VerifyAsync(jobId, node, response.Result.ToByteArray(), response.NodeSignature.ToByteArray(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <see cref="RunAsync(ulong, CancellationToken)"/> for a job this client submitted with <paramref name="query"/>: the
    /// spec goes with the request, so the node need not read it back from the chain's logs (it still checks the bytes
    /// against the on-chain spec hash and refuses any others), and the dataset's node is found from the query.
    /// </summary>
    /// <exception cref="NodeRefusedException">The node refused (e.g. <c>ERROR_REASON_SPEC_HASH_MISMATCH</c> for a query that is not the job's).</exception>
    /// <exception cref="ClientException">The node answered with a result the chain does not vouch for.</exception>
    public async Task<VerifiedResult> RunAsync(ulong jobId, AggregateQuery query, CancellationToken cancellationToken)
    {
        var (node, response) = await ExecuteAsync(jobId, DatasetOf(query), SpecOf(query), cancellationToken).ConfigureAwait(false);
        return await VerifyAsync(jobId, node, response.Result.ToByteArray(), response.NodeSignature.ToByteArray(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks the job's node, as its requester, to run it (spec on chain) or hand back its committed result.</summary>
    private async Task<(Address Node, ExecuteResponse Response)> ExecuteAsync(ulong jobId, CancellationToken cancellationToken)
    {
        var job = await _ledger.Jobs.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        return await ExecuteAsync(jobId, job.DatasetId, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks the node of <paramref name="datasetId"/>, as the job's requester, to run it (with <paramref name="spec"/> when given).</summary>
    private async Task<(Address Node, ExecuteResponse Response)> ExecuteAsync(ulong jobId, Hash32 datasetId, byte[]? spec, CancellationToken cancellationToken)
    {
        var (node, endpoint) = await NodeOfAsync(datasetId, cancellationToken).ConfigureAwait(false);
        var client = new JobService.JobServiceClient(ChannelTo(endpoint));
        var (signature, expiresAt) = Sign(jobId);
        var request = new ExecuteRequest { JobId = JobChunks.IdBytes(jobId), RequesterSignature = ByteString.CopyFrom(signature.ToBytes()), AuthorizationExpiresAt = expiresAt };
        if (spec is not null)
        {
            request.Spec = ByteString.CopyFrom(spec);
        }

        var response = await CallAsync(endpoint, () => client.ExecuteAsync(request, cancellationToken: cancellationToken).ResponseAsync).ConfigureAwait(false);
        return (node, response);
    }

    /// <summary>Checks result bytes against the chain: the job is completed with their hash, signed by the dataset's node.</summary>
    /// <exception cref="ClientException">They do not match.</exception>
    public async Task<VerifiedResult> VerifyAsync(ulong jobId, Address node, byte[] resultBytes, byte[] nodeSignature, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resultBytes);
        var (_, hash, signature) = await CheckCommitmentAsync(jobId, node, resultBytes, nodeSignature, cancellationToken).ConfigureAwait(false);
        AggregateResult result;
        try
        {
            result = JobResult.Parser.ParseFrom(resultBytes).Aggregate
                ?? throw new ClientException($"The result of job {jobId} is committed on chain but is not an aggregate result.");
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new ClientException($"The result of job {jobId} is committed on chain but is not a job result.", ex);
        }

        // The result must be computed on the version its job names: the commitment it states is that version's on chain.
        var job = await _ledger.Jobs.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job.DatasetVersion != 0)
        {
            var version = await _ledger.Catalog.GetVersionAsync(job.DatasetId, job.DatasetVersion, cancellationToken).ConfigureAwait(false);
            if (!result.SnapshotCommitment.Span.SequenceEqual(version.SnapshotCommitment.Span))
            {
                throw new ClientException(
                    $"The result of job {jobId} states snapshot commitment 0x{Convert.ToHexStringLower(result.SnapshotCommitment.Span)}, but the job names version {job.DatasetVersion} of its dataset, whose commitment on chain is {version.SnapshotCommitment}: it was not computed on that version.");
            }
        }

        return new VerifiedResult(jobId, node, resultBytes, result, hash, signature) { DatasetVersion = job.DatasetVersion };
    }

    /// <summary>The serialized spec of a homomorphic weighted aggregate: what is hashed on chain and streamed to the node.</summary>
    public static byte[] SpecOf(HeWeightedAggregateSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new JobSpec { Kind = Protos.V1.ComputationKind.HeWeightedAggregate, HeWeightedAggregate = spec }.ToByteArray();
    }

    /// <summary>The serialized spec of a homomorphic scoring job.</summary>
    public static byte[] SpecOf(HeScoringSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new JobSpec { Kind = Protos.V1.ComputationKind.HeScoring, HeScoring = spec }.ToByteArray();
    }

    /// <summary>The serialized spec of a cross-domain sum (the same bytes for every part's job).</summary>
    public static byte[] SpecOf(HeCrossDomainSumSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new JobSpec { Kind = Protos.V1.ComputationKind.HeCrossDomainSum, HeCrossDomainSum = spec }.ToByteArray();
    }

    /// <summary>
    /// Submits a job whose spec is too large for the chain: only its Keccak-256 and size are recorded, and the node checks
    /// the streamed bytes against them. Returns the job id; a refusal by the ledger raises <see cref="ContractRevertedException"/>.
    /// </summary>
    public Task<ulong> SubmitHashedAsync(ulong licenseId, ComputationKind kind, ReadOnlyMemory<byte> spec, Epsilon epsilon, CancellationToken cancellationToken)
    {
        if (spec.IsEmpty)
        {
            throw new ArgumentException("A job spec is never empty; serialize the JobSpec first.", nameof(spec));
        }

        ContractLimits.CheckKind(kind);

        return _ledger.Jobs.SubmitHashedAsync(licenseId, kind, Keccak256.Compute(spec.Span), (ulong)spec.Length, epsilon, cancellationToken);
    }

    /// <summary>
    /// Streams a homomorphic job's spec to the node of its dataset in chunks of at most 1 MiB (with the peer jobs of a
    /// cross-domain sum on the first chunk, each signed by this account), then checks the result against the chain.
    /// </summary>
    /// <exception cref="NodeRefusedException">The node refused (also when it stops the stream early).</exception>
    /// <exception cref="ClientException">The node answered with a result the chain does not vouch for.</exception>
    public async Task<VerifiedHeResult> RunStreamAsync(ulong jobId, ReadOnlyMemory<byte> spec, IReadOnlyList<ulong> peerJobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(peerJobs);
        var job = await _ledger.Jobs.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        var (node, endpoint) = await NodeOfAsync(job.DatasetId, cancellationToken).ConfigureAwait(false);
        var peers = peerJobs.Select(peer =>
        {
            var (peerSignature, peerExpiry) = Sign(peer);
            return new PeerJob { JobId = JobChunks.IdBytes(peer), RequesterSignature = ByteString.CopyFrom(peerSignature.ToBytes()), AuthorizationExpiresAt = peerExpiry };
        });
        var (signature, expiresAt) = Sign(jobId);
        var chunks = JobChunks.Split(jobId, signature.ToBytes(), expiresAt, spec, Keccak256.Hash(spec.Span), peers);
        var client = new JobService.JobServiceClient(ChannelTo(endpoint));
        var response = await CallAsync(endpoint, async () =>
        {
            using var call = client.ExecuteStream(cancellationToken: cancellationToken);
            return await JobChunks.SendAsync(call, chunks, cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return await VerifyHeAsync(jobId, node, response.Result.ToByteArray(), response.NodeSignature.ToByteArray(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks the node for the committed result of a homomorphic job that already ran, and checks it against the chain.</summary>
    /// <exception cref="NodeRefusedException">The node refused (a pending job needs its spec streamed: <see cref="RunStreamAsync"/>).</exception>
    /// <exception cref="ClientException">The node answered with a result the chain does not vouch for.</exception>
    public async Task<VerifiedHeResult> FetchHeAsync(ulong jobId, CancellationToken cancellationToken)
    {
        var (node, response) = await ExecuteAsync(jobId, cancellationToken).ConfigureAwait(false);
        return await VerifyHeAsync(jobId, node, response.Result.ToByteArray(), response.NodeSignature.ToByteArray(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Checks a homomorphic result against the chain: the job is completed with the hash of these bytes, signed by its
    /// dataset's node, and they hold the result of the job's kind. For a cross-domain sum, every other part's job must
    /// also be completed on chain with the hash and node signature the result reports, and carry the same spec.
    /// </summary>
    /// <exception cref="ClientException">They do not match.</exception>
    public async Task<VerifiedHeResult> VerifyHeAsync(ulong jobId, Address node, byte[] resultBytes, byte[] nodeSignature, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resultBytes);
        var (job, hash, signature) = await CheckCommitmentAsync(jobId, node, resultBytes, nodeSignature, cancellationToken).ConfigureAwait(false);
        JobResult result;
        try
        {
            result = JobResult.Parser.ParseFrom(resultBytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new ClientException($"The result of job {jobId} is committed on chain but is not a job result.", ex);
        }

        var expected = job.Kind switch
        {
            ComputationKind.HeWeightedAggregate => JobResult.ResultOneofCase.HeWeightedAggregate,
            ComputationKind.HeScoring => JobResult.ResultOneofCase.HeScoring,
            ComputationKind.HeCrossDomainSum => JobResult.ResultOneofCase.HeCrossDomainSum,
            _ => throw new ClientException($"Job {jobId} is a {job.Kind} job, not a homomorphic one."),
        };
        if (result.ResultCase != expected)
        {
            throw new ClientException($"The result of job {jobId} holds {result.ResultCase}, not the {expected} its kind calls for; do not use it.");
        }

        if (expected == JobResult.ResultOneofCase.HeCrossDomainSum)
        {
            await CheckPartsAsync(job, result.HeCrossDomainSum, cancellationToken).ConfigureAwait(false);
        }

        return new VerifiedHeResult(jobId, job.Kind, node, resultBytes, result, hash, signature);
    }

    private async Task CheckPartsAsync(Job coordinating, HeCrossDomainSumResult result, CancellationToken cancellationToken)
    {
        foreach (var part in result.Parts)
        {
            var partId = ParseId(part.JobId, coordinating.Id);
            if (partId == coordinating.Id)
            {
                continue;
            }

            var job = await _ledger.Jobs.GetJobAsync(partId, cancellationToken).ConfigureAwait(false);
            if (job.Submitter != _key.Address || job.SpecHash != coordinating.SpecHash || job.Kind != ComputationKind.HeCrossDomainSum)
            {
                throw new ClientException($"Part job {partId} of job {coordinating.Id} is not this account's part of the same cross-domain sum; do not use the result.");
            }

            if (part.ResultHash.Length != 32 || job.Status != JobStatus.Completed || job.ResultHash != new Hash32(part.ResultHash.Span))
            {
                throw new ClientException($"Part job {partId} of job {coordinating.Id} is not completed on chain with the result hash the result reports; do not use it.");
            }

            var (partNode, _) = await NodeOfAsync(job.DatasetId, cancellationToken).ConfigureAwait(false);
            var signer = (await _ledger.Participants.GetNodeAsync(partNode, cancellationToken).ConfigureAwait(false)).Signer;
            var digest = JobsContract.ResultDigest(_ledger.Deployment.Jobs, _ledger.Deployment.ChainId, partId, job.ResultHash);
            if (!PersonalMessage.Verify(digest.Span, part.NodeSignature.Span, signer))
            {
                throw new ClientException($"Part job {partId} of job {coordinating.Id} is not signed by node {partNode}'s signer {signer}; do not use the result.");
            }
        }
    }

    private async Task<(Job Job, Hash32 Hash, EthSignature Signature)> CheckCommitmentAsync(ulong jobId, Address node, byte[] resultBytes, byte[] nodeSignature, CancellationToken cancellationToken)
    {
        var job = await _ledger.Jobs.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        var hash = Keccak256.Compute(resultBytes);
        if (job.Status != JobStatus.Completed || job.ResultHash != hash)
        {
            throw new ClientException($"The result of job {jobId} does not match the chain (on chain: {job.Status}, {job.ResultHash}; received: {hash}); do not use it.");
        }

        var signer = (await _ledger.Participants.GetNodeAsync(node, cancellationToken).ConfigureAwait(false)).Signer;
        var digest = JobsContract.ResultDigest(_ledger.Deployment.Jobs, _ledger.Deployment.ChainId, jobId, hash);
        if (!EthSignature.TryFromBytes(nodeSignature, out var signature, out _) || !PersonalMessage.Verify(digest.Span, nodeSignature, signer))
        {
            throw new ClientException($"The result of job {jobId} is not signed by node {node}'s signer {signer}; do not use it.");
        }

        return (job, hash, signature!);
    }

    /// <summary>How long the authorization this client signs for each call stays valid (a captured one is refused after).</summary>
    public TimeSpan AuthorizationValidity { get; init; } = JobAuthorization.DefaultValidity;

    private (EthSignature Signature, ulong ExpiresAt) Sign(ulong jobId)
    {
        var expiresAt = JobAuthorization.ExpiryFrom(DateTimeOffset.UtcNow, AuthorizationValidity);
        return (JobAuthorization.Sign(_key, _ledger.Deployment.Jobs, _ledger.Deployment.ChainId, jobId, expiresAt), expiresAt);
    }

    private static ulong ParseId(ByteString bytes, ulong within)
    {
        var significant = bytes.Span.TrimStart((byte)0);
        if (bytes.Length is 0 or > 32 || significant.Length is 0 or > 8)
        {
            throw new ClientException($"The result of job {within} names a part job id that is not a valid id; do not use it.");
        }

        ulong value = 0;
        foreach (var b in significant)
        {
            value = (value << 8) | b;
        }

        return value;
    }

    /// <summary>The node that holds a dataset, and its gRPC endpoint, as the chain records them.</summary>
    public async Task<(Address Node, Uri Endpoint)> NodeOfAsync(Hash32 datasetId, CancellationToken cancellationToken)
    {
        var dataset = await _ledger.Catalog.GetDatasetAsync(datasetId, cancellationToken).ConfigureAwait(false);
        var info = await _ledger.Participants.GetNodeAsync(dataset.Spec.Node, cancellationToken).ConfigureAwait(false);
        if (!Uri.TryCreate(info.Endpoint, UriKind.Absolute, out var endpoint))
        {
            throw new ClientException($"Node {dataset.Spec.Node} has no usable endpoint on chain ('{info.Endpoint}').");
        }

        return (dataset.Spec.Node, endpoint);
    }

    // Homomorphic results carry ciphertexts of megabytes; gRPC's 4 MB default would cut them off.
    private static GrpcChannelOptions LargeMessages() => new() { MaxReceiveMessageSize = 256 * 1024 * 1024, MaxSendMessageSize = 2 * JobChunks.MaxChunkSize };

    private async Task<T> CallAsync<T>(Uri endpoint, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcException ex) when (_trust.DescribeFailure(ex, endpoint) is { } tls)
        {
            throw new ClientException(tls, ex);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && ex.GetRpcStatus() is null)
        {
            throw new ClientException($"The node cannot be reached ({ex.Status.Detail}); is it running?", ex);
        }
        catch (RpcException ex)
        {
            var reason = ex.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason ?? ex.StatusCode.ToString();
            throw new NodeRefusedException(reason, ex.Status.Detail, ex.StatusCode);
        }
    }
}
