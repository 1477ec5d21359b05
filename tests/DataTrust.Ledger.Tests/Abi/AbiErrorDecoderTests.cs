using System.Numerics;
using DataTrust.Ledger.Abi;
using static DataTrust.Ledger.Tests.Abi.AbiAssert;

namespace DataTrust.Ledger.Tests.Abi;

public class AbiErrorDecoderTests
{
    private static readonly AbiError Expired = AbiError.Parse("LicenseExpired(uint64 licenseId, uint64 expiresAt)");
    private static readonly AbiError NotHolder = AbiError.Parse("NotHolder(address caller, string reason)");
    private static readonly AbiErrorDecoder Decoder = new([Expired, NotHolder]);

    [Fact]
    public void Custom_error_decodes_to_its_name_and_named_arguments()
    {
        var data = Expired.Encode(7UL, 1735689600UL);

        var error = Decoder.Decode(data);

        Assert.Equal(DecodedErrorKind.Custom, error.Kind);
        Assert.Equal("LicenseExpired", error.Name);
        Assert.Equal(1735689600UL, error.Arguments.GetUInt64("expiresAt"));
        Assert.Equal("LicenseExpired(licenseId: 7, expiresAt: 1735689600)", error.ToString());
    }

    [Fact]
    public void Error_string_decodes_the_reason()
    {
        // What solc emits for require(false, "not licensed").
        var data = Hex(
            "0x08c379a0" +
            "0000000000000000000000000000000000000000000000000000000000000020" +
            "000000000000000000000000000000000000000000000000000000000000000c" +
            "6e6f74206c6963656e7365640000000000000000000000000000000000000000");

        var error = Decoder.Decode(data);

        Assert.Equal(DecodedErrorKind.Error, error.Kind);
        Assert.Equal("not licensed", error.Reason);
        Assert.Equal("Error(\"not licensed\")", error.ToString());
    }

    [Theory]
    [InlineData(0x01, "assert failed")]
    [InlineData(0x11, "arithmetic overflow or underflow outside an unchecked block")]
    [InlineData(0x12, "division or modulo by zero")]
    [InlineData(0x21, "value too big or negative converted to an enum")]
    [InlineData(0x22, "incorrectly encoded storage byte array")]
    [InlineData(0x31, "pop() on an empty array")]
    [InlineData(0x32, "array index out of bounds")]
    [InlineData(0x41, "too much memory allocated or array too large")]
    [InlineData(0x51, "call to a zero-initialized internal function variable")]
    [InlineData(0x00, "generic compiler-inserted panic")]
    [InlineData(0x99, "unknown panic code")]
    public void Panic_decodes_the_code_and_its_meaning(int code, string meaning)
    {
        var data = Hex("0x4e487b71" + code.ToString("x64", System.Globalization.CultureInfo.InvariantCulture));

        var error = Decoder.Decode(data);

        Assert.Equal(DecodedErrorKind.Panic, error.Kind);
        Assert.Equal(new BigInteger(code), error.PanicCode);
        Assert.Equal(meaning, error.PanicDescription);
        Assert.Equal($"Panic(0x{code:x2}: {meaning})", error.ToString());
    }

    [Fact]
    public void Unknown_selector_decodes_to_an_unknown_error()
    {
        var error = Decoder.Decode(Hex("0x12345678" + new string('0', 64)));

        Assert.Equal(DecodedErrorKind.Unknown, error.Kind);
        Assert.Equal("unknown error 0x12345678 (36 bytes)", error.ToString());
    }

    [Fact]
    public void Empty_revert_data_decodes_to_empty()
    {
        var error = Decoder.Decode(ReadOnlySpan<byte>.Empty);

        Assert.Equal(DecodedErrorKind.Empty, error.Kind);
        Assert.Contains("empty revert data", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Short_revert_data_is_refused()
    {
        var ex = Assert.Throws<AbiException>(() => Decoder.Decode(Hex("0x08c379")));

        Assert.Contains("too short to hold a 4-byte error selector", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Known_selector_with_truncated_arguments_is_refused()
    {
        var data = Expired.Encode(7UL, 1UL)[..40];

        var ex = Assert.Throws<AbiException>(() => Decoder.Decode(data));

        Assert.Contains("LicenseExpired(uint64,uint64) but its arguments are malformed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hex_revert_data_from_json_rpc_is_accepted()
    {
        var data = NotHolder.Encode(Address.Zero, "only the holder may submit");

        var error = Decoder.Decode(Ledger.Hex.Encode(data));

        Assert.Equal("NotHolder(caller: 0x0000000000000000000000000000000000000000, reason: \"only the holder may submit\")", error.ToString());
    }

    [Fact]
    public void Same_error_signature_from_two_contracts_is_merged()
    {
        var decoder = new AbiErrorDecoder([Expired, AbiError.Parse("LicenseExpired(uint64 id, uint64 at)")]);

        Assert.Equal(3, decoder.Errors.Count);
    }

    [Fact]
    public void Two_different_errors_sharing_a_selector_are_refused()
    {
        // A well-known 4-byte collision: both hash to 0x42966c68.
        var ex = Assert.Throws<AbiException>(() => new AbiErrorDecoder([AbiError.Parse("burn(uint256)"), AbiError.Parse("collate_propagate_storage(bytes16)")]));

        Assert.Contains("share the selector 0x42966c68", ex.Message, StringComparison.Ordinal);
    }
}
