using System.Numerics;
using DataTrust.Ledger.Abi;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Contracts;

/// <summary>
/// Sends EIP-1559 transactions for one account: estimates gas (so a refusal is caught and decoded before
/// anything is sent), prices them from the latest base fee, takes nonces from a <see cref="NonceManager"/> so
/// many can be in flight, signs locally, and decodes the custom error of any transaction that reverts.
/// </summary>
public sealed class TransactionSender
{
    private static readonly TimeSpan FeeCacheLifetime = TimeSpan.FromSeconds(2);
    private readonly EthereumKey _key;
    private readonly NonceManager _nonces;
    private readonly AbiErrorDecoder _errors;
    private readonly SemaphoreSlim _feeGate = new(1, 1);
    private (BigInteger MaxFee, BigInteger Priority, DateTime At)? _fees;

    /// <summary>Creates a sender; <paramref name="chainId"/> must be the chain the endpoint serves (see <see cref="CreateAsync"/>).</summary>
    public TransactionSender(JsonRpcClient rpc, EthereumKey key, ulong chainId, NonceManager? nonces = null, AbiErrorDecoder? errors = null)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        ArgumentNullException.ThrowIfNull(key);
        Rpc = rpc;
        _key = key;
        ChainId = chainId;
        _nonces = nonces ?? new NonceManager(rpc);
        _errors = errors ?? DataTrustAbi.ErrorDecoder;
    }

    /// <summary>Reads the chain id from the endpoint (checking it when <paramref name="expectedChainId"/> is given) and creates a sender.</summary>
    public static async Task<TransactionSender> CreateAsync(JsonRpcClient rpc, EthereumKey key, ulong? expectedChainId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        var chainId = await rpc.GetChainIdAsync(cancellationToken).ConfigureAwait(false);
        if (expectedChainId is { } expected && expected != chainId)
        {
            await rpc.EnsureChainIdAsync(expected, cancellationToken).ConfigureAwait(false);
        }

        return new TransactionSender(rpc, key, chainId);
    }

    /// <summary>The account that signs and pays.</summary>
    public Address From => _key.Address;

    /// <summary>The chain id every transaction is signed for (EIP-155 replay protection).</summary>
    public ulong ChainId { get; }

    /// <summary>The JSON-RPC client used.</summary>
    public JsonRpcClient Rpc { get; }

    /// <summary>Sends a transaction and waits for its receipt.</summary>
    /// <param name="label">What is being done, e.g. <c>Jobs.submit</c>; it names the refusal in errors.</param>
    /// <param name="to">The contract called, or null to deploy <paramref name="data"/>.</param>
    /// <param name="data">Call data, or creation code for a deployment.</param>
    /// <param name="gasLimit">A fixed gas limit; null estimates it (and catches a refusal before sending).</param>
    /// <param name="cancellationToken">Cancels the wait (not the transaction once it is sent).</param>
    /// <exception cref="ContractRevertedException">The contract refused, before sending or when mined.</exception>
    /// <exception cref="RpcException">The endpoint failed.</exception>
    public async Task<TransactionReceipt> SendAsync(string label, Address? to, byte[] data, ulong? gasLimit = null, CancellationToken cancellationToken = default)
    {
        var pending = await SubmitAsync(label, to, data, gasLimit, cancellationToken).ConfigureAwait(false);
        return await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Signs and sends a transaction without waiting for it to be mined (for pipelining).</summary>
    /// <exception cref="ContractRevertedException">Gas estimation showed the contract would refuse; nothing was sent.</exception>
    /// <exception cref="RpcException">The endpoint failed; the nonce is given back.</exception>
    public async Task<PendingTransaction> SubmitAsync(string label, Address? to, byte[] data, ulong? gasLimit = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        ArgumentNullException.ThrowIfNull(data);

        var gas = gasLimit ?? await EstimateAsync(label, to, data, cancellationToken).ConfigureAwait(false);
        var (maxFee, priority) = await GetFeesAsync(cancellationToken).ConfigureAwait(false);
        var nonce = await _nonces.ReserveAsync(From, cancellationToken).ConfigureAwait(false);
        var transaction = new Eip1559Transaction
        {
            ChainId = ChainId,
            Nonce = nonce,
            MaxPriorityFeePerGas = priority,
            MaxFeePerGas = maxFee,
            GasLimit = gas,
            To = to,
            Data = data,
        };
        var signed = TransactionSigner.Sign(transaction, _key);
        await BroadcastAsync(signed.Raw, signed.Hash, nonce, cancellationToken).ConfigureAwait(false);
        return new PendingTransaction(this, label, signed.Hash, to, data);
    }

    /// <summary>
    /// Signs many transactions and sends them in one JSON-RPC batch request (one round trip), each with its own nonce (assigned
    /// locally, in order) and signature, without waiting for them to be mined. With a fixed gas limit and no estimate, a refusal
    /// by a contract shows only when mined (<see cref="PendingTransaction.WaitAsync"/> decodes it). Each transaction is reported
    /// on its own: one the endpoint refused carries that error, and its nonce is given back so the next transaction fills the gap
    /// (the ones sent after it wait for that); after a refusal that says the nonce is wrong, or an answer that leaves it unknown
    /// whether a transaction was taken, nonces are counted afresh from the chain.
    /// </summary>
    /// <param name="label">What is being done, e.g. <c>Jobs.submit</c>; it names the refusal in errors.</param>
    /// <param name="requests">The transactions, at most <see cref="JsonRpcClientOptions.MaxBatchSize"/>.</param>
    /// <param name="gasLimit">The gas limit of each transaction.</param>
    /// <param name="cancellationToken">Cancels before the request is sent; once sent, the outcome is unknown and nonces are counted afresh.</param>
    /// <exception cref="ArgumentException">No requests, or more than one batch may carry; nothing was sent.</exception>
    /// <exception cref="RpcException">The request as a whole failed: any of the transactions may have been sent (the message says so).</exception>
    public async Task<IReadOnlyList<BatchSendOutcome>> SubmitManyAsync(string label, IReadOnlyList<TransactionRequest> requests, ulong gasLimit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count == 0 || requests.Count > Rpc.Options.MaxBatchSize)
        {
            throw new ArgumentException($"One batch sends 1 to {Rpc.Options.MaxBatchSize} transactions, not {requests.Count}.", nameof(requests));
        }

        for (var i = 0; i < requests.Count; i++)
        {
            if (requests[i]?.Data is null || requests[i].Value.Sign < 0)
            {
                throw new ArgumentException($"Transaction request {i} is null, has no data or a negative value.", nameof(requests));
            }
        }

        var (maxFee, priority) = await GetFeesAsync(cancellationToken).ConfigureAwait(false);
        var nonces = await _nonces.ReserveManyAsync(From, requests.Count, cancellationToken).ConfigureAwait(false);
        var signed = new SignedTransaction[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            signed[i] = TransactionSigner.Sign(
                new Eip1559Transaction
                {
                    ChainId = ChainId,
                    Nonce = nonces[i],
                    MaxPriorityFeePerGas = priority,
                    MaxFeePerGas = maxFee,
                    GasLimit = gasLimit,
                    To = requests[i].To,
                    Value = requests[i].Value,
                    Data = requests[i].Data,
                },
                _key);
        }

        IReadOnlyList<RpcBatchAnswer<Hash32>> answers;
        try
        {
            answers = await Rpc.SendRawTransactionsAsync([.. signed.Select(t => (ReadOnlyMemory<byte>)t.Raw)], cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            _nonces.Reset(From);
            throw new RpcException(
                ex.Kind,
                $"{ex.Message} Any of the {signed.Length} {label} transactions (nonces {nonces[0]} to {nonces[^1]}, the first {signed[0].Hash}) may have been sent; look them up before sending them again.",
                ex);
        }
        catch (OperationCanceledException)
        {
            _nonces.Reset(From);
            throw;
        }

        var outcomes = new BatchSendOutcome[signed.Length];
        var countAfresh = false;
        var refused = new List<ulong>();
        for (var i = 0; i < signed.Length; i++)
        {
            var hash = signed[i].Hash;
            var error = answers[i].Error;
            if (error is null && answers[i].Value != hash)
            {
                error = new RpcException(
                    RpcErrorKind.MalformedResponse,
                    $"eth_sendRawTransaction at {Rpc.Endpoint} answered hash {answers[i].Value} for transaction {hash}; whether it was taken is unknown.");
            }

            if (error is not null && error.Kind == RpcErrorKind.ServerError && IsDuplicate(error) && !error.Message.Contains("nonce", StringComparison.OrdinalIgnoreCase)
                && await IsKnownAsync(hash, cancellationToken).ConfigureAwait(false))
            {
                // "Already known": the endpoint holds these very bytes.
                error = null;
            }

            if (error is null)
            {
                outcomes[i] = new BatchSendOutcome(hash, nonces[i], new PendingTransaction(this, label, hash, requests[i].To, requests[i].Data), null);
                continue;
            }

            outcomes[i] = new BatchSendOutcome(hash, nonces[i], null, error);
            if (error.Kind != RpcErrorKind.ServerError || error.Message.Contains("nonce", StringComparison.OrdinalIgnoreCase))
            {
                // Not answered clearly (it may be in the pool), or the account's count moved elsewhere: read the chain again.
                countAfresh = true;
            }
            else
            {
                refused.Add(nonces[i]);
            }
        }

        if (countAfresh)
        {
            _nonces.Reset(From);
        }
        else
        {
            // Newest first, so a refused tail steps the count back rather than leaving gaps to fill.
            for (var i = refused.Count - 1; i >= 0; i--)
            {
                _nonces.Release(From, refused[i]);
            }
        }

        return outcomes;
    }

    /// <summary>
    /// Sends signed bytes, resending the same bytes (never a new transaction) with exponential backoff when the call
    /// fails in transit: the same bytes have the same hash, so a resend cannot make a second transaction. A resend
    /// answered "already known" or "nonce too low" is a success when the endpoint knows our hash.
    /// </summary>
    private async Task BroadcastAsync(ReadOnlyMemory<byte> raw, Hash32 hash, ulong nonce, CancellationToken cancellationToken)
    {
        var delay = Rpc.Options.RetryDelay;
        var sentOnce = false;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await Rpc.SendRawTransactionAsync(raw, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RpcException ex) when (ex.Kind == RpcErrorKind.ServerError && sentOnce && IsDuplicate(ex))
            {
                // An earlier attempt may have reached the endpoint and only its answer was lost: then this is a success.
                if (await IsKnownAsync(hash, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                _nonces.Reset(From);
                throw;
            }
            catch (RpcException ex) when (ex.Kind == RpcErrorKind.ServerError && ex.Message.Contains("nonce", StringComparison.OrdinalIgnoreCase))
            {
                // Someone else used this account: count again from the chain next time.
                _nonces.Reset(From);
                throw;
            }
            catch (RpcException ex) when (JsonRpcClient.IsTransient(ex))
            {
                // The bytes may have arrived: the nonce cannot be handed to another transaction, so count again from the chain.
                sentOnce = true;
                if (attempt >= Math.Max(0, Rpc.Options.Retries))
                {
                    _nonces.Reset(From);
                    throw new RpcException(
                        ex.Kind,
                        $"{ex.Message} Transaction {hash} may still have been sent; look it up before sending it again.",
                        ex);
                }
            }
            catch (Exception ex) when (ex is RpcException or OperationCanceledException)
            {
                if (sentOnce)
                {
                    _nonces.Reset(From);
                }
                else
                {
                    _nonces.Release(From, nonce);
                }

                throw;
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay *= 2;
        }
    }

    private static bool IsDuplicate(RpcException ex) =>
        ex.Message.Contains("already known", StringComparison.OrdinalIgnoreCase)
        || ex.Message.Contains("known transaction", StringComparison.OrdinalIgnoreCase)
        || ex.Message.Contains("already imported", StringComparison.OrdinalIgnoreCase)
        || ex.Message.Contains("nonce too low", StringComparison.OrdinalIgnoreCase);

    private async Task<bool> IsKnownAsync(Hash32 hash, CancellationToken cancellationToken)
    {
        var found = await Rpc.CallAsync("eth_getTransactionByHash", [hash.ToString()], cancellationToken).ConfigureAwait(false);
        return found.ValueKind == System.Text.Json.JsonValueKind.Object;
    }

    private async Task<ulong> EstimateAsync(string label, Address? to, byte[] data, CancellationToken cancellationToken)
    {
        try
        {
            var estimate = await Rpc.EstimateGasAsync(new CallRequest(to, data, From), cancellationToken).ConfigureAwait(false);

            // A margin: estimates are exact for the state they ran on, and state moves between estimate and mining.
            return estimate + (estimate / 4) + 10_000;
        }
        catch (RpcException ex) when (ex.RevertData is { } revert)
        {
            throw new ContractRevertedException(label, _errors.Decode(revert));
        }
    }

    private async Task<(BigInteger MaxFee, BigInteger Priority)> GetFeesAsync(CancellationToken cancellationToken)
    {
        await _feeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_fees is { } cached && DateTime.UtcNow - cached.At < FeeCacheLifetime)
            {
                return (cached.MaxFee, cached.Priority);
            }

            var block = await Rpc.GetBlockAsync(BlockTag.Latest, cancellationToken).ConfigureAwait(false);
            var baseFee = block?.BaseFeePerGas ?? await Rpc.GetGasPriceAsync(cancellationToken).ConfigureAwait(false);
            var priority = await Rpc.GetMaxPriorityFeePerGasAsync(cancellationToken).ConfigureAwait(false);

            // EIP-1559 §Rationale: twice the base fee survives six full blocks of base-fee growth.
            var maxFee = (baseFee * 2) + priority;
            _fees = (maxFee, priority, DateTime.UtcNow);
            return (maxFee, priority);
        }
        finally
        {
            _feeGate.Release();
        }
    }

    internal async Task<ContractRevertedException> ExplainRevertAsync(PendingTransaction pending, TransactionReceipt receipt, CancellationToken cancellationToken)
    {
        // Replay the call on the parent block's state to learn the revert data of a mined failure.
        var block = receipt.BlockNumber == 0 ? BlockTag.Latest : BlockTag.Number(receipt.BlockNumber - 1);
        try
        {
            await Rpc.CallContractAsync(new CallRequest(pending.To, pending.Data, From), block, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.RevertData is { } revert)
        {
            return new ContractRevertedException(pending.Label, _errors.Decode(revert), pending.Hash);
        }

        return new ContractRevertedException(pending.Label, _errors.Decode(ReadOnlySpan<byte>.Empty), pending.Hash);
    }
}

/// <summary>One transaction of a <see cref="TransactionSender.SubmitManyAsync"/> batch.</summary>
/// <param name="To">The contract called, or null to deploy <paramref name="Data"/>.</param>
/// <param name="Data">Call data, or creation code for a deployment.</param>
/// <param name="Value">Wei sent with it.</param>
public sealed record TransactionRequest(Address? To, byte[] Data, BigInteger Value = default);

/// <summary>How one transaction of a batch send fared: sent (<paramref name="Pending"/>) or refused (<paramref name="Error"/>).</summary>
/// <param name="Hash">The signed transaction's hash (also when it was refused).</param>
/// <param name="Nonce">The nonce it was signed with.</param>
/// <param name="Pending">The sent transaction, to await; null when it was refused.</param>
/// <param name="Error">Why the endpoint refused it, or did not answer for it clearly; null when it was sent.</param>
public sealed record BatchSendOutcome(Hash32 Hash, ulong Nonce, PendingTransaction? Pending, RpcException? Error)
{
    /// <summary>True when the endpoint took the transaction.</summary>
    public bool Sent => Pending is not null;
}

/// <summary>A transaction that was sent but may not be mined yet.</summary>
public sealed class PendingTransaction
{
    private readonly TransactionSender _sender;

    internal PendingTransaction(TransactionSender sender, string label, Hash32 hash, Address? to, byte[] data)
    {
        _sender = sender;
        Label = label;
        Hash = hash;
        To = to;
        Data = data;
    }

    /// <summary>What the transaction does, e.g. <c>Jobs.submit</c>.</summary>
    public string Label { get; }

    /// <summary>The transaction hash.</summary>
    public Hash32 Hash { get; }

    /// <summary>The contract called, or null for a deployment.</summary>
    public Address? To { get; }

    /// <summary>The call data.</summary>
    public byte[] Data { get; }

    /// <summary>Waits for the receipt; a reverted transaction raises <see cref="ContractRevertedException"/> with the decoded error.</summary>
    public async Task<TransactionReceipt> WaitAsync(CancellationToken cancellationToken = default)
    {
        var receipt = await _sender.Rpc.WaitForReceiptAsync(Hash, cancellationToken).ConfigureAwait(false);
        if (!receipt.Succeeded)
        {
            throw await _sender.ExplainRevertAsync(this, receipt, cancellationToken).ConfigureAwait(false);
        }

        return receipt;
    }
}
