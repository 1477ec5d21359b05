using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using DataTrust.Ledger.Abi;

namespace DataTrust.Ledger.Tests.Abi;

/// <summary>Our bytes against Foundry's cast on seeded random inputs: an independent implementation of the same spec.</summary>
public class CastCrossCheckTests
{
    private const string Words = "alpha beta 許可 ✓ data";

    public static TheoryData<string, int> EncodeCases()
    {
        var data = new TheoryData<string, int>();
        string[] signatures =
        [
            "f(uint256,address,bytes,string,(uint8,bytes32)[])",
            "g(int8,int64,int256,bool[2],bytes4,uint24[])",
            "h((uint64,bytes,(address,bool)[])[],string,bytes32[2][])",
        ];
        foreach (var signature in signatures)
        {
            for (var seed = 0; seed < 8; seed++)
            {
                data.Add(signature, seed);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EncodeCases))]
    public void Encoding_equals_cast_abi_encode(string signature, int seed)
    {
        var function = AbiFunction.Parse(signature);
        var (values, arguments) = RandomArguments(function.InputTypes, seed);

        var ours = AbiCodec.EncodeParameters(function.InputTypes, values);
        var theirs = CastTool.Run(["abi-encode", "--", signature, .. arguments]);

        Assert.Equal(theirs, Hex.Encode(ours));
    }

    [Theory]
    [InlineData("f(uint256,address,bytes,string,(uint8,bytes32)[])", 100)]
    [InlineData("g(int8,int64,int256,bool[2],bytes4,uint24[])", 101)]
    [InlineData("h((uint64,bytes,(address,bool)[])[],string,bytes32[2][])", 102)]
    [InlineData("submit(uint64,uint8,bytes,uint64)", 103)]
    public void Call_data_equals_cast_calldata(string signature, int seed)
    {
        var function = AbiFunction.Parse(signature);
        var (values, arguments) = RandomArguments(function.InputTypes, seed);

        var theirs = CastTool.Run(["calldata", "--", signature, .. arguments]);

        Assert.Equal(theirs, Hex.Encode(function.EncodeCall(values)));
    }

    [Theory]
    [InlineData("f(uint256,address,bytes,string,(uint8,bytes32)[])", 200)]
    [InlineData("g(int8,int64,int256,bool[2],bytes4,uint24[])", 201)]
    [InlineData("h((uint64,bytes,(address,bool)[])[],string,bytes32[2][])", 202)]
    public void Cast_decodes_our_encoding_to_our_values(string signature, int seed)
    {
        var function = AbiFunction.Parse(signature);
        var (values, _) = RandomArguments(function.InputTypes, seed);
        var encoded = AbiCodec.EncodeParameters(function.InputTypes, values);
        var outputs = "(" + string.Join(",", function.InputTypes.Select(t => t.CanonicalName)) + ")";

        var json = CastTool.Run("abi-decode", "--json", "f()" + outputs, Hex.Encode(encoded));

        using var document = JsonDocument.Parse(json);
        var decoded = AbiCodec.DecodeParameters(function.InputTypes, encoded);
        var items = document.RootElement.EnumerateArray().ToArray();
        Assert.Equal(decoded.Length, items.Length);
        for (var i = 0; i < items.Length; i++)
        {
            Assert.Equal(ToJson(function.InputTypes[i], items[i]), ToJson(function.InputTypes[i], decoded[i]));
        }
    }

    [Theory]
    [InlineData("submit(uint64,uint8,bytes,uint64)")]
    [InlineData("grant(address,(string,uint8,uint8,int256,int256)[],uint64)")]
    [InlineData("f(uint256[][],string[],bytes32[3])")]
    public void Selector_equals_cast_sig(string signature)
    {
        Assert.Equal(CastTool.Run("sig", signature), AbiFunction.Parse(signature).SelectorHex);
    }

    [Theory]
    [InlineData("JobSubmitted(uint64 indexed,uint64 indexed,bytes32 indexed,address,uint8,bytes,bytes32,uint64,uint32,uint64)")]
    [InlineData("LicenseGranted(uint64 indexed,address indexed,(string,uint8)[])")]
    public void Topic0_equals_cast_sig_event(string signature)
    {
        Assert.Equal(CastTool.Run("sig-event", AbiEvent.Parse(signature).Signature), AbiEvent.Parse(signature).Topic0.ToString());
    }

    /// <summary>Random values and the same values as cast's command-line syntax.</summary>
    private static (object?[] Values, string[] Arguments) RandomArguments(IReadOnlyList<AbiType> types, int seed)
    {
        var random = new Random(seed);
        var values = new object?[types.Count];
        var arguments = new string[types.Count];
        for (var i = 0; i < types.Count; i++)
        {
            (values[i], arguments[i]) = RandomValue(types[i], random, topLevel: true);
        }

        return (values, arguments);
    }

    private static (object? Value, string Text) RandomValue(AbiType type, Random random, bool topLevel)
    {
        switch (type.Kind)
        {
            case AbiTypeKind.UInt:
            {
                var value = new BigInteger(RandomBytes(random, random.Next(1, (type.Size / 8) + 1)), isUnsigned: true);
                return (value, value.ToString(CultureInfo.InvariantCulture));
            }

            case AbiTypeKind.Int:
            {
                var value = new BigInteger(RandomBytes(random, random.Next(1, (type.Size / 8) + 1)), isUnsigned: false);
                return (value, value.ToString(CultureInfo.InvariantCulture));
            }

            case AbiTypeKind.Address:
            {
                var address = new Address(RandomBytes(random, 20));
                return (address, address.ToLowerHex());
            }

            case AbiTypeKind.Bool:
            {
                var value = random.Next(2) == 1;
                return (value, value ? "true" : "false");
            }

            case AbiTypeKind.FixedBytes:
            case AbiTypeKind.Bytes:
            {
                var bytes = RandomBytes(random, type.Kind == AbiTypeKind.Bytes ? random.Next(0, 70) : type.Size);
                return (bytes, Hex.Encode(bytes));
            }

            case AbiTypeKind.String:
            {
                // cast takes a top-level string verbatim except for trailing whitespace, which it trims;
                // nested strings would need its quoting rules.
                var text = topLevel ? new string(Enumerable.Range(0, random.Next(0, 40)).Select(_ => Words[random.Next(Words.Length)]).ToArray()).TrimEnd() + "." : "s" + random.Next(100);
                return (text, text);
            }

            case AbiTypeKind.Array:
            case AbiTypeKind.FixedArray:
            {
                var count = type.Kind == AbiTypeKind.FixedArray ? type.Size : random.Next(0, 4);
                var items = Enumerable.Range(0, count).Select(_ => RandomValue(type.ElementType!, random, topLevel: false)).ToArray();
                return (items.Select(x => x.Value).ToArray(), "[" + string.Join(",", items.Select(x => x.Text)) + "]");
            }

            default:
            {
                var items = type.Components.Select(c => RandomValue(c, random, topLevel: false)).ToArray();
                return (items.Select(x => x.Value).ToArray(), "(" + string.Join(",", items.Select(x => x.Text)) + ")");
            }
        }
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    // cast prints integers as JSON numbers, or as strings once they are too large for a double.
    private static string ToJson(AbiType type, JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => "[" + string.Join(",", element.EnumerateArray().Select((e, i) => ToJson(type.Kind == AbiTypeKind.Tuple ? type.Components[i] : type.ElementType!, e))) + "]",
        JsonValueKind.String when type.Kind is AbiTypeKind.UInt or AbiTypeKind.Int => element.GetString()!,
        JsonValueKind.String => "\"" + element.GetString() + "\"",
        _ => element.GetRawText(),
    };

    private static string ToJson(AbiType type, object? value) => value switch
    {
        BigInteger b => b.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        Address a => "\"" + a + "\"",
        byte[] bytes => "\"" + Hex.Encode(bytes) + "\"",
        string s => "\"" + s + "\"",
        object?[] items => "[" + string.Join(",", items.Select((v, i) => ToJson(type.Kind == AbiTypeKind.Tuple ? type.Components[i] : type.ElementType!, v))) + "]",
        _ => throw new InvalidOperationException(new StringBuilder("unexpected ").Append(value).ToString()),
    };
}
