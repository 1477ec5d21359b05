using System.Text.RegularExpressions;
using DataTrust.Core.Catalog;

namespace DataTrust.Node.Storage.Internal;

/// <summary>The only places identifiers and type names become SQL text; values are always bound as parameters.</summary>
internal static partial class SqlText
{
    /// <summary>Metadata table, one row per dataset version, in the same DuckDB file as the data.</summary>
    public const string MetadataTable = "datatrust_dataset_versions";

    /// <summary>The metadata table before versions (one row per dataset, all version 1); migrated on open.</summary>
    public const string LegacyMetadataTable = "datatrust_datasets";

    /// <summary>Quotes an identifier that has already passed <see cref="DatasetSchema.IsValidName"/> or <see cref="IsValidDatasetId"/>.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>The data table of version 1 of a dataset.</summary>
    public static string TableOf(string datasetId) => Quote("ds_" + datasetId);

    /// <summary>The data table of one version of a dataset (see <see cref="DatasetDescriptor.StorageKey"/>).</summary>
    public static string TableOf(DatasetDescriptor dataset) => Quote("ds_" + dataset.StorageKey);

    /// <summary>The storage key of a version: the id for version 1 (the table name before versions), else id@vN ('@' is in no id).</summary>
    public static string StorageKeyOf(string datasetId, int version) =>
        version == 1 ? datasetId : datasetId + "@v" + version.ToString(System.Globalization.CultureInfo.InvariantCulture);

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
