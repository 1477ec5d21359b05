using System.Numerics;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Rlp;
using RlpCodec = DataTrust.Ledger.Rlp.Rlp;

namespace DataTrust.Ledger.Signing;

/// <summary>
/// The byte encodings of transactions: the payload a signature covers and the raw signed form. Every
/// encoding is computed in two passes (exact length, one allocation, write). No keys, no signing.
/// </summary>
public static class TransactionEncoder
{
    /// <summary>The EIP-2718 type byte of EIP-1559 transactions.</summary>
    public const byte Eip1559TypeByte = 0x02;

    private static readonly BigInteger MaxUInt256 = (BigInteger.One << 256) - 1;

    /// <summary>EIP-1559 §Specification: the signed payload 0x02 ‖ rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value, data, accessList]).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A fee or the value is negative or above 2^256 - 1.</exception>
    public static byte[] EncodeForSigning(Eip1559Transaction transaction) => Encode1559(transaction, signature: null);

    /// <summary>The hash an EIP-1559 transaction's signature covers: keccak256 of <see cref="EncodeForSigning(Eip1559Transaction)"/>.</summary>
    public static Hash32 SigningHash(Eip1559Transaction transaction) => Keccak256.Compute(EncodeForSigning(transaction));

    /// <summary>The raw signed form 0x02 ‖ rlp([..., yParity, r, s]).</summary>
    public static byte[] EncodeSigned(Eip1559Transaction transaction, EthSignature signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        return Encode1559(transaction, signature);
    }

    /// <summary>
    /// The signed payload of a legacy transaction: with a chain id, EIP-155's
    /// rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0]); without, the six fields only.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The gas price or value is negative or above 2^256 - 1.</exception>
    public static byte[] EncodeForSigning(LegacyTransaction transaction) => EncodeLegacy(transaction, signature: null);

    /// <summary>The hash a legacy transaction's signature covers.</summary>
    public static Hash32 SigningHash(LegacyTransaction transaction) => Keccak256.Compute(EncodeForSigning(transaction));

    /// <summary>The raw signed form rlp([nonce, gasPrice, gas, to, value, data, v, r, s]) with v = chainId·2 + 35 + yParity (EIP-155) or 27 + yParity.</summary>
    public static byte[] EncodeSigned(LegacyTransaction transaction, EthSignature signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        return EncodeLegacy(transaction, signature);
    }

    /// <summary>The v value of a signed legacy transaction.</summary>
    public static BigInteger LegacyV(ulong? chainId, int yParity) =>
        chainId is { } id ? (new BigInteger(id) * 2) + 35 + yParity : 27 + yParity;

    private static byte[] Encode1559(Eip1559Transaction tx, EthSignature? signature)
    {
        ArgumentNullException.ThrowIfNull(tx);
        CheckUInt256(tx.MaxPriorityFeePerGas, nameof(tx.MaxPriorityFeePerGas));
        CheckUInt256(tx.MaxFeePerGas, nameof(tx.MaxFeePerGas));
        CheckUInt256(tx.Value, nameof(tx.Value));
        ArgumentNullException.ThrowIfNull(tx.AccessList, nameof(tx.AccessList));

        var accessListContent = AccessListContentLength(tx.AccessList);
        var content = RlpCodec.LengthOf(tx.ChainId)
            + RlpCodec.LengthOf(tx.Nonce)
            + RlpCodec.LengthOf(tx.MaxPriorityFeePerGas)
            + RlpCodec.LengthOf(tx.MaxFeePerGas)
            + RlpCodec.LengthOf(tx.GasLimit)
            + LengthOfTo(tx.To)
            + RlpCodec.LengthOf(tx.Value)
            + RlpCodec.LengthOf(tx.Data.Span)
            + RlpCodec.LengthOfList(accessListContent)
            + SignatureLength(signature, v: null);

        var output = new byte[1 + RlpCodec.LengthOfList(content)];
        var writer = new RlpWriter(output);
        writer.WriteRaw([Eip1559TypeByte]);
        writer.WriteListHeader(content);
        writer.WriteInteger(tx.ChainId);
        writer.WriteInteger(tx.Nonce);
        writer.WriteInteger(tx.MaxPriorityFeePerGas);
        writer.WriteInteger(tx.MaxFeePerGas);
        writer.WriteInteger(tx.GasLimit);
        WriteTo(ref writer, tx.To);
        writer.WriteInteger(tx.Value);
        writer.WriteString(tx.Data.Span);
        WriteAccessList(ref writer, tx.AccessList, accessListContent);
        if (signature is not null)
        {
            writer.WriteInteger((ulong)signature.YParity);
            writer.WriteInteger(signature.R);
            writer.WriteInteger(signature.S);
        }

        writer.EnsureFull();
        return output;
    }

    private static byte[] EncodeLegacy(LegacyTransaction tx, EthSignature? signature)
    {
        ArgumentNullException.ThrowIfNull(tx);
        CheckUInt256(tx.GasPrice, nameof(tx.GasPrice));
        CheckUInt256(tx.Value, nameof(tx.Value));

        BigInteger? v = signature is null ? null : LegacyV(tx.ChainId, signature.YParity);
        var content = RlpCodec.LengthOf(tx.Nonce)
            + RlpCodec.LengthOf(tx.GasPrice)
            + RlpCodec.LengthOf(tx.GasLimit)
            + LengthOfTo(tx.To)
            + RlpCodec.LengthOf(tx.Value)
            + RlpCodec.LengthOf(tx.Data.Span);
        if (signature is not null)
        {
            content += SignatureLength(signature, v);
        }
        else if (tx.ChainId is { } chainId)
        {
            // EIP-155: the signing payload ends with chainId, 0, 0 (each zero encodes to one byte).
            content += RlpCodec.LengthOf(chainId) + 2;
        }

        var output = new byte[RlpCodec.LengthOfList(content)];
        var writer = new RlpWriter(output);
        writer.WriteListHeader(content);
        writer.WriteInteger(tx.Nonce);
        writer.WriteInteger(tx.GasPrice);
        writer.WriteInteger(tx.GasLimit);
        WriteTo(ref writer, tx.To);
        writer.WriteInteger(tx.Value);
        writer.WriteString(tx.Data.Span);
        if (signature is not null)
        {
            writer.WriteInteger(v!.Value);
            writer.WriteInteger(signature.R);
            writer.WriteInteger(signature.S);
        }
        else if (tx.ChainId is { } chainId)
        {
            writer.WriteInteger(chainId);
            writer.WriteInteger(0UL);
            writer.WriteInteger(0UL);
        }

        writer.EnsureFull();
        return output;
    }

    private static int SignatureLength(EthSignature? signature, BigInteger? v)
    {
        if (signature is null)
        {
            return 0;
        }

        var vLength = v is { } legacyV ? RlpCodec.LengthOf(legacyV) : RlpCodec.LengthOf((ulong)signature.YParity);
        return vLength + RlpCodec.LengthOf(signature.R) + RlpCodec.LengthOf(signature.S);
    }

    private static int LengthOfTo(Address? to) => to is null ? 1 : 1 + Address.Size;

    private static void WriteTo(ref RlpWriter writer, Address? to)
    {
        if (to is { } address)
        {
            writer.WriteString(address.Span);
        }
        else
        {
            writer.WriteString([]);
        }
    }

    private static int AccessListContentLength(IReadOnlyList<AccessListEntry> accessList)
    {
        var total = 0;
        foreach (var entry in accessList)
        {
            total += RlpCodec.LengthOfList(EntryContentLength(entry));
        }

        return total;
    }

    private static int EntryContentLength(AccessListEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(entry.StorageKeys);
        return 1 + Address.Size + RlpCodec.LengthOfList(entry.StorageKeys.Count * (1 + Hash32.Size));
    }

    private static void WriteAccessList(ref RlpWriter writer, IReadOnlyList<AccessListEntry> accessList, int contentLength)
    {
        // EIP-2930: accessList = [[address, [storageKey, ...]], ...]
        writer.WriteListHeader(contentLength);
        foreach (var entry in accessList)
        {
            writer.WriteListHeader(EntryContentLength(entry));
            writer.WriteString(entry.Address.Span);
            writer.WriteListHeader(entry.StorageKeys.Count * (1 + Hash32.Size));
            foreach (var key in entry.StorageKeys)
            {
                writer.WriteString(key.Span);
            }
        }
    }

    private static void CheckUInt256(BigInteger value, string name)
    {
        if (value.Sign < 0 || value > MaxUInt256)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} is a uint256: it must be between 0 and 2^256 - 1.");
        }
    }
}
