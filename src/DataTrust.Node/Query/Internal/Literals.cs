using System.Globalization;
using System.Text;
using DataTrust.Protos.V1;
using DataTrust.Core.Catalog;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Node.Query.Internal;

/// <summary>Converts request literals to CLR values of a column's type, and result values to protobuf.</summary>
internal static class Literals
{
    private const decimal DecimalLimit = 99_999_999_999_999.9999m; // DECIMAL(18,4)

    /// <summary>The literal as the column's CLR type, or null with the sentence saying what to send instead.</summary>
    public static object? TryConvert(Value value, ColumnType type, int maxTextBytes, out string expected)
    {
        expected = type switch
        {
            ColumnType.Int => "is INT; send int_value",
            ColumnType.Decimal => "is DECIMAL; send int_value or decimal_value with at most 4 fractional digits within DECIMAL(18,4)",
            ColumnType.Text => $"is TEXT; send string_value of at most {maxTextBytes} UTF-8 bytes",
            ColumnType.Date => "is DATE; send a valid date_value",
            ColumnType.Bool => "is BOOL; send bool_value",
            _ => "has an undefined type",
        };
        switch (type, value.KindCase)
        {
            case (ColumnType.Int, Value.KindOneofCase.IntValue):
                return value.IntValue;
            case (ColumnType.Decimal, Value.KindOneofCase.IntValue):
                return Math.Abs((decimal)value.IntValue) <= DecimalLimit ? (decimal)value.IntValue : null;
            case (ColumnType.Decimal, Value.KindOneofCase.DecimalValue):
                return ParseDecimal(value.DecimalValue);
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
            _ => new Value(),
        },
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
        Value.KindOneofCase.DoubleValue => value.DoubleValue.ToString("R", CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>A domain value (canonical text, already checked against the column type) as a result key.</summary>
    public static Value FromCanonical(string text, ColumnType type) => type switch
    {
        ColumnType.Int => new Value { IntValue = long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) },
        ColumnType.Decimal => DecimalValue(decimal.Parse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture)),
        ColumnType.Date => DateValue(DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture)),
        ColumnType.Bool => new Value { BoolValue = text == "true" },
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
