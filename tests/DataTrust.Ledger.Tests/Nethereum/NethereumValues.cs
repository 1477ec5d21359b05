using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using DataTrust.Ledger.Abi;
using DataTrust.Ledger.LocalChain;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.ABI.Model;

namespace DataTrust.Ledger.Tests.CrossCheck;

/// <summary>
/// Translates between our ABI values and Nethereum's, and prints either as one canonical text so the two
/// implementations' results can be compared without trusting either one's equality.
/// </summary>
internal static class NethereumValues
{
    private static readonly Dictionary<string, ContractABI> Abis = [];

    /// <summary>Nethereum's reading of a committed artifact's ABI JSON (parsed by Nethereum itself, not by us).</summary>
    public static ContractABI ContractAbi(string contract)
    {
        lock (Abis)
        {
            if (!Abis.TryGetValue(contract, out var abi))
            {
                var path = Path.Combine(ChainToolchain.Locate().ArtifactsDirectory, contract + ".json");
                using var json = JsonDocument.Parse(File.ReadAllText(path));
                abi = Nethereum.ABI.ABIDeserialisation.ABIDeserialiserFactory.DeserialiseContractABI(json.RootElement.GetProperty("abi").GetRawText());
                Abis[contract] = abi;
            }

            return abi;
        }
    }

    /// <summary>Our value as the object Nethereum's encoder takes for the same type.</summary>
    public static object ToNethereum(AbiType type, object? value) => type.Kind switch
    {
        AbiTypeKind.UInt or AbiTypeKind.Int => ToBigInteger(value),
        AbiTypeKind.Address => ((Address)value!).ToLowerHex(),
        AbiTypeKind.Bool => (bool)value!,
        AbiTypeKind.FixedBytes or AbiTypeKind.Bytes => (byte[])value!,
        AbiTypeKind.String => (string)value!,
        AbiTypeKind.Array or AbiTypeKind.FixedArray => ((IEnumerable)value!).Cast<object?>().Select(v => ToNethereum(type.ElementType!, v)).ToList(),
        _ => ((object?[])value!).Select((v, i) => ToNethereum(type.Components[i], v)).ToArray(),
    };

    /// <summary>A canonical text of a value from either implementation.</summary>
    public static string Show(AbiType type, object? value)
    {
        switch (type.Kind)
        {
            case AbiTypeKind.UInt:
            case AbiTypeKind.Int:
                return ToBigInteger(value).ToString(CultureInfo.InvariantCulture);
            case AbiTypeKind.Address:
                return value switch
                {
                    Address a => a.ToLowerHex(),
                    string s => s.ToLowerInvariant(),
                    _ => throw Unexpected(type, value),
                };
            case AbiTypeKind.Bool:
                return (bool)value! ? "true" : "false";
            case AbiTypeKind.FixedBytes:
            case AbiTypeKind.Bytes:
                return value switch
                {
                    byte[] b => Hex.Encode(b),
                    Hash32 h => h.ToString().ToLowerInvariant(),
                    ReadOnlyMemory<byte> m => Hex.Encode(m.Span),
                    _ => throw Unexpected(type, value),
                };
            case AbiTypeKind.String:
                return JsonSerializer.Serialize((string)value!);
            case AbiTypeKind.Array:
            case AbiTypeKind.FixedArray:
                return "[" + string.Join(",", ((IEnumerable)value!).Cast<object?>().Select(v => Show(type.ElementType!, v))) + "]";
            default:
                var parts = value switch
                {
                    IEnumerable<ParameterOutput> outputs => outputs.Select(o => o.Result).ToArray(),
                    IEnumerable items => items.Cast<object?>().ToArray(),
                    _ => throw Unexpected(type, value),
                };
                return "(" + string.Join(",", parts.Select((v, i) => Show(type.Components[i], v))) + ")";
        }
    }

    /// <summary>A whole parameter list as text (ours: values in order; Nethereum's: its decoded outputs).</summary>
    public static string ShowAll(IReadOnlyList<AbiType> types, IReadOnlyList<object?> values) =>
        string.Join(" | ", types.Select((t, i) => Show(t, values[i])));

    private static BigInteger ToBigInteger(object? value) => value switch
    {
        BigInteger b => b,
        ulong u => u,
        long l => l,
        uint u => u,
        int i => i,
        ushort u => u,
        short s => s,
        byte b => b,
        sbyte s => s,
        _ => throw new InvalidOperationException(new StringBuilder("not an integer: ").Append(value?.GetType().Name).ToString()),
    };

    private static InvalidOperationException Unexpected(AbiType type, object? value) =>
        new($"unexpected {value?.GetType().Name ?? "null"} for {type.CanonicalName}");
}
