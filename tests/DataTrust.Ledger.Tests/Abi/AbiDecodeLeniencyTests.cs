using System.Numerics;
using DataTrust.Ledger.Abi;
using static DataTrust.Ledger.Tests.Abi.AbiAssert;

namespace DataTrust.Ledger.Tests.Abi;

/// <summary>Valid encodings that solc would not produce but the spec allows are still accepted.</summary>
public class AbiDecodeLeniencyTests
{
    private static string W(string hex) => hex.PadLeft(64, '0');

    [Fact]
    public void Tails_in_reverse_order_are_accepted()
    {
        // (string,string) = ("a","b") with the second tail written first.
        var data = Hex(W("80") + W("40") + W("1") + "62".PadRight(64, '0') + W("1") + "61".PadRight(64, '0'));

        var values = AbiCodec.DecodeParameters(AbiType.ParseList("string,string"), data);

        Assert.Equal(["a", "b"], values);
    }

    [Fact]
    public void Two_values_sharing_one_tail_are_accepted()
    {
        var data = Hex(W("40") + W("40") + W("3") + "616263".PadRight(64, '0'));

        var values = AbiCodec.DecodeParameters(AbiType.ParseList("string,string"), data);

        Assert.Equal(["abc", "abc"], values);
    }

    [Fact]
    public void Decoded_values_are_readable_by_name_and_kind()
    {
        var function = AbiFunction.Parse("f() returns (uint256 big, uint8 small, string label)");
        var values = function.DecodeOutput(function.EncodeOutput(BigInteger.Pow(2, 70), 7, "x"));

        var tooBig = Assert.Throws<AbiException>(() => values.GetUInt64("big"));
        var missing = Assert.Throws<AbiException>(() => values["nope"]);
        var wrongKind = Assert.Throws<AbiException>(() => values.GetString("small"));

        Assert.Equal(7UL, values.GetUInt64("small"));
        Assert.Contains("does not fit a ulong", tooBig.Message, StringComparison.Ordinal);
        Assert.Contains("uint256 big, uint8 small, string label", missing.Message, StringComparison.Ordinal);
        Assert.Contains("'small' is uint8 decoded as BigInteger, not String", wrongKind.Message, StringComparison.Ordinal);
        Assert.Equal("(big: 1180591620717411303424, small: 7, label: \"x\")", values.ToString());
    }

    [Fact]
    public void Unnamed_return_values_are_readable_by_position()
    {
        var function = AbiFunction.Parse("f() returns (address, bytes32, int64)");
        var holder = Address.Parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
        var values = function.DecodeOutput(function.EncodeOutput(holder, new byte[32], -9L));

        var outOfRange = Assert.Throws<AbiException>(() => values.GetBool(3));

        Assert.Equal(holder, values.GetAddress(0));
        Assert.Equal(Hash32.Zero, values.GetHash32(1));
        Assert.Equal(-9L, values.GetInt64(2));
        Assert.Contains("no value #3", outOfRange.Message, StringComparison.Ordinal);
    }
}
