using System.Text.RegularExpressions;
using DataTrust.Core.Catalog;

namespace DataTrust.Node.Storage.Internal;

/// <summary>The only places identifiers and type names become SQL text; values are always bound as parameters.</summary>
internal static partial class SqlText
{
    /// <summary>Metadata table, in the same DuckDB file as the data.</summary>
    public const string MetadataTable = "datatrust_datasets";

    /// <summary>Quotes an identifier that has already passed <see cref="DatasetSchema.IsValidName"/> or <see cref="IsValidDatasetId"/>.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>The data table of a dataset.</summary>
    public static string TableOf(string datasetId) => Quote("ds_" + datasetId);

    /// <summary>True for a valid dataset id.</summary>
    public static bool IsValidDatasetId(string? id) => id is not null && DatasetIdPattern().IsMatch(id);

    /// <summary>The DuckDB type a logical column is stored as (DECIMAL at the default scale).</summary>
    public static string StorageType(ColumnType type) => StorageType(new ColumnDefinition("c", type));

    /// <summary>The DuckDB type a column is stored as: BIGINT, DECIMAL(p,s), VARCHAR, DATE, BOOLEAN, TIMESTAMP,
    /// TIMESTAMPTZ (UTC instants; every connection runs with TimeZone UTC) or DOUBLE.</summary>
    public static string StorageType(ColumnDefinition column) => column.Type switch
    {
        ColumnType.Int => "BIGINT",
        ColumnType.Decimal => $"DECIMAL({column.Precision},{column.Scale})",
        ColumnType.Text => "VARCHAR",
        ColumnType.Date => "DATE",
        ColumnType.Bool => "BOOLEAN",
        ColumnType.Timestamp => "TIMESTAMP",
        ColumnType.TimestampTz => "TIMESTAMPTZ",
        ColumnType.Double => "DOUBLE",
        _ => throw new ArgumentOutOfRangeException(nameof(column), column.Type, "Use a defined column type."),
    };

    /// <summary>
    /// Maps a type DuckDB inferred from a file to a column, or null when the node cannot serve it (LIST, STRUCT, MAP, INTERVAL,
    /// TIME, BLOB, UUID, HUGEINT, UBIGINT, a DECIMAL wider than 18 digits…). A CSV column DuckDB reads as DOUBLE becomes
    /// DECIMAL(18,4) as before (declare DOUBLE to keep it floating); a Parquet FLOAT or DOUBLE stays DOUBLE.
    /// </summary>
    public static ColumnDefinition? InferredColumn(string name, string duckDbType, bool csv)
    {
        var upper = duckDbType.ToUpperInvariant();
        if (upper is "BIGINT" or "INTEGER" or "SMALLINT" or "TINYINT" or "UINTEGER" or "USMALLINT" or "UTINYINT")
        {
            return new ColumnDefinition(name, ColumnType.Int);
        }

        if (upper is "DOUBLE" or "FLOAT" or "REAL")
        {
            return new ColumnDefinition(name, csv ? ColumnType.Decimal : ColumnType.Double);
        }

        if (upper.StartsWith("DECIMAL(", StringComparison.Ordinal))
        {
            try
            {
                return ColumnTypes.Parse(name, upper);
            }
            catch (CatalogException)
            {
                return null;
            }
        }

        ColumnType? type = upper switch
        {
            "VARCHAR" => ColumnType.Text,
            "DATE" => ColumnType.Date,
            "BOOLEAN" => ColumnType.Bool,
            "TIMESTAMP" or "TIMESTAMP_S" or "TIMESTAMP_MS" or "TIMESTAMP_US" or "TIMESTAMP_NS" => ColumnType.Timestamp, // NS: truncated to the microsecond
            "TIMESTAMP WITH TIME ZONE" or "TIMESTAMPTZ" => ColumnType.TimestampTz,
            _ => null,
        };
        return type is { } t ? new ColumnDefinition(name, t) : null;
    }

    /// <summary>A SELECT expression that reads a stored column for hashing: timestamps as their microseconds since the epoch.</summary>
    public static string ReadExpression(ColumnDefinition column) => column.Type is ColumnType.Timestamp or ColumnType.TimestampTz
        ? $"epoch_us({Quote(column.Name)})"
        : Quote(column.Name);

    [GeneratedRegex("^[a-z][a-z0-9_]{0,47}$", RegexOptions.CultureInvariant)]
    private static partial Regex DatasetIdPattern();
}
