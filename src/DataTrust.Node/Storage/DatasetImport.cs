using DataTrust.Core.Catalog;

namespace DataTrust.Node.Storage;

/// <summary>File format of an import.</summary>
public enum ImportFormat
{
    /// <summary>Comma-separated values with a header row.</summary>
    Csv = 1,

    /// <summary>Apache Parquet.</summary>
    Parquet = 2,
}

/// <summary>An operator's request to import a file as a new dataset.</summary>
/// <param name="DatasetId">New catalog id: a lower-case letter, then lower-case letters, digits or underscores (at most 48).</param>
/// <param name="Path">The file to import (operator-supplied; bound as a parameter, never spliced into SQL).</param>
/// <param name="Format">CSV or Parquet.</param>
/// <param name="Policy">Output-protection policy, validated against the schema.</param>
/// <param name="Schema">Explicit schema (columns taken from the file by name and cast), or null to infer it from the file.</param>
/// <param name="Overrides">Column name → type name (as <see cref="ColumnTypes.Parse"/> reads it) replacing the inferred or
/// declared type; every name must be a column of the file.</param>
/// <param name="Exclude">File columns left out of the dataset (e.g. one of a type the node cannot serve); each must exist.</param>
public sealed record DatasetImport(
    string DatasetId,
    string Path,
    ImportFormat Format,
    DatasetPolicy Policy,
    DatasetSchema? Schema = null,
    IReadOnlyDictionary<string, string>? Overrides = null,
    IReadOnlyList<string>? Exclude = null);
