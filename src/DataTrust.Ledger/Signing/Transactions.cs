using System.Numerics;

namespace DataTrust.Ledger.Signing;

/// <summary>The EIP-2718 envelope type of a transaction.</summary>
public enum TransactionType
{
    /// <summary>An untyped legacy transaction (with or without EIP-155 replay protection).</summary>
    Legacy = 0,

    /// <summary>An EIP-1559 fee-market transaction, type byte 0x02.</summary>
    Eip1559 = 2,
}

/// <summary>One EIP-2930 access-list entry: an address and the storage slots the transaction will touch in it.</summary>
/// <param name="Address">The account.</param>
/// <param name="StorageKeys">The 32-byte storage keys.</param>
public sealed record AccessListEntry(Address Address, IReadOnlyList<Hash32> StorageKeys);

/// <summary>An unsigned EIP-1559 transaction (type 0x02). A plain model: it carries no key and does no crypto.</summary>
public sealed record Eip1559Transaction
{
    /// <summary>The EIP-155 chain id the transaction is valid on.</summary>
    public required ulong ChainId { get; init; }

    /// <summary>The sender's account nonce.</summary>
    public required ulong Nonce { get; init; }

    /// <summary>The tip per gas paid to the block producer, in wei.</summary>
    public required BigInteger MaxPriorityFeePerGas { get; init; }

    /// <summary>The most the sender pays per gas (base fee plus tip), in wei.</summary>
    public required BigInteger MaxFeePerGas { get; init; }

    /// <summary>The gas limit.</summary>
    public required ulong GasLimit { get; init; }

    /// <summary>The recipient; null for a contract creation.</summary>
    public Address? To { get; init; }

    /// <summary>The value transferred, in wei (a uint256).</summary>
    public BigInteger Value { get; init; }

    /// <summary>The call data (or init code for a creation).</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>The EIP-2930 access list; empty by default.</summary>
    public IReadOnlyList<AccessListEntry> AccessList { get; init; } = [];
}

/// <summary>An unsigned legacy transaction; with a chain id it is signed with EIP-155 replay protection.</summary>
public sealed record LegacyTransaction
{
    /// <summary>The sender's account nonce.</summary>
    public required ulong Nonce { get; init; }

    /// <summary>The gas price, in wei.</summary>
    public required BigInteger GasPrice { get; init; }

    /// <summary>The gas limit.</summary>
    public required ulong GasLimit { get; init; }

    /// <summary>The recipient; null for a contract creation.</summary>
    public Address? To { get; init; }

    /// <summary>The value transferred, in wei (a uint256).</summary>
    public BigInteger Value { get; init; }

    /// <summary>The call data (or init code for a creation).</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>The EIP-155 chain id; null for a pre-EIP-155 transaction (v = 27/28), which any chain would accept.</summary>
    public ulong? ChainId { get; init; }
}

/// <summary>A signed transaction ready for <c>eth_sendRawTransaction</c>.</summary>
public sealed class SignedTransaction
{
    internal SignedTransaction(TransactionType type, byte[] raw, Hash32 hash, Address from, EthSignature signature)
    {
        Type = type;
        Raw = raw;
        Hash = hash;
        From = from;
        Signature = signature;
    }

    /// <summary>The envelope type.</summary>
    public TransactionType Type { get; }

    /// <summary>The raw signed bytes (for EIP-1559: 0x02 ‖ rlp([...])).</summary>
    public ReadOnlyMemory<byte> Raw { get; }

    /// <summary>The transaction hash: keccak256 of the raw bytes.</summary>
    public Hash32 Hash { get; }

    /// <summary>The sender (the signing key's address).</summary>
    public Address From { get; }

    /// <summary>The signature.</summary>
    public EthSignature Signature { get; }

    /// <summary>The raw bytes as <c>0x</c>-prefixed hex, the form <c>eth_sendRawTransaction</c> takes.</summary>
    public string ToHex() => Hex.Encode(Raw.Span);

    /// <summary>The type and hash.</summary>
    public override string ToString() => $"{Type} transaction {Hash} from {From}";
}

/// <summary>A raw signed transaction taken apart, with its sender recovered from the signature.</summary>
public sealed class DecodedTransaction
{
    internal DecodedTransaction(TransactionType type, Eip1559Transaction? eip1559, LegacyTransaction? legacy, EthSignature signature, Address from, Hash32 hash)
    {
        Type = type;
        Eip1559 = eip1559;
        Legacy = legacy;
        Signature = signature;
        From = from;
        Hash = hash;
    }

    /// <summary>The envelope type.</summary>
    public TransactionType Type { get; }

    /// <summary>The fields, when <see cref="Type"/> is <see cref="TransactionType.Eip1559"/>.</summary>
    public Eip1559Transaction? Eip1559 { get; }

    /// <summary>The fields, when <see cref="Type"/> is <see cref="TransactionType.Legacy"/>.</summary>
    public LegacyTransaction? Legacy { get; }

    /// <summary>The signature.</summary>
    public EthSignature Signature { get; }

    /// <summary>The sender, recovered from the signature over the signing hash.</summary>
    public Address From { get; }

    /// <summary>The transaction hash: keccak256 of the raw bytes.</summary>
    public Hash32 Hash { get; }
}
