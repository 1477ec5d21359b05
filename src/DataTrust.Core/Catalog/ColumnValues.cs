using System.Globalization;

namespace DataTrust.Core.Catalog;

/// <summary>
/// The canonical text of a column value, as public domains are written on chain and in policy files: integers in
/// invariant digits (<c>-12</c>), decimals without trailing zeros (<c>12.5</c>), dates as <c>yyyy-MM-dd</c>, booleans as
/// <c>true</c>/<c>false</c>, text as it is.
/// </summary>
public static class ColumnValues
{
    /// <summary>True when <paramref name="text"/> is the canonical text of a value of <paramref name="type"/>.</summary>
    public static bool IsCanonical(string text, ColumnType type)
    {
        ArgumentNullException.ThrowIfNull(text);
        return type switch
        {
            ColumnType.Int => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
                && string.Equals(Canonical(l), text, StringComparison.Ordinal),
            ColumnType.Decimal => decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d)
                && decimal.Round(d, ColumnTypes.DecimalScale) == d
                && string.Equals(Canonical(d), text, StringComparison.Ordinal),
            ColumnType.Date => DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
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

    /// <summary>How a canonical value of <paramref name="type"/> is written, for error messages.</summary>
    public static string Describe(ColumnType type) => type switch
    {
        ColumnType.Int => "a whole number such as 2024",
        ColumnType.Decimal => $"a decimal with at most {ColumnTypes.DecimalScale} fractional digits and no trailing zeros, such as 12.5",
        ColumnType.Date => "a date written yyyy-MM-dd",
        ColumnType.Bool => "true or false",
        _ => "any text",
    };
}
