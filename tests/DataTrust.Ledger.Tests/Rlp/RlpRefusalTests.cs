using DataTrust.Ledger.Rlp;

namespace DataTrust.Ledger.Tests.Rlp;

public class RlpRefusalTests
{
    [Theory]
    [InlineData("", "ended")]
    [InlineData("8100", "single byte below 0x80")]
    [InlineData("817f", "single byte below 0x80")]
    [InlineData("81", "ended")]
    [InlineData("83646f", "remain")]
    [InlineData("83646f6700", "trailing")]
    [InlineData("b800", "leading zero")]
    [InlineData("b90038", "leading zero")]
    [InlineData("b837", "long form")]
    [InlineData("b8", "ended")]
    [InlineData("bfffffffffffffffff", "remain")]
    [InlineData("b838", "remain")]
    [InlineData("c88363617483646f", "remain")]
    [InlineData("c28363", "remain")]
    [InlineData("c3836361", "remain")]
    [InlineData("f800", "leading zero")]
    [InlineData("f837", "long form")]
    [InlineData("ffffffffffffffffff", "remain")]
    [InlineData("c0c0", "trailing")]
    public void Decode_refuses_malformed_or_non_canonical_input(string hex, string reason)
    {
        var input = Hex.Decode(hex);

        var error = Assert.Throws<RlpException>(() => Ledger.Rlp.Rlp.Decode(input));

        Assert.Contains(reason, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("820004", "leading zero")]
    [InlineData("00", "leading zero")]
    [InlineData("89010000000000000000", "at most 8")]
    [InlineData("c0", "found a list")]
    public void ReadUInt64_refuses_non_canonical_or_oversized_integers(string hex, string reason)
    {
        var input = Hex.Decode(hex);

        var error = Assert.Throws<RlpException>(() =>
        {
            var reader = new RlpReader(input);
            reader.ReadUInt64();
        });

        Assert.Contains(reason, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ReadBigInteger_refuses_more_than_32_bytes()
    {
        var input = Ledger.Rlp.Rlp.Encode(Enumerable.Repeat((byte)1, 33).ToArray());

        Assert.Throws<RlpException>(() =>
        {
            var reader = new RlpReader(input);
            reader.ReadBigInteger();
        });
    }

    [Fact]
    public void ReadList_refuses_a_string()
    {
        var input = Hex.Decode("83646f67");

        var error = Assert.Throws<RlpException>(() =>
        {
            var reader = new RlpReader(input);
            reader.ReadList();
        });

        Assert.Contains("found a string", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFixed_refuses_a_string_of_another_length()
    {
        var input = Hex.Decode("83646f67");

        Assert.Throws<RlpException>(() =>
        {
            var reader = new RlpReader(input);
            reader.ReadFixed(20);
        });
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_refused()
    {
        // 65 nested empty lists: c0 wrapped 64 times in one-byte list headers.
        var depth = Ledger.Rlp.Rlp.DefaultMaxDepth + 1;
        RlpItem item = new RlpList();
        for (var i = 1; i < depth; i++)
        {
            item = new RlpList(item);
        }

        var encoded = Ledger.Rlp.Rlp.Encode(item);

        var error = Assert.Throws<RlpException>(() => Ledger.Rlp.Rlp.Decode(encoded));
        Assert.Contains("deeper", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_at_the_limit_is_accepted()
    {
        RlpItem item = new RlpList();
        for (var i = 1; i < Ledger.Rlp.Rlp.DefaultMaxDepth; i++)
        {
            item = new RlpList(item);
        }

        var decoded = Ledger.Rlp.Rlp.Decode(Ledger.Rlp.Rlp.Encode(item));

        Assert.IsType<RlpList>(decoded);
    }

    [Fact]
    public void Input_over_the_size_limit_is_refused_before_reading()
    {
        var input = new byte[101];

        var error = Assert.Throws<RlpException>(() => new RlpReader(input, maxDepth: 8, maxInputLength: 100));

        Assert.Contains("limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_writer_with_a_too_small_buffer_refuses_instead_of_overrunning()
    {
        var buffer = new byte[2];

        Assert.Throws<RlpException>(() =>
        {
            var writer = new RlpWriter(buffer);
            writer.WriteString([1, 2, 3]);
        });
    }
}
