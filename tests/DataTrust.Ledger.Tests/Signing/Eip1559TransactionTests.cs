using System.Numerics;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Rlp;
using DataTrust.Ledger.Signing;
using FsCheck.Xunit;

namespace DataTrust.Ledger.Tests.Signing;

public class Eip1559TransactionTests
{
    private const string PrivateKey = "0x4646464646464646464646464646464646464646464646464646464646464646";

    private static Eip1559Transaction Sample(Address? to = null, byte[]? data = null, IReadOnlyList<AccessListEntry>? accessList = null) => new()
    {
        ChainId = 1,
        Nonce = 9,
        MaxPriorityFeePerGas = 1_000_000_000,
        MaxFeePerGas = 20_000_000_000,
        GasLimit = 21000,
        To = to,
        Value = 0,
        Data = data ?? [],
        AccessList = accessList ?? [],
    };

    private static readonly Address Recipient = Address.Parse("0x3535353535353535353535353535353535353535");

    // Known answers produced once with Foundry's cast 1.7.1 (`cast mktx --private-key 0x46…46 --chain 1
    // --nonce 9 --gas-limit 21000 --gas-price 20gwei --priority-gas-price 1gwei …`); the random
    // cross-check against cast itself is in CastCrossCheckTests.
    [Fact]
    public void A_call_with_data_matches_cast()
    {
        using var key = EthereumKey.FromPrivateKeyHex(PrivateKey);

        var signed = TransactionSigner.Sign(Sample(Recipient, [0xde, 0xad, 0xbe, 0xef, 0x01]), key);

        Assert.Equal("0x02f8700109843b9aca008504a817c8008252089435353535353535353535353535353535353535358085deadbeef01c080a03235c723cb1486e0a307298c90c07f4b4856434a874726ef53545018e14c32bba03ee18fcb3643e8e042ef8d341858e9031fe9e2a523f1aa77a932345711c9cd90", signed.ToHex());
        Assert.Equal(Keccak256.Compute(signed.Raw.Span), signed.Hash);
    }

    [Fact]
    public void A_contract_creation_encodes_an_empty_recipient_and_matches_cast()
    {
        using var key = EthereumKey.FromPrivateKeyHex(PrivateKey);

        var signed = TransactionSigner.Sign(Sample(to: null, data: [0x60, 0x01, 0x60, 0x01, 0x55]), key);

        Assert.Equal("0x02f85c0109843b9aca008504a817c8008252088080856001600155c080a032773cc66ece6e531d880751790caffa6a53bf24ccfdaac5bbab2a1e194bf7f9a06f23a64b94bcc658b9cb02cb2f4b3a58f82acf37c3d41f6459e3a1a4be74c09a", signed.ToHex());
    }

    [Fact]
    public void A_non_empty_access_list_matches_cast()
    {
        using var key = EthereumKey.FromPrivateKeyHex(PrivateKey);
        var accessList = new[] { new AccessListEntry(Recipient, [Hash32.Parse("0x0000000000000000000000000000000000000000000000000000000000000001")]) };

        var signed = TransactionSigner.Sign(Sample(Recipient, accessList: accessList), key);

        Assert.Equal("0x02f8a40109843b9aca008504a817c8008252089435353535353535353535353535353535353535358080f838f7943535353535353535353535353535353535353535e1a0000000000000000000000000000000000000000000000000000000000000000101a03750e8ed46d635051a1a46910f9f756603ffc1c955f3de10f0e913b1cb195d4ca053d12d877e63b2a3fa14cfac5f3da4ce63f68c3801db862112b944a861e51b26", signed.ToHex());
    }

    [Fact]
    public void The_signing_payload_is_the_type_byte_and_the_nine_field_list()
    {
        var payload = TransactionEncoder.EncodeForSigning(Sample(Recipient));

        Assert.Equal(0x02, payload[0]);
        var reader = new RlpReader(payload.AsSpan(1));
        var fields = reader.ReadList();
        var count = 0;
        while (!fields.IsAtEnd)
        {
            fields.Skip();
            count++;
        }

        reader.EnsureEnd();
        Assert.Equal(9, count);
    }

    [Fact]
    public void Decoding_a_signed_transaction_gives_back_every_field_and_the_sender()
    {
        using var key = EthereumKey.Generate();
        var original = Sample(Recipient, [1, 2, 3], [new AccessListEntry(Recipient, [Keccak256.Compute("slot"u8), Hash32.Zero]), new AccessListEntry(key.Address, [])]) with
        {
            Value = BigInteger.Parse("123456789012345678901234567890"),
            ChainId = 31337,
            Nonce = ulong.MaxValue - 1,
        };
        var signed = TransactionSigner.Sign(original, key);

        var decoded = TransactionDecoder.Decode(signed.Raw.Span);

        Assert.Equal(TransactionType.Eip1559, decoded.Type);
        Assert.Equal(key.Address, decoded.From);
        Assert.Equal(signed.Hash, decoded.Hash);
        Assert.Equal(signed.Signature, decoded.Signature);
        var tx = decoded.Eip1559!;
        Assert.Equal(original.ChainId, tx.ChainId);
        Assert.Equal(original.Nonce, tx.Nonce);
        Assert.Equal(original.MaxPriorityFeePerGas, tx.MaxPriorityFeePerGas);
        Assert.Equal(original.MaxFeePerGas, tx.MaxFeePerGas);
        Assert.Equal(original.GasLimit, tx.GasLimit);
        Assert.Equal(original.To, tx.To);
        Assert.Equal(original.Value, tx.Value);
        Assert.Equal(original.Data.ToArray(), tx.Data.ToArray());
        Assert.Equal(2, tx.AccessList.Count);
        Assert.Equal(original.AccessList[0].StorageKeys, tx.AccessList[0].StorageKeys);
        Assert.Equal(key.Address, tx.AccessList[1].Address);
        Assert.Empty(tx.AccessList[1].StorageKeys);
    }

    [Property(MaxTest = 40)]
    public bool Sign_then_decode_recovers_the_sender_and_the_same_bytes(byte[] seed, ulong nonce, ulong gas, byte[] data, bool create)
    {
        using var key = EthereumKey.FromPrivateKey(Keccak256.Hash([.. seed, 0x42]));
        var tx = Sample(create ? null : Recipient, data) with { Nonce = nonce, GasLimit = gas, Value = new BigInteger(seed, isUnsigned: true) };
        if (tx.Value >= BigInteger.One << 256)
        {
            return true;
        }

        var signed = TransactionSigner.Sign(tx, key);
        var decoded = TransactionDecoder.Decode(signed.Raw.Span);

        return decoded.From == key.Address
            && TransactionEncoder.EncodeSigned(decoded.Eip1559!, decoded.Signature).AsSpan().SequenceEqual(signed.Raw.Span);
    }

    [Fact]
    public void A_value_outside_uint256_is_refused_before_encoding()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TransactionEncoder.EncodeForSigning(Sample(Recipient) with { Value = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => TransactionEncoder.EncodeForSigning(Sample(Recipient) with { MaxFeePerGas = BigInteger.One << 256 }));
    }

    [Fact]
    public void A_legacy_transaction_without_chain_id_is_signed_with_v_27_or_28_and_decodes()
    {
        using var key = EthereumKey.Generate();
        var tx = new LegacyTransaction { Nonce = 0, GasPrice = 1, GasLimit = 21000, To = Recipient, Value = 5, ChainId = null };

        var signed = TransactionSigner.Sign(tx, key);
        var decoded = TransactionDecoder.Decode(signed.Raw.Span);

        Assert.Null(decoded.Legacy!.ChainId);
        Assert.Equal(key.Address, decoded.From);
        Assert.Equal(6, CountFields(TransactionEncoder.EncodeForSigning(tx)));
    }

    private static int CountFields(byte[] encoded)
    {
        var reader = new RlpReader(encoded);
        var list = reader.ReadList();
        var count = 0;
        while (!list.IsAtEnd)
        {
            list.Skip();
            count++;
        }

        return count;
    }
}
