using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace DataTrust.Core.Catalog;

/// <summary>
/// The canonical encoding of one snapshot value, as <see cref="SnapshotCommitmentBuilder"/> documents it: each writer puts
/// one value at the start of the destination, checks what the encoding cannot hold, and returns the bytes written.
/// </summary>
/// <remarks>
/// The builder's own appends use these writers, so there is one definition. A reader that encodes rows itself (the node's
/// import reads DuckDB's vectors) writes a row's values in schema order and hands the row to
/// <see cref="SnapshotCommitmentBuilder.AppendEncodedRow"/>.
/// </remarks>
public static class SnapshotEncoding
{
    /// <summary>The most bytes any value but TEXT takes (a marker and eight bytes).</summary>
    public const int MaxFixedBytes = 9;

    /// <summary>The bytes a TEXT value of <paramref name="utf8Bytes"/> UTF-8 bytes takes (a marker, the length, the bytes).</summary>
    /// <param name="utf8Bytes">The value's UTF-8 length.</param>
    /// <returns>The encoded length.</returns>
    public static int TextBytes(int utf8Bytes) => 5 + utf8Bytes;

    // Days since 1970-01-01 of 0001-01-01 and 9999-12-31, the DATE range of DateOnly.
    private static readonly int MinDateDays = DateOnly.MinValue.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
    private static readonly int MaxDateDays = DateOnly.MaxValue.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    // 10^p for p = 0..18: an unscaled DECIMAL(p,s) lies strictly between -10^p and 10^p.
    private static readonly long[] UnscaledLimit = [.. Enumerable.Range(0, 19).Select(p => (long)Math.Pow(10, p))];

    /// <summary>Writes a NULL of any type.</summary>
    /// <param name="destination">Where the value goes (at least 1 byte).</param>
    /// <returns>1.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteNull(Span<byte> destination)
    {
        destination[0] = 0x00;
        return 1;
    }

    /// <summary>Writes an INT.</summary>
    /// <param name="destination">Where the value goes (at least 9 bytes).</param>
    /// <param name="value">The value.</param>
    /// <returns>9.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteInt(Span<byte> destination, long value) => WriteWord(destination, (ulong)value);

    /// <summary>Writes a DECIMAL given as its unscaled integer (the value times 10^scale).</summary>
    /// <param name="destination">Where the value goes (at least 9 bytes).</param>
    /// <param name="unscaled">The value times 10^scale of <paramref name="column"/>.</param>
    /// <param name="column">The DECIMAL column, whose precision bounds the value.</param>
    /// <returns>9.</returns>
    /// <exception cref="CatalogException">The value has more digits than the column's precision.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteDecimalUnscaled(Span<byte> destination, long unscaled, ColumnDefinition column)
    {
        ArgumentNullException.ThrowIfNull(column);
        var limit = UnscaledLimit[column.Precision];
        if (unscaled <= -limit || unscaled >= limit)
        {
            throw new CatalogException($"A DECIMAL value of column '{column.Name}' does not fit {column.TypeName}.");
        }

        return WriteWord(destination, (ulong)unscaled);
    }

    /// <summary>Writes a TEXT given as its UTF-8 bytes.</summary>
    /// <param name="destination">Where the value goes (at least <see cref="TextBytes"/> bytes).</param>
    /// <param name="utf8">The value's UTF-8 bytes.</param>
    /// <returns>5 plus the byte length.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteText(Span<byte> destination, ReadOnlySpan<byte> utf8)
    {
        destination[0] = 0x01;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)utf8.Length);
        utf8.CopyTo(destination[5..]);
        return 5 + utf8.Length;
    }

    /// <summary>Writes a DATE given as days since 1970-01-01.</summary>
    /// <param name="destination">Where the value goes (at least 5 bytes).</param>
    /// <param name="daysSinceEpoch">Days since 1970-01-01 (proleptic Gregorian).</param>
    /// <returns>5.</returns>
    /// <exception cref="CatalogException">The date lies outside the years 0001 to 9999.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteDateDays(Span<byte> destination, int daysSinceEpoch)
    {
        if (daysSinceEpoch < MinDateDays || daysSinceEpoch > MaxDateDays)
        {
            throw new CatalogException("A date lies outside the years 0001 to 9999.");
        }

        destination[0] = 0x01;
        BinaryPrimitives.WriteInt32BigEndian(destination[1..], daysSinceEpoch);
        return 5;
    }

    /// <summary>Writes a BOOL.</summary>
    /// <param name="destination">Where the value goes (at least 2 bytes).</param>
    /// <param name="value">The value.</param>
    /// <returns>2.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteBool(Span<byte> destination, bool value)
    {
        destination[1] = value ? (byte)0x01 : (byte)0x00;
        destination[0] = 0x01;
        return 2;
    }

    /// <summary>Writes a TIMESTAMP or TIMESTAMPTZ given as microseconds since 1970-01-01T00:00:00 (UTC for TIMESTAMPTZ).</summary>
    /// <param name="destination">Where the value goes (at least 9 bytes).</param>
    /// <param name="micros">The microseconds.</param>
    /// <returns>9.</returns>
    /// <exception cref="CatalogException">The timestamp lies outside the years 0001 to 9999.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteMicros(Span<byte> destination, long micros)
    {
        if (micros < ColumnValues.MinTimestampMicros || micros > ColumnValues.MaxTimestampMicros)
        {
            throw new CatalogException("A timestamp lies outside the years 0001 to 9999.");
        }

        return WriteWord(destination, (ulong)micros);
    }

    /// <summary>Writes a DOUBLE (<c>-0</c> as <c>+0</c>).</summary>
    /// <param name="destination">Where the value goes (at least 9 bytes).</param>
    /// <param name="value">The value.</param>
    /// <returns>9.</returns>
    /// <exception cref="CatalogException">The value is NaN or infinite.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteDouble(Span<byte> destination, double value)
    {
        if (!double.IsFinite(value))
        {
            throw new CatalogException("A DOUBLE value must be finite; NaN and infinities are refused.");
        }

        return WriteWord(destination, (ulong)BitConverter.DoubleToInt64Bits(value == 0 ? 0.0 : value));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WriteWord(Span<byte> destination, ulong word)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination[1..9], word);
        destination[0] = 0x01;
        return 9;
    }
}
