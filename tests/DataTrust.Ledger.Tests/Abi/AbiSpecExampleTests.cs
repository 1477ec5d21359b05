using System.Numerics;
using System.Text;
using DataTrust.Ledger.Abi;
using static DataTrust.Ledger.Tests.Abi.AbiAssert;

namespace DataTrust.Ledger.Tests.Abi;

/// <summary>The worked examples of the Solidity "Contract ABI Specification" (§Examples, §Use of Dynamic Types), byte for byte.</summary>
public class AbiSpecExampleTests
{
    [Theory]
    [InlineData("baz(uint32,bool)", "0xcdcd77c0")]
    [InlineData("bar(bytes3[2])", "0xfce353f6")]
    [InlineData("sam(bytes,bool,uint256[])", "0xa5643bf2")]
    [InlineData("f(uint256,uint32[],bytes10,bytes)", "0x8be65246")]
    [InlineData("g(uint256[][],string[])", "0x2289b18c")]
    [InlineData("transfer(address,uint256)", "0xa9059cbb")]
    public void Selector_matches_the_spec(string signature, string selector)
    {
        var function = AbiFunction.Parse(signature);

        Assert.Equal(signature, function.Signature);
        Assert.Equal(selector, function.SelectorHex);
    }

    [Fact]
    public void Baz_with_69_and_true_encodes_as_in_the_spec()
    {
        var function = AbiFunction.Parse("baz(uint32 x, bool y) returns (bool r)");

        var call = function.EncodeCall(69u, true);

        Assert.Equal(
            "0xcdcd77c0" +
            "0000000000000000000000000000000000000000000000000000000000000045" +
            "0000000000000000000000000000000000000000000000000000000000000001",
            Ledger.Hex.Encode(call));
        var decoded = function.DecodeCall(call);
        Assert.Equal(new BigInteger(69), decoded.GetBigInteger("x"));
        Assert.True(decoded.GetBool("y"));
    }

    [Fact]
    public void Bar_with_abc_and_def_encodes_as_in_the_spec()
    {
        var function = AbiFunction.Parse("bar(bytes3[2])");
        object?[] args = [new object?[] { Ascii("abc"), Ascii("def") }];

        var call = function.EncodeCall(args);

        Assert.Equal(
            "0xfce353f6" +
            "6162630000000000000000000000000000000000000000000000000000000000" +
            "6465660000000000000000000000000000000000000000000000000000000000",
            Ledger.Hex.Encode(call));
        Equal(function.InputTypes, args, function.DecodeCall(call));
    }

    [Fact]
    public void Sam_with_dave_true_and_1_2_3_encodes_as_in_the_spec()
    {
        var function = AbiFunction.Parse("sam(bytes,bool,uint256[])");
        object?[] args = [Ascii("dave"), true, new BigInteger[] { 1, 2, 3 }];

        var call = function.EncodeCall(args);

        Assert.Equal(
            "0xa5643bf2" +
            "0000000000000000000000000000000000000000000000000000000000000060" +
            "0000000000000000000000000000000000000000000000000000000000000001" +
            "00000000000000000000000000000000000000000000000000000000000000a0" +
            "0000000000000000000000000000000000000000000000000000000000000004" +
            "6461766500000000000000000000000000000000000000000000000000000000" +
            "0000000000000000000000000000000000000000000000000000000000000003" +
            "0000000000000000000000000000000000000000000000000000000000000001" +
            "0000000000000000000000000000000000000000000000000000000000000002" +
            "0000000000000000000000000000000000000000000000000000000000000003",
            Ledger.Hex.Encode(call));
        Equal(function.InputTypes, args, function.DecodeCall(call));
    }

    [Fact]
    public void F_with_dynamic_types_encodes_as_in_the_spec()
    {
        var function = AbiFunction.Parse("f(uint256,uint32[],bytes10,bytes)");
        object?[] args = [0x123, new uint[] { 0x456, 0x789 }, Ascii("1234567890"), Ascii("Hello, world!")];

        var call = function.EncodeCall(args);

        Assert.Equal(
            Words(Hex(
            "0x8be65246" +
            "0000000000000000000000000000000000000000000000000000000000000123" +
            "0000000000000000000000000000000000000000000000000000000000000080" +
            "3132333435363738393000000000000000000000000000000000000000000000" +
            "00000000000000000000000000000000000000000000000000000000000000e0" +
            "0000000000000000000000000000000000000000000000000000000000000002" +
            "0000000000000000000000000000000000000000000000000000000000000456" +
            "0000000000000000000000000000000000000000000000000000000000000789" +
            "000000000000000000000000000000000000000000000000000000000000000d" +
            "48656c6c6f2c20776f726c642100000000000000000000000000000000000000")),
            Words(call));
        Equal(function.InputTypes, args, function.DecodeCall(call));
    }

    [Fact]
    public void G_with_nested_arrays_and_strings_encodes_as_in_the_spec()
    {
        var function = AbiFunction.Parse("g(uint256[][],string[])");
        object?[] args = [new object[] { new[] { 1, 2 }, new[] { 3 } }, new[] { "one", "two", "three" }];

        var call = function.EncodeCall(args);

        Assert.Equal(
            Words(Hex(
            "0x2289b18c" +
            "0000000000000000000000000000000000000000000000000000000000000040" +
            "0000000000000000000000000000000000000000000000000000000000000140" +
            "0000000000000000000000000000000000000000000000000000000000000002" +
            "0000000000000000000000000000000000000000000000000000000000000040" +
            "00000000000000000000000000000000000000000000000000000000000000a0" +
            "0000000000000000000000000000000000000000000000000000000000000002" +
            "0000000000000000000000000000000000000000000000000000000000000001" +
            "0000000000000000000000000000000000000000000000000000000000000002" +
            "0000000000000000000000000000000000000000000000000000000000000001" +
            "0000000000000000000000000000000000000000000000000000000000000003" +
            "0000000000000000000000000000000000000000000000000000000000000003" +
            "0000000000000000000000000000000000000000000000000000000000000060" +
            "00000000000000000000000000000000000000000000000000000000000000a0" +
            "00000000000000000000000000000000000000000000000000000000000000e0" +
            "0000000000000000000000000000000000000000000000000000000000000003" +
            "6f6e650000000000000000000000000000000000000000000000000000000000" +
            "0000000000000000000000000000000000000000000000000000000000000003" +
            "74776f0000000000000000000000000000000000000000000000000000000000" +
            "0000000000000000000000000000000000000000000000000000000000000005" +
            "7468726565000000000000000000000000000000000000000000000000000000")),
            Words(call));
        Equal(function.InputTypes, args, function.DecodeCall(call));
    }

    [Fact]
    public void Negative_int_is_sign_extended_and_decodes_back()
    {
        var types = AbiType.ParseList("int8,int256,int64");
        object?[] values = [(sbyte)-1, BigInteger.MinusOne << 200, long.MinValue];

        var encoded = AbiCodec.EncodeParameters(types, values);

        Assert.Equal(new string('f', 64), Convert.ToHexStringLower(encoded, 0, 32));
        Assert.Equal(new string('f', 48) + "8000000000000000", Convert.ToHexStringLower(encoded, 64, 32));
        Equal(types, values, AbiCodec.DecodeParameters(types, encoded));
    }

    [Fact]
    public void Tuple_array_with_named_components_round_trips()
    {
        var type = AbiType.Parse("tuple(string name, uint8 a, uint8 b, int256 c, int256 d)[]");
        object?[] value = [new object?[] { "x", (byte)1, (byte)2, -3, 4 }, new object?[] { "yz", (byte)255, (byte)0, BigInteger.Pow(2, 255) - 1, -(BigInteger.Pow(2, 255)) }];

        var encoded = AbiCodec.Encode(type, value);

        Assert.Equal("(string,uint8,uint8,int256,int256)[]", type.CanonicalName);
        Assert.Equal("name", type.ElementType!.ComponentNames[0]);
        Assert.True(ValuesEqual(Normalize(type, value), AbiCodec.Decode(type, encoded)));
    }

    [Fact]
    public void Utf8_strings_are_measured_in_bytes_not_chars()
    {
        var encoded = AbiCodec.Encode(AbiType.StringType, "許可証 ✓");

        Assert.Equal(Encoding.UTF8.GetByteCount("許可証 ✓"), (int)new BigInteger(encoded.AsSpan(32, 32), true, true));
        Assert.Equal("許可証 ✓", AbiCodec.Decode(AbiType.StringType, encoded));
    }
}
