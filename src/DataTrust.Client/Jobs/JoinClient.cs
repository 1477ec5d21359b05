using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;
using DataTrust.Protos.Transport;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;

namespace DataTrust.Client.Jobs;

/// <summary>A join result handed back by the enclave and checked against the chain.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Quote">The quote whose key signed it (measurement, enclave address).</param>
/// <param name="ResultBytes">The serialized <see cref="JoinAggregateResult"/>, exactly as committed.</param>
/// <param name="Result">The parsed result.</param>
/// <param name="ResultHash">Keccak-256 of the bytes, equal to the on-chain result hash.</param>
/// <param name="EnclaveSignature">The enclave key's signature over the result digest.</param>
public sealed record VerifiedJoinResult(ulong JobId, EnclaveQuote Quote, byte[] ResultBytes, JoinAggregateResult Result, Hash32 ResultHash, EthSignature EnclaveSignature);

/// <summary>
/// An enterprise's side of an ENCLAVE_JOIN job: submits it on chain under one license per dataset, asks the (simulated)
/// enclave named by a recorded quote to run it, and checks the result against the chain: the hash committed by
/// completeJoin, and the enclave signature against the quoted key under the job's measurement.
/// </summary>
public sealed class JoinClient : IDisposable
{
    private readonly DataTrustLedger ledger;
    private readonly EthereumKey key;
    private readonly NodeTrust trust;
    private readonly Dictionary<Uri, GrpcChannel> channels = [];

    /// <summary>Creates a client acting as the key's account; https enclave endpoints are checked against <paramref name="trust"/>.</summary>
    public JoinClient(DataTrustLedger ledger, EthereumKey key, NodeTrust? trust = null)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(key);
        this.ledger = ledger;
        this.key = key;
        this.trust = trust ?? NodeTrust.SystemRoots;
    }

    /// <summary>The canonical spec bytes of a join query with its ε (the deterministic protobuf serialization).</summary>
    public static byte[] SpecOf(JoinQuery query, Epsilon epsilon)
    {
        ArgumentNullException.ThrowIfNull(query);
        var copy = query.Clone();
        copy.EpsilonMicros = (ulong)epsilon.Micros;
        return copy.ToByteArray();
    }

    /// <summary>
    /// The quote an <c>--enclave</c> argument names: a quote id, or a measurement (0x + 64 hex digits), for which the newest
    /// usable quote is taken.
    /// </summary>
    /// <exception cref="ClientException">No such quote, or none usable under that measurement.</exception>
    public async Task<EnclaveQuote> ResolveEnclaveAsync(string enclave, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(enclave);
        if (ulong.TryParse(enclave, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var quoteId))
        {
            if (quoteId == 0 || quoteId > await ledger.Enclaves.GetQuoteCountAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new ClientException($"--enclave {quoteId}: there is no such quote on chain.");
            }

            return await ledger.Enclaves.GetQuoteAsync(quoteId, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        Hash32 measurement;
        try
        {
            measurement = Hash32.Parse(enclave);
        }
        catch (FormatException)
        {
            throw new ClientException($"--enclave '{enclave}' is neither a quote id nor a measurement (0x and 64 hex digits).");
        }

        for (var id = await ledger.Enclaves.GetQuoteCountAsync(cancellationToken).ConfigureAwait(false); id > 0; id--)
        {
            var quote = await ledger.Enclaves.GetQuoteAsync(id, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (quote.Measurement == measurement && await ledger.Enclaves.IsUsableAsync(id, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                return quote;
            }
        }

        throw new ClientException($"No usable enclave quote on chain has measurement {measurement}; start an enclave ('datatrust enclave serve') first.");
    }

    /// <summary>Submits the join on chain under <paramref name="licenses"/> (one per dataset, in any order) for <paramref name="measurement"/>.</summary>
    /// <exception cref="ContractRevertedException">The ledger refused it (decoded custom error).</exception>
    public Task<ulong> SubmitAsync(IReadOnlyList<ulong> licenses, JoinQuery query, Epsilon epsilon, Hash32 measurement, CancellationToken cancellationToken) =>
        ledger.Jobs.SubmitJoinAsync(licenses, measurement, SpecOf(query, epsilon), epsilon, cancellationToken);

    /// <summary>Asks the enclave of <paramref name="quote"/> to run the join and checks what it returns.</summary>
    /// <exception cref="NodeRefusedException">The enclave refused (its reason, e.g. ERROR_REASON_JOIN_SPEC_INVALID).</exception>
    /// <exception cref="ClientException">The result does not match the chain or the quote.</exception>
    public async Task<VerifiedJoinResult> RunAsync(ulong jobId, EnclaveQuote quote, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(quote);
        if (!Uri.TryCreate(quote.Endpoint, UriKind.Absolute, out var endpoint))
        {
            throw new ClientException($"Quote {quote.Id} records no usable endpoint ('{quote.Endpoint}').");
        }

        var (signature, expiresAt) = JobAuthorization.Sign(key, ledger.Deployment.Jobs, ledger.Deployment.ChainId, jobId);
        var request = new RunJoinRequest { JobId = jobId, RequesterSignature = ByteString.CopyFrom(signature.ToBytes()), AuthorizationExpiresAt = expiresAt };
        JoinResult response;
        try
        {
            var client = new EnclaveService.EnclaveServiceClient(Channel(endpoint));
            response = await client.RunJoinAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (trust.DescribeFailure(ex, endpoint) is { } tls)
        {
            throw new ClientException(tls, ex);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && ex.GetRpcStatus() is null)
        {
            throw new ClientException($"The enclave at {endpoint} cannot be reached ({ex.Status.Detail}); is it running?", ex);
        }
        catch (RpcException ex)
        {
            var reason = ex.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason ?? ex.StatusCode.ToString();
            throw new NodeRefusedException(reason, ex.Status.Detail, ex.StatusCode);
        }

        return await VerifyAsync(jobId, response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Checks a join result against the chain: the job is a completed join whose result hash is keccak256 of the bytes, and
    /// the enclave signature over the result digest recovers to the enclave address of a quote under the job's measurement.
    /// </summary>
    /// <exception cref="ClientException">Any check fails.</exception>
    public async Task<VerifiedJoinResult> VerifyAsync(ulong jobId, JoinResult response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var bytes = response.Result.ToByteArray();
        var hash = Keccak256.Compute(bytes);
        var job = await ledger.Jobs.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job.Kind != Core.Catalog.ComputationKind.EnclaveJoin || job.Status != JobStatus.Completed)
        {
            throw new ClientException($"Job {jobId} is {job.Status} ({job.Kind}) on chain, not a completed join; the result is not trusted.");
        }

        if (job.ResultHash != hash || !response.ResultHash.Span.SequenceEqual(hash.Span))
        {
            throw new ClientException($"The result's hash {hash} is not the hash committed on chain for job {jobId} ({job.ResultHash}); the result is not trusted.");
        }

        var join = await ledger.Jobs.GetJoinAsync(jobId, cancellationToken).ConfigureAwait(false);
        var quote = await ledger.Enclaves.GetQuoteAsync(response.QuoteId, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (quote.Measurement != join.Measurement)
        {
            throw new ClientException($"Quote {quote.Id} has measurement {quote.Measurement}, not the job's {join.Measurement}; the result is not trusted.");
        }

        if (!EthSignature.TryFromBytes(response.EnclaveSignature.Span, out var signature, out _)
            || !signature.TryRecoverAddress(PersonalMessage.Hash(JobsContract.ResultDigest(ledger.Deployment.Jobs, ledger.Deployment.ChainId, jobId, hash).Span), out var signer)
            || signer != quote.Enclave)
        {
            throw new ClientException($"The enclave signature does not recover to the key of quote {quote.Id} ({quote.Enclave}); the result is not trusted.");
        }

        JoinAggregateResult result;
        try
        {
            result = JoinAggregateResult.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new ClientException($"The enclave's result for job {jobId} cannot be read: {ex.Message}", ex);
        }

        return new VerifiedJoinResult(jobId, quote, bytes, result, hash, signature);
    }

    private GrpcChannel Channel(Uri endpoint)
    {
        lock (channels)
        {
            if (!channels.TryGetValue(endpoint, out var channel))
            {
                channel = trust.CreateChannel(endpoint);
                channels[endpoint] = channel;
            }

            return channel;
        }
    }

    /// <summary>Closes the channels.</summary>
    public void Dispose()
    {
        foreach (var channel in channels.Values)
        {
            channel.Dispose();
        }

        channels.Clear();
    }
}
