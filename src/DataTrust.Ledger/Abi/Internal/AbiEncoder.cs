using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace DataTrust.Ledger.Abi.Internal;

/// <summary>
/// Head/tail encoding (Solidity docs, "Contract ABI Specification" §Formal Specification of the Encoding),
/// in two passes: <see cref="Measure(AbiType, object?)"/> computes the exact length, then <see cref="Write(AbiType, object?, Span{byte})"/>
/// fills a zeroed buffer of that length. Paths are attached only when something fails.
/// </summary>
internal static class AbiEncoder
{
    // Strict: a lone surrogate is refused rather than silently replaced by U+FFFD.
    public static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static int Utf8Length(string text)
    {
        try
        {
            return StrictUtf8.GetByteCount(text);
        }
        catch (EncoderFallbackException)
        {
            throw new AbiException("string contains a lone UTF-16 surrogate, which has no UTF-8 encoding.");
        }
    }

    public static int Pad32(int length) => (length + 31) & ~31;

    public static int MeasureSequence(IReadOnlyList<AbiType> types, IReadOnlyList<object?> values, IReadOnlyList<string>? names)
    {
        CheckCount(types.Count, values.Count, "values");
        long total = 0;
        for (var i = 0; i < types.Count; i++)
        {
            try
            {
                total += MeasureElement(types[i], values[i]);
            }
            catch (AbiException ex)
            {
                throw ex.Prepend(Segment(names, i));
            }
        }

        return CheckLength(total);
    }

    public static void WriteSequence(IReadOnlyList<AbiType> types, IReadOnlyList<object?> values, Span<byte> destination, IReadOnlyList<string>? names)
    {
        long head = 0;
        foreach (var t in types)
        {
            head += t.HeadSize;
        }

        var tail = (int)head;
        var pos = 0;
        for (var i = 0; i < types.Count; i++)
        {
            var type = types[i];
            try
            {
                if (type.IsDynamic)
                {
                    WriteLength(destination.Slice(pos, 32), tail);
                    tail += Write(type, values[i], destination[tail..]);
                    pos += 32;
                }
                else
                {
                    pos += Write(type, values[i], destination[pos..]);
                }
            }
            catch (AbiException ex)
            {
                throw ex.Prepend(Segment(names, i));
            }
        }
    }

    public static int Measure(AbiType type, object? value)
    {
        switch (type.Kind)
        {
            case AbiTypeKind.Bytes:
                return 32 + Pad32(ValueAccess.GetBytes(value, type).Length);
            case AbiTypeKind.String:
                return 32 + Pad32(Utf8Length(ValueAccess.GetString(value)));
            case AbiTypeKind.Array:
            case AbiTypeKind.FixedArray:
            {
                if (!type.IsDynamic)
                {
                    return type.HeadSize;
                }

                var items = ValueAccess.GetSequence(value, type);
                if (type.Kind == AbiTypeKind.FixedArray)
                {
                    CheckCount(type.Size, items.Count, "elements");
                }

                long total = type.Kind == AbiTypeKind.Array ? 32 : 0;
                var element = type.ElementType!;
                for (var i = 0; i < items.Count; i++)
                {
                    try
                    {
                        total += MeasureElement(element, items[i]);
                    }
                    catch (AbiException ex)
                    {
                        throw ex.Prepend("[" + i.ToString(CultureInfo.InvariantCulture) + "]");
                    }
                }

                return CheckLength(total);
            }

            case AbiTypeKind.Tuple:
            {
                if (!type.IsDynamic)
                {
                    return type.HeadSize;
                }

                var items = ValueAccess.GetSequence(value, type);
                CheckCount(type.Components.Count, items.Count, "components");
                long total = 0;
                for (var i = 0; i < items.Count; i++)
                {
                    try
                    {
                        total += MeasureElement(type.Components[i], items[i]);
                    }
                    catch (AbiException ex)
                    {
                        throw ex.Prepend(ComponentSegment(type.ComponentNames, i));
                    }
                }

                return CheckLength(total);
            }

            default:
                return 32;
        }
    }

    /// <summary>Writes one value at the start of <paramref name="destination"/> (zeroed) and returns the bytes written.</summary>
    public static int Write(AbiType type, object? value, Span<byte> destination)
    {
        switch (type.Kind)
        {
            case AbiTypeKind.UInt:
            case AbiTypeKind.Int:
                WriteInteger(type, value, destination[..32]);
                return 32;
            case AbiTypeKind.Address:
                if (value is not Address address)
                {
                    throw new AbiException($"address takes a DataTrust.Ledger.Address, got {ValueAccess.Describe(value)}.");
                }

                address.Span.CopyTo(destination[12..32]);
                return 32;
            case AbiTypeKind.Bool:
                destination[31] = value switch
                {
                    bool b => b ? (byte)1 : (byte)0,
                    _ => throw new AbiException($"bool takes a bool, got {ValueAccess.Describe(value)}."),
                };
                return 32;
            case AbiTypeKind.FixedBytes:
            {
                var bytes = ValueAccess.GetBytes(value, type);
                if (bytes.Length != type.Size)
                {
                    throw new AbiException($"{type} takes exactly {type.Size} bytes, got {bytes.Length}.");
                }

                bytes.CopyTo(destination);
                return 32;
            }

            case AbiTypeKind.Bytes:
            {
                var bytes = ValueAccess.GetBytes(value, type);
                WriteLength(destination[..32], bytes.Length);
                bytes.CopyTo(destination[32..]);
                return 32 + Pad32(bytes.Length);
            }

            case AbiTypeKind.String:
            {
                var text = ValueAccess.GetString(value);
                var written = StrictUtf8.GetBytes(text, destination[32..]);
                WriteLength(destination[..32], written);
                return 32 + Pad32(written);
            }

            case AbiTypeKind.Array:
            {
                var items = ValueAccess.GetSequence(value, type);
                WriteLength(destination[..32], items.Count);
                return 32 + WriteElements(type.ElementType!, items, destination[32..]);
            }

            case AbiTypeKind.FixedArray:
            {
                var items = ValueAccess.GetSequence(value, type);
                CheckCount(type.Size, items.Count, "elements");
                return WriteElements(type.ElementType!, items, destination);
            }

            default:
            {
                var items = ValueAccess.GetSequence(value, type);
                CheckCount(type.Components.Count, items.Count, "components");
                var head = type.ComponentsHeadSize;
                var tail = head;
                var pos = 0;
                for (var i = 0; i < items.Count; i++)
                {
                    var component = type.Components[i];
                    try
                    {
                        if (component.IsDynamic)
                        {
                            WriteLength(destination.Slice(pos, 32), tail);
                            tail += Write(component, items[i], destination[tail..]);
                            pos += 32;
                        }
                        else
                        {
                            pos += Write(component, items[i], destination[pos..]);
                        }
                    }
                    catch (AbiException ex)
                    {
                        throw ex.Prepend(ComponentSegment(type.ComponentNames, i));
                    }
                }

                return tail;
            }
        }
    }

    public static void WriteLength(Span<byte> word, int value) =>
        BinaryPrimitives.WriteUInt64BigEndian(word[24..32], (ulong)value);

    private static int WriteElements(AbiType element, ValueAccess.Sequence items, Span<byte> destination)
    {
        var count = items.Count;
        var tail = element.IsDynamic ? 32 * count : element.HeadSize * count;
        var pos = 0;
        for (var i = 0; i < count; i++)
        {
            try
            {
                if (element.IsDynamic)
                {
                    WriteLength(destination.Slice(pos, 32), tail);
                    tail += Write(element, items[i], destination[tail..]);
                    pos += 32;
                }
                else
                {
                    pos += Write(element, items[i], destination[pos..]);
                }
            }
            catch (AbiException ex)
            {
                throw ex.Prepend("[" + i.ToString(CultureInfo.InvariantCulture) + "]");
            }
        }

        return tail;
    }

    private static void WriteInteger(AbiType type, object? value, Span<byte> word)
    {
        var bits = type.Size;
        var signedType = type.Kind == AbiTypeKind.Int;
        if (ValueAccess.TryGetSmall(value, out var signed, out var unsigned, out var isSigned))
        {
            if (isSigned && signed < 0)
            {
                if (!signedType)
                {
                    throw new AbiException($"{type} cannot hold the negative value {signed}.");
                }

                if (bits < 64 && signed < -(1L << (bits - 1)))
                {
                    throw Range(type, signed);
                }

                word.Fill(0xff);
                BinaryPrimitives.WriteInt64BigEndian(word[24..], signed);
                return;
            }

            var magnitude = isSigned ? (ulong)signed : unsigned;
            var limitBits = signedType ? bits - 1 : bits;
            if (limitBits < 64 && magnitude >> limitBits != 0)
            {
                throw Range(type, magnitude);
            }

            BinaryPrimitives.WriteUInt64BigEndian(word[24..], magnitude);
            return;
        }

        var big = ValueAccess.GetBig(value, type);
        if (big.Sign < 0 && !signedType)
        {
            throw new AbiException($"{type} cannot hold the negative value {big}.");
        }

        // Two's complement range: uintN is [0, 2^N), intN is [-2^(N-1), 2^(N-1)).
        var width = signedType ? big.GetBitLength() + 1 : big.GetBitLength();
        if (width > bits)
        {
            throw Range(type, big);
        }

        if (big.Sign < 0)
        {
            word.Fill(0xff);
        }

        var length = big.GetByteCount(isUnsigned: !signedType);
        var ok = big.TryWriteBytes(word[(32 - length)..], out _, isUnsigned: !signedType, isBigEndian: true);
        System.Diagnostics.Debug.Assert(ok, "the range check guarantees the value fits in 32 bytes");
    }

    private static AbiException Range<T>(AbiType type, T value) =>
        new($"{value} is out of range for {type} ({(type.Kind == AbiTypeKind.UInt ? $"0 to 2^{type.Size}-1" : $"-2^{type.Size - 1} to 2^{type.Size - 1}-1")}).");

    private static long MeasureElement(AbiType type, object? value) =>
        type.IsDynamic ? 32L + Measure(type, value) : type.HeadSize;

    private static string Segment(IReadOnlyList<string>? names, int index) =>
        names is not null && index < names.Count && names[index].Length > 0
            ? names[index]
            : "#" + index.ToString(CultureInfo.InvariantCulture);

    private static string ComponentSegment(IReadOnlyList<string> names, int index) =>
        "." + (names[index].Length > 0 ? names[index] : index.ToString(CultureInfo.InvariantCulture));

    private static void CheckCount(int expected, int actual, string what)
    {
        if (expected != actual)
        {
            throw new AbiException($"expected {expected} {what}, got {actual}.");
        }
    }

    private static int CheckLength(long total)
    {
        if (total > Array.MaxLength)
        {
            throw new AbiException($"the encoding would be {total} bytes, more than a .NET array can hold.");
        }

        return (int)total;
    }
}
