using System.Buffers.Binary;
using System.Numerics;

namespace DataTrust.Ledger.Rlp;

/// <summary>
/// Recursive Length Prefix encoding (Yellow Paper Appendix B). Encoders work in two passes: the
/// <c>LengthOf…</c> functions give the exact encoded size, the caller allocates once, and an
/// <see cref="RlpWriter"/> fills the buffer.
/// </summary>
public static class Rlp
{
    /// <summary>The encoding of the empty byte string (also the encoding of the integer zero).</summary>
    public const byte EmptyString = 0x80;

    /// <summary>The encoding of the empty list.</summary>
    public const byte EmptyList = 0xc0;

    /// <summary>The default largest nesting depth a reader accepts.</summary>
    public const int DefaultMaxDepth = 64;

    /// <summary>The default largest input a reader accepts (16 MiB).</summary>
    public const int DefaultMaxInputLength = 16 * 1024 * 1024;

    // Yellow Paper Appendix B: payloads shorter than 56 bytes carry their length in the prefix byte.
    internal const int ShortLimit = 56;

    /// <summary>The encoded length of a byte string.</summary>
    public static int LengthOf(ReadOnlySpan<byte> value)
    {
        if (value.Length == 1 && value[0] < 0x80)
        {
            return 1;
        }

        return HeaderLength(value.Length) + value.Length;
    }

    /// <summary>The encoded length of an unsigned integer (minimal big-endian, zero is the empty string).</summary>
    public static int LengthOf(ulong value)
    {
        if (value < 0x80)
        {
            return 1;
        }

        return 1 + ByteLength(value);
    }

    /// <summary>The encoded length of a non-negative integer (minimal big-endian, zero is the empty string).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public static int LengthOf(BigInteger value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        if (value < 0x80)
        {
            return 1;
        }

        var byteCount = value.GetByteCount(isUnsigned: true);
        return HeaderLength(byteCount) + byteCount;
    }

    /// <summary>The encoded length of a list whose items encode to <paramref name="contentLength"/> bytes in total.</summary>
    public static int LengthOfList(int contentLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(contentLength);
        return HeaderLength(contentLength) + contentLength;
    }

    /// <summary>The length of a string or list header for a payload of the given length.</summary>
    public static int HeaderLength(int payloadLength) =>
        payloadLength < ShortLimit ? 1 : 1 + ByteLength((ulong)payloadLength);

    /// <summary>Encodes a byte string.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> value)
    {
        var output = new byte[LengthOf(value)];
        var writer = new RlpWriter(output);
        writer.WriteString(value);
        writer.EnsureFull();
        return output;
    }

    /// <summary>Encodes an unsigned integer.</summary>
    public static byte[] Encode(ulong value)
    {
        var output = new byte[LengthOf(value)];
        var writer = new RlpWriter(output);
        writer.WriteInteger(value);
        writer.EnsureFull();
        return output;
    }

    /// <summary>Encodes a non-negative integer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public static byte[] Encode(BigInteger value)
    {
        var output = new byte[LengthOf(value)];
        var writer = new RlpWriter(output);
        writer.WriteInteger(value);
        writer.EnsureFull();
        return output;
    }

    /// <summary>Encodes a tree of items (two passes: measure, then write into one exact allocation).</summary>
    public static byte[] Encode(RlpItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var output = new byte[item.EncodedLength];
        var writer = new RlpWriter(output);
        item.WriteTo(ref writer);
        writer.EnsureFull();
        return output;
    }

    /// <summary>Decodes exactly one item that spans the whole input, with the default limits.</summary>
    /// <exception cref="RlpException">The input is malformed, non-canonical, too deep or has trailing bytes.</exception>
    public static RlpItem Decode(ReadOnlySpan<byte> input)
    {
        var reader = new RlpReader(input);
        var item = reader.ReadItem();
        reader.EnsureEnd();
        return item;
    }

    /// <summary>The minimal big-endian byte count of a non-zero unsigned value.</summary>
    internal static int ByteLength(ulong value) => value == 0 ? 0 : 8 - (BitOperations.LeadingZeroCount(value) / 8);

    /// <summary>Writes the minimal big-endian bytes of <paramref name="value"/> and returns how many were written.</summary>
    internal static int WriteBigEndian(ulong value, Span<byte> destination)
    {
        var count = ByteLength(value);
        Span<byte> full = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(full, value);
        full[(8 - count)..].CopyTo(destination);
        return count;
    }
}
