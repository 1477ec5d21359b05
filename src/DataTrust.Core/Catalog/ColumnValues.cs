using System.Globalization;

namespace DataTrust.Core.Catalog;

/// <summary>
/// The canonical text of a column value, as public domains are written on chain and in policy files: integers in
/// invariant digits (<c>-12</c>), decimals without trailing zeros (<c>12.5</c>), dates as <c>yyyy-MM-dd</c>, timestamps as
/// <c>yyyy-MM-ddTHH:mm:ss</c> with a fraction only when not zero (<c>.5</c>, up to 6 digits) and a final <c>Z</c> for
/// TIMESTAMPTZ (always UTC), doubles in the shortest round-trip form (<c>0.1</c>, <c>1E+20</c>), booleans as
/// <c>true</c>/<c>false</c>, text as it is.
/// </summary>
public static class ColumnValues
{
    /// <summary>Microseconds since 1970-01-01T00:00:00 of the first instant a timestamp may hold (0001-01-01T00:00:00).</summary>
    public const long MinTimestampMicros = -62_135_596_800_000_000;

    /// <summary>Microseconds since 1970-01-01T00:00:00 of the last instant a timestamp may hold (9999-12-31T23:59:59.999999).</summary>
    public const long MaxTimestampMicros = 253_402_300_799_999_999;

    private static readonly long EpochTicks = DateTime.UnixEpoch.Ticks;

    /// <summary>True when <paramref name="text"/> is the canonical text of a value of <paramref name="type"/> (DECIMAL at the default scale).</summary>
    public static bool IsCanonical(string text, ColumnType type) => IsCanonical(text, new ColumnDefinition("c", type));

    /// <summary>True when <paramref name="text"/> is the canonical text of a value of <paramref name="column"/>'s type and scale.</summary>
    public static bool IsCanonical(string text, ColumnDefinition column)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(column);
        return column.Type switch
        {
            ColumnType.Int => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
                && string.Equals(Canonical(l), text, StringComparison.Ordinal),
            ColumnType.Decimal => TryParseDecimal(text, column.Precision, column.Scale, out var d)
                && string.Equals(Canonical(d), text, StringComparison.Ordinal),
            ColumnType.Date => DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                && string.Equals(Canonical(date), text, StringComparison.Ordinal),
            ColumnType.Timestamp => TryParseTimestamp(text, zoned: false, out var t)
                && string.Equals(CanonicalTimestamp(t), text, StringComparison.Ordinal),
            ColumnType.TimestampTz => TryParseTimestamp(text, zoned: true, out var z)
                && string.Equals(CanonicalTimestampTz(z), text, StringComparison.Ordinal),
            ColumnType.Double => TryParseDouble(text, out var x) && string.Equals(Canonical(x), text, StringComparison.Ordinal),
            ColumnType.Bool => text is "true" or "false",
            ColumnType.Text => true,
            _ => false,
        };
    }

    /// <summary>Canonical text of an integer.</summary>
    public static string Canonical(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Canonical text of a decimal: invariant, no trailing zeros, no exponent.</summary>
    public static string Canonical(decimal value)
    {
        var text = value.ToString("0.############################", CultureInfo.InvariantCulture);
        return text == "-0" ? "0" : text;
    }

    /// <summary>Canonical text of a date.</summary>
    public static string Canonical(DateOnly value) => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Canonical text of a boolean.</summary>
    public static string Canonical(bool value) => value ? "true" : "false";

    /// <summary>Canonical text of a finite double: the shortest text that parses back to the same value; <c>-0</c> is <c>0</c>.</summary>
    /// <exception cref="CatalogException">The value is NaN or infinite.</exception>
    public static string Canonical(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new CatalogException("A DOUBLE value must be finite; NaN and infinities are refused.");
        }

        return value == 0 ? "0" : value.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>Canonical text of a TIMESTAMP given as microseconds since 1970-01-01T00:00:00 (no zone).</summary>
    public static string CanonicalTimestamp(long micros) => TimestampText(micros);

    /// <summary>Canonical text of a TIMESTAMPTZ given as microseconds since the Unix epoch (UTC): the UTC reading and <c>Z</c>.</summary>
    public static string CanonicalTimestampTz(long micros) => TimestampText(micros) + "Z";

    /// <summary>Microseconds since 1970-01-01T00:00:00 of a date and time (its kind is ignored; sub-microsecond ticks are refused).</summary>
    /// <exception cref="CatalogException">The value has a fraction finer than a microsecond.</exception>
    public static long MicrosOf(DateTime value)
    {
        var ticks = value.Ticks - EpochTicks;
        if (ticks % 10 != 0)
        {
            throw new CatalogException("A timestamp is stored to the microsecond; this one has a finer fraction.");
        }

        return ticks / 10;
    }

    /// <summary>The date and time <paramref name="micros"/> microseconds after 1970-01-01T00:00:00.</summary>
    public static DateTime DateTimeOf(long micros, DateTimeKind kind = DateTimeKind.Unspecified) =>
        new(EpochTicks + (micros * 10), kind);

    /// <summary>
    /// Parses a timestamp as written in canonical form or by ISO 8601 (<c>T</c> or a space between date and time, seconds and a
    /// fraction of up to 6 digits optional). With <paramref name="zoned"/> a final <c>Z</c> or <c>±hh:mm</c> offset is
    /// required and the result is the UTC instant; without it no zone may be written.
    /// </summary>
    public static bool TryParseTimestamp(string text, bool zoned, out long micros)
    {
        ArgumentNullException.ThrowIfNull(text);
        micros = 0;
        string[] formats = zoned
            ? ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFK", "yyyy-MM-dd HH:mm:ss.FFFFFFK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd HH:mmK"]
            : ["yyyy-MM-dd'T'HH:mm:ss.FFFFFF", "yyyy-MM-dd HH:mm:ss.FFFFFF", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm"];
        if (zoned)
        {
            if (!(text.EndsWith('Z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':'))
                || !DateTimeOffset.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var offset))
            {
                return false;
            }

            micros = MicrosOf(offset.UtcDateTime);
            return true;
        }

        if (!DateTime.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return false;
        }

        micros = MicrosOf(local);
        return true;
    }

    /// <summary>Parses a finite double written in invariant digits (an exponent allowed).</summary>
    public static bool TryParseDouble(string text, out double value) =>
        double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value)
        && double.IsFinite(value);

    /// <summary>Parses a decimal that fits DECIMAL(<paramref name="precision"/>,<paramref name="scale"/>) exactly (no rounding).</summary>
    public static bool TryParseDecimal(string text, int precision, int scale, out decimal value)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > 48
            || !decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value))
        {
            value = 0;
            return false;
        }

        return Fits(value, precision, scale);
    }

    /// <summary>True when <paramref name="value"/> is exactly representable in DECIMAL(<paramref name="precision"/>,<paramref name="scale"/>).</summary>
    public static bool Fits(decimal value, int precision, int scale) =>
        decimal.Round(value, scale) == value && Math.Abs(value) < Pow10(precision - scale);

    /// <summary>10 to the power <paramref name="exponent"/> (0..28) as a decimal.</summary>
    public static decimal Pow10(int exponent)
    {
        var result = 1m;
        for (var i = 0; i < exponent; i++)
        {
            result *= 10m;
        }

        return result;
    }

    /// <summary>How a canonical value of <paramref name="type"/> is written, for error messages.</summary>
    public static string Describe(ColumnType type) => Describe(new ColumnDefinition("c", type));

    /// <summary>How a canonical value of <paramref name="column"/> is written, for error messages.</summary>
    public static string Describe(ColumnDefinition column)
    {
        ArgumentNullException.ThrowIfNull(column);
        return column.Type switch
        {
            ColumnType.Int => "a whole number such as 2024",
            ColumnType.Decimal => $"a decimal with at most {column.Scale} fractional digits (DECIMAL({column.Precision},{column.Scale})) and no trailing zeros, such as 12.5",
            ColumnType.Date => "a date written yyyy-MM-dd",
            ColumnType.Timestamp => "a timestamp without zone written yyyy-MM-ddTHH:mm:ss[.ffffff], such as 2024-03-01T08:05:00",
            ColumnType.TimestampTz => "a UTC timestamp written yyyy-MM-ddTHH:mm:ss[.ffffff]Z, such as 2024-03-01T08:05:00Z",
            ColumnType.Double => "a finite double in its shortest round-trip form, such as 0.1 or 1E+20",
            ColumnType.Bool => "true or false",
            _ => "any text",
        };
    }

    private static string TimestampText(long micros)
    {
        if (micros < MinTimestampMicros || micros > MaxTimestampMicros)
        {
            throw new CatalogException("A timestamp lies outside the years 0001 to 9999.");
        }

        var time = DateTimeOf(micros);
        var text = time.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        var fraction = (int)(((micros % 1_000_000) + 1_000_000) % 1_000_000);
        return fraction == 0 ? text : text + "." + fraction.ToString("D6", CultureInfo.InvariantCulture).TrimEnd('0');
    }
}
