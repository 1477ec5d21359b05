using System.Numerics;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Rlp;

namespace DataTrust.Ledger.Signing;

/// <summary>Takes raw signed transactions apart (legacy and EIP-1559) and recovers their senders.</summary>
public static class TransactionDecoder
{
    /// <summary>The largest raw transaction accepted (128 KiB, the common mempool limit).</summary>
    public const int MaxTransactionSize = 128 * 1024;

    /// <summary>Decodes a raw signed transaction and recovers its sender.</summary>
    /// <exception cref="RlpException">The bytes are not canonical RLP of a transaction of a known shape.</exception>
    /// <exception cref="SigningException">The type is unsupported, or the signature is invalid or recovers no sender.</exception>
    public static DecodedTransaction Decode(ReadOnlySpan<byte> raw)
    {
        if (raw.IsEmpty)
        {
            throw new RlpException("A raw transaction cannot be empty.");
        }

        if (raw.Length > MaxTransactionSize)
        {
            throw new RlpException($"The raw transaction is {raw.Length} bytes; the limit is {MaxTransactionSize}.");
        }

        // EIP-2718: a first byte in [0xc0, 0xff] is a legacy RLP list; [0x00, 0x7f] is a type byte.
        if (raw[0] >= 0xc0)
        {
            return DecodeLegacy(raw);
        }

        if (raw[0] == TransactionEncoder.Eip1559TypeByte)
        {
            return Decode1559(raw);
        }

        if (raw[0] <= 0x7f)
        {
            throw new SigningException($"Transaction type 0x{raw[0]:x2} is not supported; only legacy and EIP-1559 (0x02) transactions are.");
        }

        throw new RlpException($"A raw transaction starts with a type byte (below 0x80) or an RLP list (0xc0 or more), not 0x{raw[0]:x2}.");
    }

    /// <summary>Decodes a raw signed transaction given as <c>0x</c>-prefixed hex.</summary>
    /// <exception cref="RlpException">The text is not hex, or not a canonical transaction.</exception>
    /// <exception cref="SigningException">The type is unsupported, or the signature is invalid.</exception>
    public static DecodedTransaction Decode(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (!Hex.TryDecode(hex, out var bytes))
        {
            throw new RlpException("A raw transaction must be given as hex.");
        }

        return Decode(bytes);
    }

    private static DecodedTransaction Decode1559(ReadOnlySpan<byte> raw)
    {
        var outer = new RlpReader(raw[1..]);
        var fields = outer.ReadList();
        outer.EnsureEnd();

        var transaction = new Eip1559Transaction
        {
            ChainId = fields.ReadUInt64(),
            Nonce = fields.ReadUInt64(),
            MaxPriorityFeePerGas = fields.ReadBigInteger(),
            MaxFeePerGas = fields.ReadBigInteger(),
            GasLimit = fields.ReadUInt64(),
            To = ReadTo(ref fields),
            Value = fields.ReadBigInteger(),
            Data = fields.ReadBytes(),
            AccessList = ReadAccessList(ref fields),
        };
        var yParity = fields.ReadUInt64();
        var r = fields.ReadBigInteger();
        var s = fields.ReadBigInteger();
        fields.EnsureEnd();

        if (yParity > 1)
        {
            throw new SigningException($"The EIP-1559 signature's yParity is {yParity}; it must be 0 or 1.");
        }

        var signature = CreateSignature(r, s, (int)yParity);
        var from = Recover(signature, TransactionEncoder.SigningHash(transaction));
        return new DecodedTransaction(TransactionType.Eip1559, transaction, legacy: null, signature, from, Keccak256.Compute(raw));
    }

    private static DecodedTransaction DecodeLegacy(ReadOnlySpan<byte> raw)
    {
        var outer = new RlpReader(raw);
        var fields = outer.ReadList();
        outer.EnsureEnd();

        var nonce = fields.ReadUInt64();
        var gasPrice = fields.ReadBigInteger();
        var gasLimit = fields.ReadUInt64();
        var to = ReadTo(ref fields);
        var value = fields.ReadBigInteger();
        var data = fields.ReadBytes();
        var v = fields.ReadBigInteger();
        var r = fields.ReadBigInteger();
        var s = fields.ReadBigInteger();
        fields.EnsureEnd();

        ulong? chainId;
        int yParity;
        if (v == 27 || v == 28)
        {
            chainId = null;
            yParity = (int)(v - 27);
        }
        else if (v >= 35 && v <= (new BigInteger(ulong.MaxValue) * 2) + 36)
        {
            // EIP-155: v = chainId·2 + 35 + yParity.
            chainId = (ulong)((v - 35) / 2);
            yParity = (int)((v - 35) % 2);
        }
        else
        {
            throw new SigningException($"The legacy transaction's v is {v}; it must be 27, 28, or chainId·2 + 35/36 (EIP-155).");
        }

        var transaction = new LegacyTransaction
        {
            Nonce = nonce,
            GasPrice = gasPrice,
            GasLimit = gasLimit,
            To = to,
            Value = value,
            Data = data,
            ChainId = chainId,
        };
        var signature = CreateSignature(r, s, yParity);
        var from = Recover(signature, TransactionEncoder.SigningHash(transaction));
        return new DecodedTransaction(TransactionType.Legacy, eip1559: null, transaction, signature, from, Keccak256.Compute(raw));
    }

    private static EthSignature CreateSignature(BigInteger r, BigInteger s, int yParity)
    {
        if (!EthSignature.TryCreate(r, s, yParity, out var signature, out var error))
        {
            throw new SigningException("The transaction's signature is invalid: " + error);
        }

        return signature;
    }

    private static Address Recover(EthSignature signature, Hash32 signingHash)
    {
        if (!signature.TryRecoverAddress(signingHash, out var from))
        {
            throw new SigningException("The transaction's signature does not recover to any sender: it is invalid.");
        }

        return from;
    }

    private static Address? ReadTo(ref RlpReader fields)
    {
        var start = fields.Position;
        var bytes = fields.ReadString();
        return bytes.Length switch
        {
            0 => null,
            Address.Size => new Address(bytes),
            _ => throw new RlpException($"The recipient at byte {start} is {bytes.Length} bytes; it must be 20 (an address) or 0 (a contract creation)."),
        };
    }

    private static List<AccessListEntry> ReadAccessList(ref RlpReader fields)
    {
        var list = fields.ReadList();
        var entries = new List<AccessListEntry>();
        while (!list.IsAtEnd)
        {
            var entry = list.ReadList();
            var address = new Address(entry.ReadFixed(Address.Size));
            var keysReader = entry.ReadList();
            var keys = new List<Hash32>();
            while (!keysReader.IsAtEnd)
            {
                keys.Add(new Hash32(keysReader.ReadFixed(Hash32.Size)));
            }

            entry.EnsureEnd();
            entries.Add(new AccessListEntry(address, keys));
        }

        return entries;
    }
}
