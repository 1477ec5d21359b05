using System.Globalization;
using System.Text;
using DataTrust.Protos.V1;
using DataTrust.Core.Catalog;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Node.Query.Internal;

/// <summary>A checked TIMESTAMP or TIMESTAMPTZ literal or stored value: microseconds since the epoch (UTC for <paramref name="Zoned"/>).</summary>
internal readonly record struct TimestampValue(long Micros, bool Zoned)
{
    /// <summary>The value as DuckDB binds it (a zone-less timestamp; the session zone is UTC, so a TIMESTAMPTZ reads it as UTC).</summary>
    public DateTime ToDateTime() => ColumnValues.DateTimeOf(Micros);

    /// <summary>The canonical text of the value.</summary>
    public override string ToString() => Zoned ? ColumnValues.CanonicalTimestampTz(Micros) : ColumnValues.CanonicalTimestamp(Micros);
}

/// <summary>Converts request literals to CLR values of a column's type, and result values to protobuf.</summary>
internal static class Literals
{
    private const decimal DecimalLimit = 99_999_999_999_999.9999m; // DECIMAL(18,4)

    /// <summary>The literal as the column's CLR type, or null with the sentence saying what to send instead.</summary>
    public static object? TryConvert(Value value, ColumnType type, int maxTextBytes, out string expected) =>
        TryConvert(value, new ColumnDefinition("c", type), maxTextBytes, out expected);

    /// <summary>The literal as the column's CLR type (DECIMAL at its declared scale), or null with the sentence saying what to send instead.</summary>
    public static object? TryConvert(Value value, ColumnDefinition column, int maxTextBytes, out string expected)
    {
        var type = column.Type;
        expected = type switch
        {
            ColumnType.Int => "is INT; send int_value",
            ColumnType.Decimal => $"is {column.TypeName}; send int_value or decimal_value with at most {column.Scale} fractional digits within {column.TypeName}",
            ColumnType.Text => $"is TEXT; send string_value of at most {maxTextBytes} UTF-8 bytes",
            ColumnType.Date => "is DATE; send a valid date_value",
            ColumnType.Bool => "is BOOL; send bool_value",
            ColumnType.Timestamp => "is TIMESTAMP; send timestamp_micros (microseconds since 1970-01-01T00:00:00, years 0001 to 9999)",
            ColumnType.TimestampTz => "is TIMESTAMPTZ; send timestamptz_micros (microseconds since 1970-01-01T00:00:00Z, years 0001 to 9999)",
            ColumnType.Double => "is DOUBLE; send a finite double_value (or int_value)",
            _ => "has an undefined type",
        };
        switch (type, value.KindCase)
        {
            case (ColumnType.Int, Value.KindOneofCase.IntValue):
                return value.IntValue;
            case (ColumnType.Decimal, Value.KindOneofCase.IntValue):
                return ColumnValues.Fits(value.IntValue, column.Precision, column.Scale) ? (decimal)value.IntValue : null;
            case (ColumnType.Decimal, Value.KindOneofCase.DecimalValue):
                return ColumnValues.TryParseDecimal(value.DecimalValue, column.Precision, column.Scale, out var parsed) ? parsed : null;
            case (ColumnType.Timestamp, Value.KindOneofCase.TimestampMicros):
                return InRange(value.TimestampMicros) ? new TimestampValue(value.TimestampMicros, false) : null;
            case (ColumnType.TimestampTz, Value.KindOneofCase.TimestamptzMicros):
                return InRange(value.TimestamptzMicros) ? new TimestampValue(value.TimestamptzMicros, true) : null;
            case (ColumnType.Double, Value.KindOneofCase.DoubleValue):
                return double.IsFinite(value.DoubleValue) ? value.DoubleValue : null;
            case (ColumnType.Double, Value.KindOneofCase.IntValue):
                return (double)value.IntValue;
            case (ColumnType.Text, Value.KindOneofCase.StringValue):
                return Encoding.UTF8.GetByteCount(value.StringValue) <= maxTextBytes ? value.StringValue : null;
            case (ColumnType.Date, Value.KindOneofCase.DateValue):
                var d = value.DateValue;
                return d.Year is >= 1 and <= 9999 && d.Month is >= 1 and <= 12 && d.Day >= 1
                    && d.Day <= DateTime.DaysInMonth(d.Year, d.Month)
                    ? new DateOnly(d.Year, d.Month, d.Day)
                    : null;
            case (ColumnType.Bool, Value.KindOneofCase.BoolValue):
                return value.BoolValue;
            default:
                return null;
        }
    }

    private static bool InRange(long micros) => micros is >= ColumnValues.MinTimestampMicros and <= ColumnValues.MaxTimestampMicros;

    /// <summary>A decimal with at most 4 fractional digits within DECIMAL(18,4), or null.</summary>
    public static decimal? ParseDecimal(string text)
    {
        if (text.Length > 40
            || !decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            return null;
        }

        var scaled = value * 10_000m;
        return scaled == decimal.Truncate(scaled) && Math.Abs(value) <= DecimalLimit ? value : null;
    }

    /// <summary>A stored value (as read from DuckDB) as a protobuf value; DBNull becomes an empty value.</summary>
    public static Value ToValue(object? stored, ColumnType type) => stored switch
    {
        null or DBNull => new Value(),
        _ => type switch
        {
            ColumnType.Int => new Value { IntValue = Convert.ToInt64(stored, CultureInfo.InvariantCulture) },
            ColumnType.Decimal => DecimalValue(Convert.ToDecimal(stored, CultureInfo.InvariantCulture)),
            ColumnType.Text => new Value { StringValue = (string)stored },
            ColumnType.Date => DateValue(stored),
            ColumnType.Bool => new Value { BoolValue = (bool)stored },
            ColumnType.Timestamp => new Value { TimestampMicros = StoredMicros(stored) },
            ColumnType.TimestampTz => new Value { TimestamptzMicros = StoredMicros(stored) },
            ColumnType.Double => new Value { DoubleValue = Convert.ToDouble(stored, CultureInfo.InvariantCulture) },
            _ => new Value(),
        },
    };

    /// <summary>Microseconds since the epoch of a timestamp read from DuckDB (a DateTime, a DateTimeOffset, or epoch_us).</summary>
    private static long StoredMicros(object stored) => stored switch
    {
        long micros => micros,
        DateTimeOffset offset => ColumnValues.MicrosOf(offset.UtcDateTime),
        DateTime time => ColumnValues.MicrosOf(time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : time),
        _ => throw new InvalidOperationException("The store returned a timestamp of an unexpected CLR type."),
    };

    /// <summary>The canonical text of a checked CLR literal or stored value (as public domains are written), or null for NULL.</summary>
    public static string? Canonical(object? value) => value switch
    {
        null or DBNull => null,
        long l => ColumnValues.Canonical(l),
        int i => ColumnValues.Canonical(i),
        decimal d => ColumnValues.Canonical(d),
        DateOnly d => ColumnValues.Canonical(d),
        DateTime t => ColumnValues.Canonical(DateOnly.FromDateTime(t)),
        bool b => ColumnValues.Canonical(b),
        double x => ColumnValues.Canonical(x),
        TimestampValue t => t.ToString(),
        string s => s,
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    /// <summary>The canonical text of a result key value, or null for an empty (NULL) value.</summary>
    public static string? Canonical(Value value) => value.KindCase switch
    {
        Value.KindOneofCase.IntValue => ColumnValues.Canonical(value.IntValue),
        Value.KindOneofCase.DecimalValue => ParseDecimal(value.DecimalValue) is { } d ? ColumnValues.Canonical(d) : value.DecimalValue,
        Value.KindOneofCase.StringValue => value.StringValue,
        Value.KindOneofCase.BoolValue => ColumnValues.Canonical(value.BoolValue),
        Value.KindOneofCase.DateValue => ColumnValues.Canonical(new DateOnly(value.DateValue.Year, value.DateValue.Month, value.DateValue.Day)),
        Value.KindOneofCase.DoubleValue => double.IsFinite(value.DoubleValue) ? ColumnValues.Canonical(value.DoubleValue) : value.DoubleValue.ToString("R", CultureInfo.InvariantCulture),
        Value.KindOneofCase.TimestampMicros => new TimestampValue(value.TimestampMicros, false).ToString(),
        Value.KindOneofCase.TimestamptzMicros => new TimestampValue(value.TimestamptzMicros, true).ToString(),
        _ => null,
    };

    /// <summary>A domain value (canonical text, already checked against the column type) as a result key.</summary>
    public static Value FromCanonical(string text, ColumnType type) => type switch
    {
        ColumnType.Int => new Value { IntValue = long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) },
        ColumnType.Decimal => DecimalValue(decimal.Parse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture)),
        ColumnType.Date => DateValue(DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture)),
        ColumnType.Bool => new Value { BoolValue = text == "true" },
        ColumnType.Timestamp when ColumnValues.TryParseTimestamp(text, zoned: false, out var local) => new Value { TimestampMicros = local },
        ColumnType.TimestampTz when ColumnValues.TryParseTimestamp(text, zoned: true, out var utc) => new Value { TimestamptzMicros = utc },
        ColumnType.Double => new Value { DoubleValue = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture) },
        _ => new Value { StringValue = text },
    };

    /// <summary>A decimal as <c>decimal_value</c> text without trailing zeros.</summary>
    public static Value DecimalValue(decimal value) =>
        new() { DecimalValue = (value / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture) };

    private static Value DateValue(object stored)
    {
        var date = stored switch
        {
            DateOnly d => d,
            DateTime t => DateOnly.FromDateTime(t),
            _ => DateOnly.Parse(stored.ToString()!, CultureInfo.InvariantCulture),
        };
        return new Value { DateValue = new Date { Year = date.Year, Month = date.Month, Day = date.Day } };
    }
}
