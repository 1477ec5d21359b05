using System.Numerics;
using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Tests.Signing;

public class Eip155VectorTests
{
    // EIP-155 §Example: nonce 9, gas price 20 gwei, gas 21000, to 0x3535…35, 1 ether, chain id 1,
    // private key 0x4646…46.
    private static readonly LegacyTransaction Example = new()
    {
        Nonce = 9,
        GasPrice = BigInteger.Parse("20000000000"),
        GasLimit = 21000,
        To = Address.Parse("0x3535353535353535353535353535353535353535"),
        Value = BigInteger.Parse("1000000000000000000"),
        Data = ReadOnlyMemory<byte>.Empty,
        ChainId = 1,
    };

    private const string PrivateKey = "0x4646464646464646464646464646464646464646464646464646464646464646";

    private const string SignedHex = "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83";

    [Fact]
    public void Signing_data_matches_the_EIP()
    {
        var data = TransactionEncoder.EncodeForSigning(Example);

        Assert.Equal("0xec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080", Hex.Encode(data));
    }

    [Fact]
    public void Signing_hash_matches_the_EIP()
    {
        var hash = TransactionEncoder.SigningHash(Example);

        Assert.Equal("0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53", hash.ToString());
    }

    [Fact]
    public void Signed_transaction_matches_the_EIP_byte_for_byte()
    {
        using var key = EthereumKey.FromPrivateKeyHex(PrivateKey);

        var signed = TransactionSigner.Sign(Example, key);

        Assert.Equal(SignedHex, signed.ToHex());
        Assert.Equal(BigInteger.Parse("18515461264373351373200002665853028612451056578545711640558177340181847433846"), signed.Signature.R);
        Assert.Equal(BigInteger.Parse("46948507304638947509940763649030358759909902576025900602547168820602576006531"), signed.Signature.S);
        Assert.Equal(37, TransactionEncoder.LegacyV(Example.ChainId, signed.Signature.YParity));
        Assert.Equal(Address.Parse("0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f"), signed.From);
    }

    [Fact]
    public void Decoding_the_EIP_transaction_gives_its_fields_and_recovers_the_sender()
    {
        var decoded = TransactionDecoder.Decode(SignedHex);

        Assert.Equal(TransactionType.Legacy, decoded.Type);
        var tx = decoded.Legacy!;
        Assert.Equal(Example.Nonce, tx.Nonce);
        Assert.Equal(Example.GasPrice, tx.GasPrice);
        Assert.Equal(Example.GasLimit, tx.GasLimit);
        Assert.Equal(Example.To, tx.To);
        Assert.Equal(Example.Value, tx.Value);
        Assert.Equal(1UL, tx.ChainId);
        Assert.True(tx.Data.IsEmpty);
        Assert.Equal(Address.Parse("0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f"), decoded.From);
        Assert.Equal("0x33469b22e9f636356c4160a87eb19df52b7412e8eac32a4a55ffe88ea8350788", decoded.Hash.ToString());
    }
}
