using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace DataTrust.Ledger.Abi.Internal;

/// <summary>Readable text for decoded values: decimal integers, EIP-55 addresses, 0x hex bytes, JSON-quoted strings.</summary>
internal static class AbiFormatter
{
    public static string Format(AbiType type, object? value)
    {
        var builder = new StringBuilder();
        Append(builder, type, value);
        return builder.ToString();
    }

    public static string FormatList(IReadOnlyList<AbiType> types, IReadOnlyList<string> names, IReadOnlyList<object?> values)
    {
        var builder = new StringBuilder("(");
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(", ");
            }

            if (names[i].Length > 0)
            {
                builder.Append(names[i]).Append(": ");
            }

            Append(builder, types[i], values[i]);
        }

        return builder.Append(')').ToString();
    }

    private static void Append(StringBuilder builder, AbiType type, object? value)
    {
        switch (value)
        {
            case null:
                builder.Append("null");
                return;
            case Hash32 hash when type.IsHashedWhenIndexed:
                builder.Append("keccak256:").Append(hash.ToString());
                return;
            case BigInteger big:
                builder.Append(big.ToString(CultureInfo.InvariantCulture));
                return;
            case bool b:
                builder.Append(b ? "true" : "false");
                return;
            case Address address:
                builder.Append(address.ToString());
                return;
            case byte[] bytes:
                builder.Append(Hex.Encode(bytes));
                return;
            case string text:
                builder.Append(JsonSerializer.Serialize(text));
                return;
            case object?[] items when type.Kind == AbiTypeKind.Tuple:
                builder.Append(FormatList(type.Components, type.ComponentNames, items));
                return;
            case object?[] items when type.ElementType is not null:
                builder.Append('[');
                for (var i = 0; i < items.Length; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(", ");
                    }

                    Append(builder, type.ElementType, items[i]);
                }

                builder.Append(']');
                return;
            default:
                builder.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
                return;
        }
    }
}
