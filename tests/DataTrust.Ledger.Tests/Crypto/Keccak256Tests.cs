using System.Text;
using DataTrust.Ledger.Crypto;

namespace DataTrust.Ledger.Tests.Crypto;

public class Keccak256Tests
{
    // Known answers for Keccak-256 with the original (pre-FIPS 202) padding, as Ethereum uses it.
    [Theory]
    [InlineData("", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")]
    [InlineData("abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")]
    [InlineData("The quick brown fox jumps over the lazy dog", "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15")]
    [InlineData("transfer(address,uint256)", "a9059cbb2ab09eb219583f4a59a5d0623ade346d962bcd4e46b11da047c9049b")]
    public void Hash_matches_published_vectors(string input, string expectedHex)
    {
        var digest = Keccak256.Hash(Encoding.UTF8.GetBytes(input));

        Assert.Equal(expectedHex, Hex.EncodeBare(digest));
    }

    [Fact]
    public void Hash_of_a_multi_block_input_matches_the_known_answer()
    {
        // 200 bytes of 0xa3: the Keccak team's long-message style vector crosses the 136-byte rate.
        var input = Enumerable.Repeat((byte)0xa3, 200).ToArray();

        var digest = Keccak256.Hash(input);

        Assert.Equal("3a57666b048777f2c953dc4456f45a2588e1cb6f2da760122d530ac2ce607d4a", Hex.EncodeBare(digest));
    }

    [Fact]
    public void Hash_refuses_a_destination_shorter_than_32_bytes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Keccak256.Hash([1, 2, 3], new byte[31]));

        Assert.Contains("32", ex.Message, StringComparison.Ordinal);
    }
}
