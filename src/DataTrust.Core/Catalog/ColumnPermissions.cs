using System.Globalization;

namespace DataTrust.Core.Catalog;

/// <summary>What a query may do with a column; the numeric values are the on-chain bitmask.</summary>
[Flags]
public enum ColumnPermissions : byte
{
    /// <summary>The column is unusable.</summary>
    None = 0,

    /// <summary>May appear as a grouping key in the output.</summary>
    GroupBy = 1,

    /// <summary>May be summed, averaged, min/max'ed or binned; output only as an aggregate.</summary>
    Aggregate = 2,

    /// <summary>May be compared in a WHERE clause; never output by itself.</summary>
    Filter = 4,

    /// <summary>May match records across domains inside an enclave; never output, grouped or filtered on in a single-domain query.</summary>
    JoinKey = 8,

    /// <summary>MIN and MAX may be output: the operator declares the column's extremes not disclosive (never on money columns).</summary>
    MinMax = 16,
}

/// <summary>The logical type of a column; the numeric values are the on-chain constants.</summary>
/// <remarks>Every integer width of a file (INT8 to INT64, and unsigned widths up to UINT32) is stored as the one 64-bit
/// <see cref="Int"/>; an unsigned 64-bit column is imported only when declared INT and every value fits int64.</remarks>
public enum ColumnType : byte
{
    /// <summary>64-bit signed integer.</summary>
    Int = 1,

    /// <summary>Fixed-point decimal with the precision and scale its column declares (default DECIMAL(18,4)).</summary>
    Decimal = 2,

    /// <summary>UTF-8 text.</summary>
    Text = 3,

    /// <summary>Calendar date (no time, no zone).</summary>
    Date = 4,

    /// <summary>Boolean.</summary>
    Bool = 5,

    /// <summary>Date and time of day to the microsecond, without a zone (a wall-clock reading).</summary>
    Timestamp = 6,

    /// <summary>An instant to the microsecond, stored and written in UTC (offsets in the file are applied at import).</summary>
    TimestampTz = 7,

    /// <summary>IEEE 754 binary64 floating point; finite values only.</summary>
    Double = 8,
}

/// <summary>Facts about <see cref="ColumnType"/> shared by every component.</summary>
public static class ColumnTypes
{
    /// <summary>Number of fractional digits of a DECIMAL column that declares none, and the query engine's fixed-point unit.</summary>
    public const int DecimalScale = 4;

    /// <summary>Total digits of a DECIMAL column that declares none; also the largest precision a column may declare, so its
    /// scaled value always fits an <c>int64</c>.</summary>
    public const int DecimalPrecision = 18;

    /// <summary>True for the types that can be summed and averaged.</summary>
    public static bool IsNumeric(this ColumnType type) => type is ColumnType.Int or ColumnType.Decimal or ColumnType.Double;

    /// <summary>True for the types whose values are points in time (compared, bucketed, never summed).</summary>
    public static bool IsTemporal(this ColumnType type) => type is ColumnType.Date or ColumnType.Timestamp or ColumnType.TimestampTz;

    /// <summary>The type names a schema file or <c>--column</c> override may use, for error messages.</summary>
    public const string Names = "INT (also BIGINT, INTEGER, SMALLINT, TINYINT, INT8..INT64, UINT8..UINT32), DECIMAL or DECIMAL(p,s) with p <= 18, "
        + "DOUBLE (also FLOAT, REAL), TEXT (also VARCHAR), DATE, TIMESTAMP, TIMESTAMPTZ (also TIMESTAMP WITH TIME ZONE), BOOL (also BOOLEAN)";

    /// <summary>The column <paramref name="name"/> with the type <paramref name="text"/> names (case-insensitive), as a schema
    /// file or an override writes it.</summary>
    /// <exception cref="CatalogException">The text names no type the node can serve; the message names the column and the choices.</exception>
    public static ColumnDefinition Parse(string name, string text)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(text);
        var upper = string.Join(' ', text.Trim().ToUpperInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries));
        ColumnType? simple = upper switch
        {
            "INT" or "INTEGER" or "BIGINT" or "SMALLINT" or "TINYINT" or "INT8" or "INT16" or "INT32" or "INT64"
                or "UINT8" or "UINT16" or "UINT32" or "UTINYINT" or "USMALLINT" or "UINTEGER" or "UBIGINT" or "UINT64" => ColumnType.Int,
            "DOUBLE" or "FLOAT" or "FLOAT8" or "FLOAT64" or "REAL" or "FLOAT4" or "FLOAT32" => ColumnType.Double,
            "TEXT" or "VARCHAR" or "STRING" => ColumnType.Text,
            "DATE" => ColumnType.Date,
            "TIMESTAMP" or "DATETIME" or "TIMESTAMP WITHOUT TIME ZONE" => ColumnType.Timestamp,
            "TIMESTAMPTZ" or "TIMESTAMP WITH TIME ZONE" => ColumnType.TimestampTz,
            "BOOL" or "BOOLEAN" => ColumnType.Bool,
            "DECIMAL" or "NUMERIC" => ColumnType.Decimal,
            _ => null,
        };
        if (simple is { } type)
        {
            return new ColumnDefinition(name, type);
        }

        var open = upper.IndexOf('(', StringComparison.Ordinal);
        if (open > 0 && upper.EndsWith(')') && upper[..open].TrimEnd() is "DECIMAL" or "NUMERIC")
        {
            var parts = upper[(open + 1)..^1].Split(',');
            var precision = -1;
            var scale = 0;
            var parsed = parts.Length is 1 or 2
                && int.TryParse(parts[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out precision)
                && (parts.Length == 1 || int.TryParse(parts[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out scale));
            if (parsed)
            {
                if (precision < 1 || precision > DecimalPrecision || scale > precision)
                {
                    throw new CatalogException(
                        $"Column '{name}' is declared {text.Trim()}, but a DECIMAL needs 1 <= p <= {DecimalPrecision} and 0 <= s <= p (its scaled value must fit int64); declare DOUBLE or TEXT instead.");
                }

                return ColumnDefinition.DecimalOf(name, precision, scale);
            }
        }

        throw new CatalogException($"Column '{name}' is declared '{text.Trim()}', which is no type the node serves; use one of {Names}.");
    }
}
