using DataTrust.Ledger.Abi.Internal;

namespace DataTrust.Ledger.Abi;

/// <summary>
/// Solidity ABI encoding and strict decoding of parameter lists (Solidity docs, "Contract ABI Specification").
/// </summary>
/// <remarks>
/// Value representation (encode accepts; decode returns):
/// <list type="bullet">
/// <item><c>uintN</c>/<c>intN</c>: accepts <see cref="System.Numerics.BigInteger"/>, long, ulong, int, uint, short, ushort, byte, sbyte, Int128, UInt128 or an enum; returns <see cref="System.Numerics.BigInteger"/>. Out-of-range values are refused.</item>
/// <item><c>address</c>: <see cref="Address"/> both ways.</item>
/// <item><c>bool</c>: bool both ways.</item>
/// <item><c>bytesN</c>: accepts byte[] (or ReadOnlyMemory&lt;byte&gt;, Memory&lt;byte&gt;, ArraySegment&lt;byte&gt;, <see cref="Hash32"/>) of exactly N bytes; returns byte[] of N bytes.</item>
/// <item><c>bytes</c>: the same inputs, any length; returns byte[].</item>
/// <item><c>string</c>: string both ways (UTF-8 on the wire; invalid UTF-8 or lone surrogates are refused).</item>
/// <item><c>T[]</c>, <c>T[k]</c>: accepts any IList (T[], List&lt;T&gt;, object?[]) or IReadOnlyList&lt;object?&gt;; returns object?[] of element values.</item>
/// <item>tuples: accepts object?[] (any IList, IReadOnlyList&lt;object?&gt;) or a ValueTuple; returns object?[] in component order.</item>
/// </list>
/// Decoding is strict by default: truncated input, offsets into the head or past the end, lengths larger than the
/// remaining input, dirty padding, bool other than 0/1, addresses with high bits and trailing bytes after the last
/// value are all refused with <see cref="AbiException"/>. Encodings produced by solc always pass.
/// </remarks>
public static class AbiCodec
{
    /// <summary>The exact length <see cref="EncodeParameters(IReadOnlyList{AbiType}, IReadOnlyList{object?})"/> will produce.</summary>
    /// <exception cref="AbiException">A value does not fit its type.</exception>
    public static int GetEncodedLength(IReadOnlyList<AbiType> types, IReadOnlyList<object?> values)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(values);
        return AbiEncoder.MeasureSequence(types, values, null);
    }

    /// <summary>Encodes values as the tuple of <paramref name="types"/> (function arguments, return values, event data).</summary>
    /// <exception cref="AbiException">The counts differ or a value does not fit its type; the message names the value.</exception>
    public static byte[] EncodeParameters(IReadOnlyList<AbiType> types, IReadOnlyList<object?> values) =>
        EncodeWithPrefix(types, values, null, ReadOnlySpan<byte>.Empty);

    /// <summary>Encodes values into <paramref name="destination"/>, which must be exactly <see cref="GetEncodedLength"/> bytes; returns the bytes written.</summary>
    /// <exception cref="AbiException">A value does not fit its type, or the destination has the wrong size.</exception>
    public static int EncodeParameters(IReadOnlyList<AbiType> types, IReadOnlyList<object?> values, Span<byte> destination)
    {
        var length = GetEncodedLength(types, values);
        if (destination.Length < length)
        {
            throw new AbiException($"The destination holds {destination.Length} bytes but the encoding needs {length}; size it with GetEncodedLength.");
        }

        destination[..length].Clear();
        AbiEncoder.WriteSequence(types, values, destination[..length], null);
        return length;
    }

    /// <summary>Encodes one value of one type (as a one-element parameter list, the way <c>abi.encode(x)</c> does).</summary>
    /// <exception cref="AbiException">The value does not fit the type.</exception>
    public static byte[] Encode(AbiType type, object? value)
    {
        ArgumentNullException.ThrowIfNull(type);
        return EncodeParameters([type], [value]);
    }

    /// <summary>Decodes a parameter list (strict, see remarks on <see cref="AbiCodec"/>).</summary>
    /// <exception cref="AbiException">The bytes are not a valid encoding of <paramref name="types"/>; the message names the value and the problem.</exception>
    public static object?[] DecodeParameters(IReadOnlyList<AbiType> types, ReadOnlySpan<byte> data, AbiDecodeOptions options = AbiDecodeOptions.None)
    {
        ArgumentNullException.ThrowIfNull(types);
        return DecodeNamed(types, null, data, options);
    }

    /// <summary>Decodes one value encoded as by <see cref="Encode(AbiType, object?)"/>.</summary>
    /// <exception cref="AbiException">The bytes are not a valid encoding.</exception>
    public static object? Decode(AbiType type, ReadOnlySpan<byte> data, AbiDecodeOptions options = AbiDecodeOptions.None)
    {
        ArgumentNullException.ThrowIfNull(type);
        return DecodeParameters([type], data, options)[0];
    }

    /// <summary>
    /// <c>abi.encodePacked</c> (Solidity ABI spec §Non-standard Packed Mode): value types at their natural width, bytes and
    /// string in place without length, array elements padded to 32 bytes. Ambiguous by design (two dynamic values
    /// can run together), so use it only to reproduce a hash a contract computes this way.
    /// </summary>
    /// <exception cref="AbiException">A value does not fit its type, or the type (tuple, nested array, array of bytes/string) cannot be packed.</exception>
    public static byte[] EncodePacked(IReadOnlyList<AbiType> types, IReadOnlyList<object?> values)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(values);
        return PackedEncoder.Encode(types, values);
    }

    internal static byte[] EncodeWithPrefix(IReadOnlyList<AbiType> types, IReadOnlyList<object?> values, IReadOnlyList<string>? names, ReadOnlySpan<byte> prefix)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(values);
        var length = AbiEncoder.MeasureSequence(types, values, names);
        var buffer = new byte[prefix.Length + length];
        prefix.CopyTo(buffer);
        AbiEncoder.WriteSequence(types, values, buffer.AsSpan(prefix.Length), names);
        return buffer;
    }

    internal static object?[] DecodeNamed(IReadOnlyList<AbiType> types, IReadOnlyList<string>? names, ReadOnlySpan<byte> data, AbiDecodeOptions options)
    {
        var reader = new AbiReader(data);
        var values = reader.ReadSequence(types, 0, names);
        if ((options & AbiDecodeOptions.AllowTrailingBytes) == 0 && reader.End != data.Length)
        {
            throw new AbiException($"{data.Length - reader.End} trailing bytes follow the encoded values (which end at byte {reader.End} of {data.Length}); pass AbiDecodeOptions.AllowTrailingBytes to ignore them.");
        }

        return values;
    }

    internal static object? DecodeWord(AbiType type, ReadOnlySpan<byte> word)
    {
        var reader = new AbiReader(word);
        return reader.Read(type, 0);
    }
}
