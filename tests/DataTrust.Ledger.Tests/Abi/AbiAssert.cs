using System.Collections;
using System.Numerics;
using System.Text;
using DataTrust.Ledger.Abi;

namespace DataTrust.Ledger.Tests.Abi;

/// <summary>Structural equality for ABI values, after normalizing inputs to the decoder's representation.</summary>
internal static class AbiAssert
{
    public static byte[] Hex(string text) => Ledger.Hex.Decode(text);

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    public static string Words(byte[] bytes)
    {
        // One 32-byte word per line after the optional 4-byte selector: failures read like the spec.
        var builder = new StringBuilder();
        var start = bytes.Length % 32 == 4 ? 4 : 0;
        if (start == 4)
        {
            builder.AppendLine(Convert.ToHexStringLower(bytes, 0, 4));
        }

        for (var i = start; i < bytes.Length; i += 32)
        {
            builder.AppendLine(Convert.ToHexStringLower(bytes, i, Math.Min(32, bytes.Length - i)));
        }

        return builder.ToString();
    }

    /// <summary>The representation the decoder returns for a value given to the encoder.</summary>
    public static object? Normalize(AbiType type, object? value) => type.Kind switch
    {
        AbiTypeKind.UInt or AbiTypeKind.Int => value switch
        {
            BigInteger b => b,
            ulong u => new BigInteger(u),
            uint u => new BigInteger(u),
            byte u => new BigInteger(u),
            ushort u => new BigInteger(u),
            _ => new BigInteger(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)),
        },
        AbiTypeKind.FixedBytes or AbiTypeKind.Bytes => value is Hash32 h ? h.ToArray() : (byte[])value!,
        AbiTypeKind.Array or AbiTypeKind.FixedArray => ((IList)value!).Cast<object?>().Select(v => Normalize(type.ElementType!, v)).ToArray(),
        AbiTypeKind.Tuple => ((IList)value!).Cast<object?>().Select((v, i) => Normalize(type.Components[i], v)).ToArray(),
        _ => value,
    };

    public static bool ValuesEqual(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (byte[] x, byte[] y) => x.AsSpan().SequenceEqual(y),
        (object?[] x, object?[] y) => x.Length == y.Length && x.Zip(y).All(p => ValuesEqual(p.First, p.Second)),
        _ => Equals(a, b),
    };

    public static void Equal(IReadOnlyList<AbiType> types, IReadOnlyList<object?> expected, IReadOnlyList<object?> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var want = Normalize(types[i], expected[i]);
            Assert.True(ValuesEqual(want, actual[i]), $"value #{i} ({types[i]}) differs: expected {Show(want)}, got {Show(actual[i])}");
        }
    }

    public static string Show(object? value) => value switch
    {
        null => "null",
        byte[] b => Ledger.Hex.Encode(b),
        object?[] items => "[" + string.Join(", ", items.Select(Show)) + "]",
        _ => value.ToString() ?? string.Empty,
    };
}
