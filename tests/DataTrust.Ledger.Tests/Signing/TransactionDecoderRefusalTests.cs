using System.Numerics;
using DataTrust.Ledger.Rlp;
using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Tests.Signing;

public class TransactionDecoderRefusalTests
{
    private static readonly Address Recipient = Address.Parse("0x3535353535353535353535353535353535353535");

    private static (byte[] Raw, Eip1559Transaction Tx, EthSignature Signature) Signed()
    {
        using var key = EthereumKey.FromPrivateKeyHex("0x4646464646464646464646464646464646464646464646464646464646464646");
        var tx = new Eip1559Transaction { ChainId = 1, Nonce = 1, MaxPriorityFeePerGas = 1, MaxFeePerGas = 2, GasLimit = 21000, To = Recipient, Value = 3 };
        var signed = TransactionSigner.Sign(tx, key);
        return (signed.Raw.ToArray(), tx, signed.Signature);
    }

    // Re-encodes the 12 fields of a type-2 transaction with some replaced, bypassing EthSignature's checks.
    private static byte[] Forge(Eip1559Transaction tx, BigInteger yParity, BigInteger r, BigInteger s, byte[]? to = null)
    {
        var unsigned = TransactionEncoder.EncodeForSigning(tx);
        var reader = new RlpReader(unsigned.AsSpan(1));
        var fields = reader.ReadList();
        var items = new List<RlpItem>();
        var index = 0;
        while (!fields.IsAtEnd)
        {
            var item = fields.ReadItem();
            items.Add(index == 5 && to is not null ? new RlpString(to) : item);
            index++;
        }

        items.Add(new RlpString(yParity.IsZero ? [] : yParity.ToByteArray(isUnsigned: true, isBigEndian: true)));
        items.Add(new RlpString(r.IsZero ? [] : r.ToByteArray(isUnsigned: true, isBigEndian: true)));
        items.Add(new RlpString(s.IsZero ? [] : s.ToByteArray(isUnsigned: true, isBigEndian: true)));
        return [0x02, .. Ledger.Rlp.Rlp.Encode(new RlpList(items))];
    }

    private static readonly BigInteger N = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber);

    [Fact]
    public void A_forged_transaction_with_the_original_signature_components_decodes()
    {
        var (raw, tx, signature) = Signed();

        var forged = Forge(tx, signature.YParity, signature.R, signature.S);

        Assert.Equal(raw, forged);
    }

    [Fact]
    public void A_high_s_signature_is_refused()
    {
        var (_, tx, signature) = Signed();
        var raw = Forge(tx, 1 - signature.YParity, signature.R, N - signature.S);

        var error = Assert.Throws<SigningException>(() => TransactionDecoder.Decode(raw));

        Assert.Contains("EIP-2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_y_parity_above_one_is_refused()
    {
        var (_, tx, signature) = Signed();
        var raw = Forge(tx, 2, signature.R, signature.S);

        var error = Assert.Throws<SigningException>(() => TransactionDecoder.Decode(raw));

        Assert.Contains("yParity", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zero_r_is_refused()
    {
        var (_, tx, signature) = Signed();
        var raw = Forge(tx, signature.YParity, 0, signature.S);

        Assert.Throws<SigningException>(() => TransactionDecoder.Decode(raw));
    }

    [Fact]
    public void A_recipient_that_is_not_20_bytes_is_refused()
    {
        var (_, tx, signature) = Signed();
        var raw = Forge(tx, signature.YParity, signature.R, signature.S, to: new byte[19]);

        var error = Assert.Throws<RlpException>(() => TransactionDecoder.Decode(raw));

        Assert.Contains("recipient", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trailing_bytes_after_the_transaction_are_refused()
    {
        var (raw, _, _) = Signed();

        Assert.Throws<RlpException>(() => TransactionDecoder.Decode([.. raw, 0x00]));
    }

    [Fact]
    public void A_truncated_transaction_is_refused()
    {
        var (raw, _, _) = Signed();

        Assert.Throws<RlpException>(() => TransactionDecoder.Decode(raw.AsSpan(0, raw.Length - 1)));
    }

    [Fact]
    public void A_tampered_field_changes_the_recovered_sender()
    {
        var (raw, _, _) = Signed();
        var original = TransactionDecoder.Decode(raw).From;
        var tampered = (byte[])raw.Clone();
        tampered[5] ^= 0x01; // inside the nonce/fee fields, keeping the encoding valid

        DecodedTransaction? decoded = null;
        var error = Record.Exception(() => decoded = TransactionDecoder.Decode(tampered));

        Assert.True(error is RlpException or SigningException || decoded!.From != original);
    }

    [Theory]
    [InlineData("01c0", "not supported")]
    [InlineData("03c0", "not supported")]
    [InlineData("80", "type byte")]
    [InlineData("", "empty")]
    public void Unsupported_or_unknown_envelopes_are_refused(string hex, string reason)
    {
        var error = Record.Exception(() => TransactionDecoder.Decode(Hex.Decode(hex)));

        Assert.True(error is RlpException or SigningException);
        Assert.Contains(reason, error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_legacy_v_that_is_neither_27_28_nor_EIP155_is_refused()
    {
        var items = new List<RlpItem>
        {
            new RlpString([]), new RlpString([1]), new RlpString([0x52, 0x08]), new RlpString(Recipient.Span),
            new RlpString([]), new RlpString([]), new RlpString([29]), new RlpString([1]), new RlpString([1]),
        };
        var raw = Ledger.Rlp.Rlp.Encode(new RlpList(items));

        var error = Assert.Throws<SigningException>(() => TransactionDecoder.Decode(raw));

        Assert.Contains("v is 29", error.Message, StringComparison.Ordinal);
    }
}
