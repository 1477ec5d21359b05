using System.Globalization;

namespace DataTrust.Ledger.Abi.Internal;

/// <summary>
/// <c>abi.encodePacked</c> (Solidity ABI spec §Non-standard Packed Mode): value types take their natural width
/// without padding, bytes and string go in place without a length, array elements are padded to 32 bytes;
/// tuples, nested arrays and arrays of dynamic types are not supported (Solidity refuses them too).
/// </summary>
internal static class PackedEncoder
{
    public static byte[] Encode(IReadOnlyList<AbiType> types, IReadOnlyList<object?> values)
    {
        if (types.Count != values.Count)
        {
            throw new AbiException($"expected {types.Count} values, got {values.Count}.");
        }

        long total = 0;
        for (var i = 0; i < types.Count; i++)
        {
            try
            {
                total += Measure(types[i], values[i]);
            }
            catch (AbiException ex)
            {
                throw ex.Prepend("#" + i.ToString(CultureInfo.InvariantCulture));
            }
        }

        if (total > Array.MaxLength)
        {
            throw new AbiException($"the packed encoding would be {total} bytes, more than a .NET array can hold.");
        }

        var buffer = new byte[total];
        var pos = 0;
        Span<byte> word = stackalloc byte[32];
        for (var i = 0; i < types.Count; i++)
        {
            try
            {
                pos += Write(types[i], values[i], buffer.AsSpan(pos), word, padded: false);
            }
            catch (AbiException ex)
            {
                throw ex.Prepend("#" + i.ToString(CultureInfo.InvariantCulture));
            }
        }

        return buffer;
    }

    private static long Measure(AbiType type, object? value)
    {
        switch (type.Kind)
        {
            case AbiTypeKind.UInt:
            case AbiTypeKind.Int:
                return type.Size / 8;
            case AbiTypeKind.Address:
                return 20;
            case AbiTypeKind.Bool:
                return 1;
            case AbiTypeKind.FixedBytes:
                return type.Size;
            case AbiTypeKind.Bytes:
                return ValueAccess.GetBytes(value, type).Length;
            case AbiTypeKind.String:
                return AbiEncoder.Utf8Length(ValueAccess.GetString(value));
            case AbiTypeKind.Array:
            case AbiTypeKind.FixedArray:
            {
                var element = type.ElementType!;
                if (element.Kind is AbiTypeKind.Array or AbiTypeKind.FixedArray or AbiTypeKind.Tuple or AbiTypeKind.Bytes or AbiTypeKind.String)
                {
                    throw new AbiException($"{type} cannot be packed: abi.encodePacked supports arrays of value types only.");
                }

                var count = ValueAccess.GetSequence(value, type).Count;
                if (type.Kind == AbiTypeKind.FixedArray && count != type.Size)
                {
                    throw new AbiException($"expected {type.Size} elements, got {count}.");
                }

                return 32L * count;
            }

            default:
                throw new AbiException($"{type} cannot be packed: abi.encodePacked does not support tuples.");
        }
    }

    private static int Write(AbiType type, object? value, Span<byte> destination, Span<byte> word, bool padded)
    {
        switch (type.Kind)
        {
            case AbiTypeKind.Bytes:
            {
                var bytes = ValueAccess.GetBytes(value, type);
                bytes.CopyTo(destination);
                return bytes.Length;
            }

            case AbiTypeKind.String:
                return AbiEncoder.StrictUtf8.GetBytes(ValueAccess.GetString(value), destination);

            case AbiTypeKind.Array:
            case AbiTypeKind.FixedArray:
            {
                var items = ValueAccess.GetSequence(value, type);
                var pos = 0;
                for (var i = 0; i < items.Count; i++)
                {
                    try
                    {
                        pos += Write(type.ElementType!, items[i], destination[pos..], word, padded: true);
                    }
                    catch (AbiException ex)
                    {
                        throw ex.Prepend("[" + i.ToString(CultureInfo.InvariantCulture) + "]");
                    }
                }

                return pos;
            }

            default:
            {
                // Encode the standard 32-byte word, then keep the natural width: left-aligned for bytesN,
                // right-aligned (the low-order bytes) for everything else.
                word.Clear();
                AbiEncoder.Write(type, value, word);
                if (padded)
                {
                    word.CopyTo(destination);
                    return 32;
                }

                var width = type.Kind switch
                {
                    AbiTypeKind.UInt or AbiTypeKind.Int => type.Size / 8,
                    AbiTypeKind.Address => 20,
                    AbiTypeKind.Bool => 1,
                    _ => type.Size,
                };
                var source = type.Kind == AbiTypeKind.FixedBytes ? word[..width] : word[(32 - width)..];
                source.CopyTo(destination);
                return width;
            }
        }
    }
}
