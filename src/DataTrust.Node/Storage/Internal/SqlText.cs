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

    /// <summary>The DuckDB type a logical column is stored as.</summary>
    public static string StorageType(ColumnType type) => type switch
    {
        ColumnType.Int => "BIGINT",
        ColumnType.Decimal => $"DECIMAL({ColumnTypes.DecimalPrecision},{ColumnTypes.DecimalScale})",
        ColumnType.Text => "VARCHAR",
        ColumnType.Date => "DATE",
        ColumnType.Bool => "BOOLEAN",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Use a defined column type."),
    };

    /// <summary>Maps a type DuckDB inferred from a file to a logical type, or null when there is none.</summary>
    public static ColumnType? InferredType(string duckDbType)
    {
        var upper = duckDbType.ToUpperInvariant();
        if (upper is "BIGINT" or "INTEGER" or "SMALLINT" or "TINYINT" or "UINTEGER" or "USMALLINT" or "UTINYINT")
        {
            return ColumnType.Int;
        }

        if (upper is "DOUBLE" or "FLOAT" or "REAL" || upper.StartsWith("DECIMAL", StringComparison.Ordinal))
        {
            return ColumnType.Decimal;
        }

        return upper switch
        {
            "VARCHAR" => ColumnType.Text,
            "DATE" => ColumnType.Date,
            "BOOLEAN" => ColumnType.Bool,
            _ => null,
        };
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,47}$", RegexOptions.CultureInvariant)]
    private static partial Regex DatasetIdPattern();
}
