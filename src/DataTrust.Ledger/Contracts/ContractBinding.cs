using DataTrust.Ledger.Abi;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Ledger.Contracts;

/// <summary>An event read from the chain: its decoded values and where it was mined.</summary>
/// <param name="Name">The event name.</param>
/// <param name="Values">The decoded arguments, by name.</param>
/// <param name="Contract">The contract that emitted it.</param>
/// <param name="BlockNumber">The block it was mined in.</param>
/// <param name="TransactionHash">The transaction that emitted it.</param>
/// <param name="LogIndex">Its position in the block.</param>
public sealed record ContractEvent(string Name, AbiValues Values, Address Contract, ulong BlockNumber, Hash32 TransactionHash, ulong LogIndex);

/// <summary>The shared machinery of a typed contract binding: read-only calls, transactions, events, decoded refusals.</summary>
public abstract class ContractBinding
{
    private protected ContractBinding(ContractArtifact artifact, Address address, JsonRpcClient rpc, TransactionSender? sender)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        ArgumentNullException.ThrowIfNull(rpc);
        Artifact = artifact;
        Address = address;
        Rpc = rpc;
        Sender = sender;
    }

    /// <summary>The contract's address.</summary>
    public Address Address { get; }

    /// <summary>The compiled contract this binding speaks to.</summary>
    public ContractArtifact Artifact { get; }

    /// <summary>The JSON-RPC client reads go through.</summary>
    public JsonRpcClient Rpc { get; }

    /// <summary>The sender transactions go through, or null for a read-only binding.</summary>
    public TransactionSender? Sender { get; }

    /// <summary>Runs a view function and returns its decoded outputs.</summary>
    /// <exception cref="ContractRevertedException">The contract refused (e.g. an unknown id).</exception>
    private protected async Task<AbiValues> CallAsync(string function, object?[] arguments, CancellationToken cancellationToken, BlockTag? at = null)
    {
        var abi = Artifact.Abi.GetFunction(function);
        var data = abi.EncodeCall(arguments);
        byte[] output;
        try
        {
            output = await Rpc.CallContractAsync(new CallRequest(Address, data, Sender?.From), at ?? BlockTag.Latest, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.RevertData is { } revert)
        {
            throw new ContractRevertedException($"{Artifact.Name}.{function}", DataTrustAbi.ErrorDecoder.Decode(revert));
        }

        if (output.Length == 0 && abi.Outputs.Count > 0)
        {
            throw new RpcException(
                RpcErrorKind.MalformedResponse,
                $"{Artifact.Name}.{function} returned nothing: is {Address} really the {Artifact.Name} contract on this chain?");
        }

        return abi.DecodeOutput(output);
    }

    /// <summary>Runs a read-only function once per argument list, in JSON-RPC batches (one HTTP request per batch), and decodes each answer.</summary>
    private protected async Task<IReadOnlyList<AbiValues>> CallManyAsync(string function, IReadOnlyList<object?[]> argumentLists, CancellationToken cancellationToken)
    {
        var abi = Artifact.Abi.GetFunction(function);
        var calls = argumentLists.Select(a => new CallRequest(Address, abi.EncodeCall(a), Sender?.From)).ToList();
        IReadOnlyList<byte[]> outputs;
        try
        {
            outputs = await Rpc.CallContractsAsync(calls, BlockTag.Latest, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.RevertData is { } revert)
        {
            throw new ContractRevertedException($"{Artifact.Name}.{function}", DataTrustAbi.ErrorDecoder.Decode(revert));
        }

        return [.. outputs.Select(output => output.Length == 0 && abi.Outputs.Count > 0
            ? throw new RpcException(RpcErrorKind.MalformedResponse, $"{Artifact.Name}.{function} returned nothing: is {Address} really the {Artifact.Name} contract on this chain?")
            : abi.DecodeOutput(output))];
    }

    /// <summary>Sends a transaction to a function and returns the receipt.</summary>
    /// <exception cref="ContractRevertedException">The contract refused; nothing changed on chain.</exception>
    private protected async Task<TransactionReceipt> SendAsync(string function, object?[] arguments, CancellationToken cancellationToken, ulong? gasLimit = null)
    {
        var sender = Sender ?? throw new InvalidOperationException(
            $"This {Artifact.Name} binding is read-only: connect with a key to send {function}.");
        var data = Artifact.Abi.GetFunction(function).EncodeCall(arguments);
        return await sender.SendAsync($"{Artifact.Name}.{function}", Address, data, gasLimit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Signs and sends without waiting for the receipt (for pipelining).</summary>
    private protected Task<PendingTransaction> SubmitAsync(string function, object?[] arguments, ulong? gasLimit, CancellationToken cancellationToken)
    {
        var sender = Sender ?? throw new InvalidOperationException(
            $"This {Artifact.Name} binding is read-only: connect with a key to send {function}.");
        var data = Artifact.Abi.GetFunction(function).EncodeCall(arguments);
        return sender.SubmitAsync($"{Artifact.Name}.{function}", Address, data, gasLimit, cancellationToken);
    }

    /// <summary>Signs many calls of one function and sends them in one JSON-RPC batch, without waiting (see <see cref="TransactionSender.SubmitManyAsync"/>).</summary>
    private protected Task<IReadOnlyList<BatchSendOutcome>> SubmitManyAsync(string function, IReadOnlyList<object?[]> argumentLists, ulong gasLimit, CancellationToken cancellationToken)
    {
        var sender = Sender ?? throw new InvalidOperationException(
            $"This {Artifact.Name} binding is read-only: connect with a key to send {function}.");
        var abi = Artifact.Abi.GetFunction(function);
        return sender.SubmitManyAsync($"{Artifact.Name}.{function}", [.. argumentLists.Select(a => new TransactionRequest(Address, abi.EncodeCall(a)))], gasLimit, cancellationToken);
    }

    /// <summary>This contract's events in a receipt, decoded.</summary>
    public IReadOnlyList<ContractEvent> EventsIn(TransactionReceipt receipt)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        return [.. receipt.Logs.Where(l => l.Address == Address).Select(Decode).OfType<ContractEvent>()];
    }

    /// <summary>Reads and decodes this contract's events over a block range (paged).</summary>
    public async Task<IReadOnlyList<ContractEvent>> GetEventsAsync(ulong fromBlock, ulong? toBlock = null, CancellationToken cancellationToken = default)
    {
        var logs = await Rpc.GetLogsAsync(new LogFilter(fromBlock, toBlock, [Address], []), cancellationToken).ConfigureAwait(false);
        return [.. logs.Select(Decode).OfType<ContractEvent>()];
    }

    /// <summary>The single event named <paramref name="name"/> in a receipt.</summary>
    /// <exception cref="InvalidOperationException">The receipt holds no such event.</exception>
    private protected ContractEvent Single(TransactionReceipt receipt, string name) =>
        EventsIn(receipt).FirstOrDefault(e => e.Name == name)
        ?? throw new InvalidOperationException($"Transaction {receipt.TransactionHash} emitted no {Artifact.Name}.{name} event.");

    private ContractEvent? Decode(LogEntry log)
    {
        var decoded = Artifact.Abi.TryDecodeLog(log.Topics, log.Data);
        return decoded is null ? null : new ContractEvent(decoded.Name, decoded.Values, log.Address, log.BlockNumber, log.TransactionHash, log.LogIndex);
    }

    private protected static object?[] Tuple(AbiValues values) => values[0] as object?[]
        ?? throw new AbiException("Expected a struct (tuple) return value.");
}
