using DataTrust.Ledger.Abi;
using static DataTrust.Ledger.Tests.Abi.AbiAssert;

namespace DataTrust.Ledger.Tests.Abi;

public class AbiPackedTests
{
    [Fact]
    public void Packed_encoding_matches_the_spec_example()
    {
        // Spec §Non-standard Packed Mode: abi.encodePacked(int16(-1), bytes1(0x42), uint16(0x03), string("Hello, world!")).
        var packed = AbiCodec.EncodePacked(AbiType.ParseList("int16,bytes1,uint16,string"), [-1, new byte[] { 0x42 }, 3, "Hello, world!"]);

        Assert.Equal("0xffff42000348656c6c6f2c20776f726c6421", Ledger.Hex.Encode(packed));
    }

    [Fact]
    public void Packed_encoding_equals_cast_abi_encode_packed()
    {
        const string signature = "f(uint8,int16,address,bool,bytes3,bytes,string,uint16[],bool[2],int8[])";
        var holder = Address.Parse("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
        object?[] values = [1, -2, holder, true, Ascii("abc"), new byte[] { 1, 2 }, "hi", new[] { 1, 2 }, new[] { true, false }, new[] { 3, 5 }];

        var packed = AbiCodec.EncodePacked(AbiFunction.Parse(signature).InputTypes, values);
        var theirs = CastTool.Run("abi-encode", "--packed", "--", signature, "1", "-2", holder.ToLowerHex(), "true", "0x616263", "0x0102", "hi", "[1,2]", "[true,false]", "[3,5]");

        Assert.Equal(theirs, Ledger.Hex.Encode(packed));
    }

    [Fact]
    public void Negative_array_elements_are_sign_extended_as_solc_does()
    {
        // Observed from solc 0.8.30 on anvil: abi.encodePacked(int8[]{-1}, int16[2]{-1,-2}). cast 1.7.1 zero-pads
        // signed array elements instead, so this vector comes from the compiler, not from cast.
        var packed = AbiCodec.EncodePacked(AbiType.ParseList("int8[],int16[2]"), [new[] { -1 }, new[] { -1, -2 }]);

        Assert.Equal("0x" + new string('f', 128) + new string('f', 63) + "e", Ledger.Hex.Encode(packed));
    }

    [Theory]
    [InlineData("(uint8,bool)", "does not support tuples")]
    [InlineData("string[]", "arrays of value types only")]
    [InlineData("uint8[][]", "arrays of value types only")]
    public void Types_packed_mode_cannot_express_are_refused(string type, string reason)
    {
        object?[] value = type.StartsWith('(') ? [new object?[] { 1, true }] : type == "string[]" ? [new[] { "a" }] : [new[] { new[] { 1 } }];

        var ex = Assert.Throws<AbiException>(() => AbiCodec.EncodePacked([AbiType.Parse(type)], value));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Packed_out_of_range_value_is_refused()
    {
        var ex = Assert.Throws<AbiException>(() => AbiCodec.EncodePacked([AbiType.UInt(16)], [70000]));

        Assert.Equal("#0", ex.Path);
    }
}
