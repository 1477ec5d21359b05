namespace DataTrust.Ledger.Tests;

public class AddressTests
{
    // The test vectors of EIP-55 §Test Cases.
    [Theory]
    [InlineData("0x52908400098527886E0F7030069857D2E4169EE7")]
    [InlineData("0x8617E340B3D01FA5F11F306F4090FD50E238070D")]
    [InlineData("0xde709f2102306220921060314715629080e2fb77")]
    [InlineData("0x27b1fdb04752bbc536007a920d24acb045561c26")]
    [InlineData("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")]
    [InlineData("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")]
    [InlineData("0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB")]
    [InlineData("0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb")]
    public void Parse_accepts_the_EIP55_vectors_and_ToString_reproduces_the_checksum_of_mixed_case_ones(string text)
    {
        var address = Address.Parse(text);

        var digits = text[2..];
        var isMixed = digits.Any(char.IsLower) && digits.Any(char.IsUpper);
        if (isMixed)
        {
            Assert.Equal(text, address.ToString());
        }

        Assert.Equal(text.ToLowerInvariant(), address.ToLowerHex());
    }

    [Fact]
    public void Parse_refuses_a_mixed_case_address_whose_checksum_is_wrong()
    {
        // One letter's case flipped in the first EIP-55 vector.
        var ex = Assert.Throws<FormatException>(() => Address.Parse("0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"));

        Assert.Contains("checksum", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0x1234")]
    [InlineData("0xZZAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")]
    [InlineData("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed00")]
    public void Parse_refuses_text_that_is_not_40_hex_digits(string text)
    {
        Assert.Throws<FormatException>(() => Address.Parse(text));
    }

    [Fact]
    public void FromPublicKey_derives_the_address_of_a_known_key()
    {
        // The public key of private key 1 (the secp256k1 generator G) has this well-known address.
        var g = Hex.Decode(
            "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798" +
            "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");

        var address = Address.FromPublicKey(g);

        Assert.Equal("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf", address.ToString());
    }

    [Fact]
    public void Default_address_is_zero_and_equal_to_Zero()
    {
        Assert.True(default(Address).IsZero);
        Assert.Equal(Address.Zero, Address.Parse("0x0000000000000000000000000000000000000000"));
    }
}
