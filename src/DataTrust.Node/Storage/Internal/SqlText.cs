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
