using System.Numerics;
using DataTrust.Ledger.Abi;

namespace DataTrust.Ledger.Tests.Abi;

public class AbiEncodeRefusalTests
{
    private static AbiException EncodeFails(string signature, params object?[] args) =>
        Assert.Throws<AbiException>(() => AbiFunction.Parse(signature).EncodeCall(args));

    [Fact]
    public void Uint8_of_256_is_refused_naming_the_parameter()
    {
        var ex = EncodeFails("f(uint8 kind)", 256);

        Assert.Equal("kind", ex.Path);
        Assert.Contains("256 is out of range for uint8", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Negative_value_for_a_uint_is_refused()
    {
        var ex = EncodeFails("f(uint64 licenseId)", -1L);

        Assert.Contains("uint64 cannot hold the negative value -1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Negative_big_integer_for_a_uint256_is_refused()
    {
        var ex = EncodeFails("f(uint256)", BigInteger.MinusOne);

        Assert.Equal("#0", ex.Path);
        Assert.Contains("negative", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Uint256_of_two_to_the_256_is_refused()
    {
        var ex = EncodeFails("f(uint256)", BigInteger.Pow(2, 256));

        Assert.Contains("out of range for uint256", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(128L)]
    [InlineData(-129L)]
    public void Int8_outside_minus_128_to_127_is_refused(long value)
    {
        var ex = EncodeFails("f(int8)", value);

        Assert.Contains("out of range for int8", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Int256_bounds_are_accepted_and_one_past_is_refused()
    {
        var max = BigInteger.Pow(2, 255) - 1;
        var min = -BigInteger.Pow(2, 255);

        var encoded = AbiFunction.Parse("f(int256,int256)").EncodeCall(max, min);
        var ex = EncodeFails("f(int256)", max + 1);

        Assert.Equal(68, encoded.Length);
        Assert.Contains("out of range for int256", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes4_given_5_bytes_is_refused()
    {
        var ex = EncodeFails("f(bytes4 tag)", new byte[5]);

        Assert.Equal("tag", ex.Path);
        Assert.Contains("bytes4 takes exactly 4 bytes, got 5", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_argument_count_is_refused()
    {
        var ex = EncodeFails("f(uint8,bool)", 1);

        Assert.Contains("expected 2 values, got 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_value_type_is_refused_with_what_is_accepted()
    {
        var ex = EncodeFails("f(address owner)", "0x0000000000000000000000000000000000000001");

        Assert.Equal("owner", ex.Path);
        Assert.Contains("address takes a DataTrust.Ledger.Address, got String", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_for_a_string_is_refused()
    {
        var ex = EncodeFails("f(string)", [null]);

        Assert.Contains("got null", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fixed_array_with_the_wrong_length_is_refused_at_its_path()
    {
        var ex = EncodeFails("f((uint8 a, string[2] names)[] items)", (object)new object?[] { new object?[] { 1, new[] { "x", "y" } }, new object?[] { 1, new[] { "x" } } });

        Assert.Equal("items[1].names", ex.Path);
        Assert.Contains("expected 2 elements, got 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Out_of_range_inside_a_static_tuple_names_the_field()
    {
        var ex = EncodeFails("f((uint8 kind, bytes32 hash) job)", (object)new object?[] { 300, new byte[32] });

        Assert.Equal("job.kind", ex.Path);
    }

    [Fact]
    public void Lone_surrogate_in_a_string_is_refused()
    {
        var ex = EncodeFails("f(string)", "\ud800");

        Assert.Contains("surrogate", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Value_tuples_and_enums_are_accepted()
    {
        var function = AbiFunction.Parse("f((uint8,bool))");

        var fromTuple = function.EncodeCall((DayOfWeek.Friday, true));
        var fromArray = function.EncodeCall([new object?[] { 5, true }]);

        Assert.Equal(fromArray, fromTuple);
    }

    [Fact]
    public void Encoding_into_a_span_matches_the_array_form()
    {
        var types = AbiType.ParseList("uint256,string");
        object?[] values = [7, "seven"];
        var destination = new byte[AbiCodec.GetEncodedLength(types, values) + 10];
        destination.AsSpan().Fill(0xee);

        var written = AbiCodec.EncodeParameters(types, values, destination);

        Assert.Equal(AbiCodec.EncodeParameters(types, values), destination[..written]);
        Assert.Equal(0xee, destination[written]);
    }

    [Fact]
    public void Encoding_into_a_short_span_is_refused()
    {
        var ex = Assert.Throws<AbiException>(() => AbiCodec.EncodeParameters([AbiType.UInt256], [1], new byte[31]));

        Assert.Contains("GetEncodedLength", ex.Message, StringComparison.Ordinal);
    }
}
