using System.Numerics;
using DataTrust.Ledger.Abi;
using static DataTrust.Ledger.Tests.Abi.AbiAssert;

namespace DataTrust.Ledger.Tests.Abi;

public class AbiMalformedInputTests
{
    private static string W(string hex) => hex.PadLeft(64, '0');

    private static AbiException DecodeFails(string types, string hex, AbiDecodeOptions options = AbiDecodeOptions.None) =>
        Assert.Throws<AbiException>(() => AbiCodec.DecodeParameters(AbiType.ParseList(types), Hex(hex), options));

    [Fact]
    public void Offset_pointing_into_the_head_is_refused()
    {
        var ex = DecodeFails("uint256,bytes", W("1") + W("20") + W("0"));

        Assert.Contains("points into the head", ex.Message, StringComparison.Ordinal);
        Assert.Equal("#1", ex.Path);
    }

    [Fact]
    public void Offset_pointing_past_the_end_is_refused()
    {
        var ex = DecodeFails("bytes", W("1000") + W("0"));

        Assert.Contains("past the end", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Offset_wider_than_an_int_is_refused_without_overflow()
    {
        var ex = DecodeFails("string", "ff" + new string('0', 62) + W("0"));

        Assert.Contains("impossibly large", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Forged_huge_bytes_length_is_refused_before_allocating()
    {
        var ex = DecodeFails("bytes", W("20") + W("7fffffff") + W("0"));

        Assert.Contains("exceeds", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Forged_huge_array_length_is_refused_before_allocating()
    {
        var ex = DecodeFails("uint256[]", W("20") + W("7ffffff0") + W("1"));

        Assert.Contains("array length 2147483632", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Forged_array_of_dynamic_elements_is_bounded_by_offset_words()
    {
        // 1000 string elements need at least 1000 offset words; the input has two.
        var ex = DecodeFails("string[]", W("20") + W("3e8") + W("20") + W("0"));

        Assert.Contains("needs at least 32000 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_static_data_is_refused()
    {
        var ex = DecodeFails("uint256,uint256", W("1") + "0000");

        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_bytes_payload_is_refused()
    {
        var ex = DecodeFails("bytes", W("20") + W("40") + "6461766500");

        Assert.Contains("exceeds", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_padding_after_bytes_is_refused()
    {
        var ex = DecodeFails("bytes", W("20") + W("4") + "64617665");

        Assert.Contains("padded to 32", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dirty_padding_after_bytes_is_refused()
    {
        var ex = DecodeFails("bytes", W("20") + W("4") + "64617665" + "01".PadRight(56, '0'));

        Assert.Contains("non-zero padding", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Uint8_with_dirty_high_bytes_is_refused()
    {
        var ex = DecodeFails("uint8", W("1ff"));

        Assert.Contains("uint8 has non-zero high-order padding", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Int8_without_correct_sign_extension_is_refused()
    {
        var ex = DecodeFails("int8", W("ff"));

        Assert.Contains("sign-extended", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Int8_minus_one_with_full_sign_extension_decodes()
    {
        var value = AbiCodec.DecodeParameters([AbiType.Int(8)], Hex(new string('f', 64)));

        Assert.Equal(BigInteger.MinusOne, value[0]);
    }

    [Fact]
    public void Bool_2_is_refused()
    {
        var ex = DecodeFails("bool", W("2"));

        Assert.Contains("bool must be 0 or 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Address_with_high_bits_is_refused()
    {
        var ex = DecodeFails("address", "01" + new string('0', 22) + new string('a', 40));

        Assert.Contains("high 12 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes4_with_dirty_right_padding_is_refused()
    {
        var ex = DecodeFails("bytes4", "deadbeef01".PadRight(64, '0'));

        Assert.Contains("bytes4 has non-zero low-order padding", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_in_a_string_is_refused()
    {
        var ex = DecodeFails("string", W("20") + W("2") + "c328".PadRight(64, '0'));

        Assert.Contains("not valid UTF-8", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trailing_bytes_are_refused_in_strict_mode_and_accepted_when_allowed()
    {
        var ex = DecodeFails("uint256", W("7") + W("0"));
        var values = AbiCodec.DecodeParameters([AbiType.UInt256], Hex(W("7") + W("0")), AbiDecodeOptions.AllowTrailingBytes);

        Assert.Contains("32 trailing bytes", ex.Message, StringComparison.Ordinal);
        Assert.Equal(new BigInteger(7), values[0]);
    }

    [Fact]
    public void Aliased_offsets_that_multiply_the_input_are_refused()
    {
        // A 2016-byte string and 2000 string[] elements that all point at it: 4 MB of output from 66 kB of input.
        const int count = 2000;
        var head = string.Concat(Enumerable.Repeat(W((32 * count).ToString("x", System.Globalization.CultureInfo.InvariantCulture)), count));
        var tail = W("7e0") + new string('6', 4032);
        var ex = DecodeFails("string[]", W("20") + W(count.ToString("x", System.Globalization.CultureInfo.InvariantCulture)) + head + tail);

        Assert.True(ex.Message.Contains("alias", StringComparison.Ordinal), ex.Message);
    }

    [Fact]
    public void Error_path_names_the_array_element_and_tuple_field()
    {
        var function = AbiFunction.Parse("put((uint8 kind, string label)[] items)");
        var data = function.EncodeCall([new object?[] { new object?[] { 1, "a" }, new object?[] { 2, "b" } }]);
        const int elements = 4 + 32 + 32;                          // selector, offset of items, length of items
        var second = elements + (int)new BigInteger(data.AsSpan(elements + 32, 32), true, true);
        data[second + 30] = 1;                                     // items[1].kind becomes 0x0102: dirty uint8

        var ex = Assert.Throws<AbiException>(() => function.DecodeCall(data));

        Assert.Equal("items[1].kind", ex.Path);
        Assert.StartsWith("items[1].kind: uint8", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Call_data_with_another_selector_is_refused()
    {
        var function = AbiFunction.Parse("baz(uint32,bool)");

        var ex = Assert.Throws<AbiException>(() => function.DecodeCall(Hex("0xdeadbeef")));

        Assert.Contains("0xcdcd77c0", ex.Message, StringComparison.Ordinal);
    }
}
