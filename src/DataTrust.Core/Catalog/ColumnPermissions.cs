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
public enum ColumnType : byte
{
    /// <summary>64-bit signed integer.</summary>
    Int = 1,

    /// <summary>Fixed-point decimal with <see cref="ColumnTypes.DecimalScale"/> fractional digits.</summary>
    Decimal = 2,

    /// <summary>UTF-8 text.</summary>
    Text = 3,

    /// <summary>Calendar date (no time, no zone).</summary>
    Date = 4,

    /// <summary>Boolean.</summary>
    Bool = 5,
}

/// <summary>Facts about <see cref="ColumnType"/> shared by every component.</summary>
public static class ColumnTypes
{
    /// <summary>Number of fractional digits every DECIMAL column is stored with.</summary>
    public const int DecimalScale = 4;

    /// <summary>Total digits every DECIMAL column is stored with, so its scaled value always fits an <c>int64</c>.</summary>
    public const int DecimalPrecision = 18;

    /// <summary>True for the types that can be summed and averaged.</summary>
    public static bool IsNumeric(this ColumnType type) => type is ColumnType.Int or ColumnType.Decimal;
}
