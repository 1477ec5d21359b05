using System.Numerics;

namespace DataTrust.Ledger.Rpc;

/// <summary>The parts of a block header that DataTrust reads.</summary>
/// <param name="Number">The block number.</param>
/// <param name="Hash">The block hash.</param>
/// <param name="Timestamp">Unix seconds.</param>
/// <param name="BaseFeePerGas">The EIP-1559 base fee, or null before London.</param>
/// <param name="GasLimit">The block gas limit.</param>
public sealed record BlockHeader(ulong Number, Hash32 Hash, ulong Timestamp, BigInteger? BaseFeePerGas, ulong GasLimit);

/// <summary>A read-only call or a gas estimate request (<c>eth_call</c>, <c>eth_estimateGas</c>).</summary>
/// <param name="To">The contract called, or null to estimate a deployment.</param>
/// <param name="Data">The call data.</param>
/// <param name="From">The sender the call runs as, if it matters (it does for access checks).</param>
/// <param name="Value">Wei sent with the call.</param>
/// <param name="Gas">A gas cap for the call, if any.</param>
public sealed record CallRequest(Address? To, byte[] Data, Address? From = null, BigInteger? Value = null, ulong? Gas = null);

/// <summary>One log entry of a receipt or of <c>eth_getLogs</c>.</summary>
/// <param name="Address">The contract that emitted it.</param>
/// <param name="Topics">Topic 0 (the event signature hash, for non-anonymous events) and the indexed arguments.</param>
/// <param name="Data">The non-indexed arguments, ABI-encoded.</param>
/// <param name="BlockNumber">The block it was mined in.</param>
/// <param name="TransactionHash">The transaction that emitted it.</param>
/// <param name="LogIndex">Its position in the block.</param>
public sealed record LogEntry(Address Address, IReadOnlyList<Hash32> Topics, byte[] Data, ulong BlockNumber, Hash32 TransactionHash, ulong LogIndex);

/// <summary>The receipt of a mined transaction.</summary>
/// <param name="TransactionHash">The transaction's hash.</param>
/// <param name="BlockNumber">The block it was mined in.</param>
/// <param name="Succeeded">False when the transaction reverted.</param>
/// <param name="GasUsed">Gas used by this transaction.</param>
/// <param name="EffectiveGasPrice">The price per gas paid.</param>
/// <param name="ContractAddress">The created contract, for a deployment.</param>
/// <param name="From">The sender.</param>
/// <param name="To">The recipient, or null for a deployment.</param>
/// <param name="Logs">The logs it emitted.</param>
public sealed record TransactionReceipt(
    Hash32 TransactionHash,
    ulong BlockNumber,
    bool Succeeded,
    ulong GasUsed,
    BigInteger EffectiveGasPrice,
    Address? ContractAddress,
    Address From,
    Address? To,
    IReadOnlyList<LogEntry> Logs);

/// <summary>A filter for <c>eth_getLogs</c>; the client pages over the block range itself.</summary>
/// <param name="FromBlock">The first block, inclusive.</param>
/// <param name="ToBlock">The last block, inclusive; null for the latest block at the time of the call.</param>
/// <param name="Addresses">Contracts to read logs of (empty for any).</param>
/// <param name="Topic0">Event signature hashes to match (empty for any).</param>
public sealed record LogFilter(ulong FromBlock, ulong? ToBlock, IReadOnlyList<Address> Addresses, IReadOnlyList<Hash32> Topic0);
