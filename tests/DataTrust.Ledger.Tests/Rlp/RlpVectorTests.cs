using System.Numerics;
using System.Text;
using DataTrust.Ledger.Rlp;

namespace DataTrust.Ledger.Tests.Rlp;

public class RlpVectorTests
{
    private static RlpString S(string text) => new(Encoding.ASCII.GetBytes(text));

    private static RlpList L(params RlpItem[] items) => new(items);

    private const string Lorem = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";

    // The examples of Yellow Paper Appendix B and the Ethereum wiki's RLP page.
    public static TheoryData<string, RlpItem> Vectors => new()
    {
        { "83646f67", S("dog") },
        { "c88363617483646f67", L(S("cat"), S("dog")) },
        { "80", S("") },
        { "c0", L() },
        { "00", new RlpString([0x00]) },
        { "0f", new RlpString([0x0f]) },
        { "820400", new RlpString([0x04, 0x00]) },
        { "c7c0c1c0c3c0c1c0", L(L(), L(L()), L(L(), L(L()))) },
        { "b838" + Convert.ToHexStringLower(Encoding.ASCII.GetBytes(Lorem)), S(Lorem) },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Encode_produces_the_published_bytes(string expectedHex, RlpItem item)
    {
        var encoded = Ledger.Rlp.Rlp.Encode(item);

        Assert.Equal(expectedHex, Hex.EncodeBare(encoded));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Decode_of_the_published_bytes_gives_back_the_item(string hex, RlpItem expected)
    {
        var decoded = Ledger.Rlp.Rlp.Decode(Hex.Decode(hex));

        Assert.Equal(expected.ToString(), decoded.ToString());
        Assert.Equal(expected is RlpList, decoded is RlpList);
    }

    [Fact]
    public void The_Lorem_ipsum_string_is_56_bytes_the_first_length_with_the_long_form()
    {
        Assert.Equal(56, Lorem.Length);
        Assert.Equal(58, Ledger.Rlp.Rlp.LengthOf(Encoding.ASCII.GetBytes(Lorem)));
        Assert.Equal(56, Ledger.Rlp.Rlp.LengthOf(new byte[55]));
    }

    [Theory]
    [InlineData(0UL, "80")]
    [InlineData(15UL, "0f")]
    [InlineData(127UL, "7f")]
    [InlineData(128UL, "8180")]
    [InlineData(1024UL, "820400")]
    [InlineData(ulong.MaxValue, "88ffffffffffffffff")]
    public void Integers_encode_as_minimal_big_endian_and_zero_as_the_empty_string(ulong value, string expectedHex)
    {
        Assert.Equal(expectedHex, Hex.EncodeBare(Ledger.Rlp.Rlp.Encode(value)));
        Assert.Equal(expectedHex, Hex.EncodeBare(Ledger.Rlp.Rlp.Encode(new BigInteger(value))));
        Assert.Equal(expectedHex.Length / 2, Ledger.Rlp.Rlp.LengthOf(value));

        var reader = new RlpReader(Hex.Decode(expectedHex));
        Assert.Equal(value, reader.ReadUInt64());
        reader.EnsureEnd();
    }

    [Fact]
    public void A_uint256_round_trips_through_the_big_integer_codec()
    {
        var max = (BigInteger.One << 256) - 1;

        var encoded = Ledger.Rlp.Rlp.Encode(max);
        var reader = new RlpReader(encoded);

        Assert.Equal("a0" + new string('f', 64), Hex.EncodeBare(encoded));
        Assert.Equal(max, reader.ReadBigInteger());
    }

    [Fact]
    public void Encoding_a_negative_integer_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Ledger.Rlp.Rlp.Encode(BigInteger.MinusOne));
    }

    [Fact]
    public void A_list_longer_than_55_bytes_uses_the_long_list_header()
    {
        var item = L(Enumerable.Range(0, 20).Select(_ => S("dog")).ToArray());

        var encoded = Ledger.Rlp.Rlp.Encode(item);

        Assert.Equal(0xf8, encoded[0]);
        Assert.Equal(80, encoded[1]);
        Assert.Equal(82, encoded.Length);
    }

    [Fact]
    public void The_reader_walks_a_list_field_by_field()
    {
        var encoded = Hex.Decode("c88363617483646f67");
        var reader = new RlpReader(encoded);

        var list = reader.ReadList();
        var cat = Encoding.ASCII.GetString(list.ReadString());
        var dog = Encoding.ASCII.GetString(list.ReadString());
        list.EnsureEnd();
        reader.EnsureEnd();

        Assert.Equal("cat", cat);
        Assert.Equal("dog", dog);
        Assert.True(list.IsAtEnd);
    }
}
