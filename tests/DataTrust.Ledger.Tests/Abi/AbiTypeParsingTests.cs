using DataTrust.Ledger.Abi;

namespace DataTrust.Ledger.Tests.Abi;

public class AbiTypeParsingTests
{
    [Theory]
    [InlineData("uint256", "uint256", false, 32)]
    [InlineData("uint", "uint256", false, 32)]
    [InlineData("int", "int256", false, 32)]
    [InlineData("bytes3[2]", "bytes3[2]", false, 64)]
    [InlineData("uint32[]", "uint32[]", true, 32)]
    [InlineData("(uint8,bytes32)", "(uint8,bytes32)", false, 64)]
    [InlineData("(uint8,bytes32)[3]", "(uint8,bytes32)[3]", false, 192)]
    [InlineData("(string,uint8,uint8,int256,int256)[]", "(string,uint8,uint8,int256,int256)[]", true, 32)]
    [InlineData("tuple(uint8 kind, bytes spec)[2][]", "(uint8,bytes)[2][]", true, 32)]
    [InlineData(" ( address , string [ ] ) ", "(address,string[])", true, 32)]
    [InlineData("string[2]", "string[2]", true, 32)]
    public void Types_parse_to_their_canonical_form(string text, string canonical, bool dynamic, int headSize)
    {
        var type = AbiType.Parse(text);

        Assert.Equal(canonical, type.CanonicalName);
        Assert.Equal(dynamic, type.IsDynamic);
        Assert.Equal(headSize, type.HeadSize);
    }

    [Theory]
    [InlineData("uint7", "uintN takes N from 8 to 256")]
    [InlineData("uint264", "uintN takes N from 8 to 256")]
    [InlineData("int0", "not a Solidity ABI type")]
    [InlineData("bytes33", "bytesN takes N from 1 to 32")]
    [InlineData("bytes0", "not a Solidity ABI type")]
    [InlineData("uint256[0]", "at least 1")]
    [InlineData("()", "at least one component")]
    [InlineData("fixed128x18", "fixed-point types are not supported")]
    [InlineData("(uint8", "expected ')'")]
    [InlineData("uint8]", "unexpected ']'")]
    [InlineData("uint8[01]", "not a valid array length")]
    [InlineData("strin", "not a Solidity ABI type")]
    [InlineData("uint256[1000000][1000000]", "are refused")]
    [InlineData("", "expected a type")]
    public void Malformed_types_are_refused_with_a_reason(string text, string reason)
    {
        var ok = AbiType.TryParse(text, out var type, out var error);

        Assert.False(ok);
        Assert.Null(type);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Deeply_nested_types_are_refused()
    {
        var text = new string('(', 40) + "uint8" + new string(')', 40);

        var ex = Assert.Throws<AbiException>(() => AbiType.Parse(text));

        Assert.Contains("nested deeper", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Equality_ignores_component_names()
    {
        Assert.Equal(AbiType.Parse("(uint8 a, bool b)"), AbiType.Parse("(uint8,bool)"));
        Assert.NotEqual(AbiType.Parse("(uint8,bool)"), AbiType.Parse("(bool,uint8)"));
    }

    [Fact]
    public void Human_readable_signatures_keep_names_and_modifiers()
    {
        var function = AbiFunction.Parse("function balanceOf(address owner) external view returns (uint256 balance)");
        var ev = AbiEvent.Parse("event Transfer(address indexed from, address indexed to, uint256 value)");
        var error = AbiError.Parse("error LicenseExpired(uint64 licenseId, uint64 expiresAt)");

        Assert.Equal("balanceOf(address)", function.Signature);
        Assert.Equal("view", function.StateMutability);
        Assert.Equal("balance", function.Outputs[0].Name);
        Assert.Equal("0x70a08231", function.SelectorHex);
        Assert.Equal("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef", ev.Topic0.ToString());
        Assert.True(ev.Inputs[1].Indexed);
        Assert.Equal("LicenseExpired(uint64,uint64)", error.Signature);
    }

    [Fact]
    public void Indexed_outside_an_event_is_refused()
    {
        var ex = Assert.Throws<AbiException>(() => AbiFunction.Parse("f(uint8 indexed x)"));

        Assert.Contains("only allowed on event parameters", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_three_indexed_parameters_are_refused()
    {
        var ex = Assert.Throws<AbiException>(() => AbiEvent.Parse("E(uint8 indexed a, uint8 indexed b, uint8 indexed c, uint8 indexed d)"));

        Assert.Contains("at most 3", ex.Message, StringComparison.Ordinal);
    }
}
