using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Node.Storage.Internal;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataTrust.Node.Storage;

/// <summary>
/// The node's datasets, each a table in the node's own DuckDB file, with their metadata (schema, policy,
/// commitments) in a metadata table of the same file.
/// </summary>
/// <remarks>
/// Imports are atomic: the file is read into a staging table inside one transaction, checked, hashed, recorded in the
/// metadata table and renamed; any failure rolls the whole transaction back, leaving no table and no metadata.
/// Error messages name columns and counts, never values (DuckDB's own conversion messages quote values, so they are
/// never passed on).
/// </remarks>
public sealed partial class DatasetStore : IDisposable
{
    /// <summary>File name of the node database inside the data directory.</summary>
    public const string DatabaseFileName = "node.duckdb";

    private readonly string connectionString;
    private readonly ILogger logger;

    // Held open for the store's lifetime: DuckDB closes (and checkpoints) a database when its last connection closes,
    // so without it every query would reopen the file.
    private readonly DuckDBConnection anchor;

    /// <summary>Opens (creating when needed) the node database in <paramref name="dataDirectory"/>.</summary>
    /// <exception cref="StorageException">The database cannot be opened.</exception>
    public DatasetStore(string dataDirectory, ILogger<DatasetStore>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        Directory.CreateDirectory(dataDirectory);
        DatabasePath = Path.GetFullPath(Path.Combine(dataDirectory, DatabaseFileName));
        connectionString = new DuckDBConnectionStringBuilder { DataSource = DatabasePath }.ConnectionString;
        this.logger = logger ?? NullLogger<DatasetStore>.Instance;
        anchor = OpenConnection();
        Execute(anchor, $"""
            CREATE TABLE IF NOT EXISTS {SqlText.MetadataTable} (
                dataset_id VARCHAR NOT NULL,
                version INTEGER NOT NULL,
                schema_json VARCHAR NOT NULL,
                policy_json VARCHAR NOT NULL,
                schema_hash VARCHAR NOT NULL,
                snapshot_commitment VARCHAR NOT NULL,
                row_count BIGINT NOT NULL,
                imported_at TIMESTAMPTZ NOT NULL,
                non_negative_json VARCHAR NOT NULL,
                PRIMARY KEY (dataset_id, version))
            """);
        MigrateLegacyMetadata(anchor);
    }

    /// <summary>Closes the database.</summary>
    public void Dispose() => anchor.Dispose();

    /// <summary>Full path of the DuckDB file.</summary>
    public string DatabasePath { get; }

    /// <summary>
    /// Imports a CSV or Parquet file, atomically: as version 1 of a new dataset, or, when the id exists, as its next version
    /// (the versions before it are kept until dropped).
    /// </summary>
    /// <returns>The stored version with its schema hash and snapshot commitment.</returns>
    /// <exception cref="StorageException">Invalid id, missing file or column, a value that does not convert to its column
    /// type, an invalid policy, a snapshot identical to a version the node holds; nothing is stored.</exception>
    public DatasetDescriptor Import(DatasetImport import)
    {
        ArgumentNullException.ThrowIfNull(import);
        if (!SqlText.IsValidDatasetId(import.DatasetId))
        {
            throw new StorageException(
                "A dataset id is a lower-case letter followed by lower-case letters, digits or underscores (at most 48 characters).");
        }

        if (!Enum.IsDefined(import.Format))
        {
            throw new StorageException("Choose CSV or Parquet as the import format.");
        }

        ArgumentNullException.ThrowIfNull(import.Policy);
        var path = Path.GetFullPath(import.Path);
        if (!File.Exists(path))
        {
            throw new StorageException($"The import file '{path}' does not exist; check the path.");
        }

        using var connection = OpenConnection();
        var source = import.Format == ImportFormat.Csv
            ? "read_csv($1, header = true, all_varchar = true)"
            : "read_parquet($1)";
        var schema = ResolveSchema(connection, import, path);
        try
        {
            import.Policy.Validate(schema);
        }
        catch (CatalogException e)
        {
            throw new StorageException("The policy does not fit the schema: " + e.Message, e);
        }

        // The rows are hashed while DuckDB writes them (StagedRowHashing), or else by a scan of the staged table.
        var hashWhileWriting = StagedRowHashing.EnsureRegistered(connection);
        using var transaction = connection.BeginTransaction();
        try
        {
            var version = NextVersion(connection, import.DatasetId);
            var staging = SqlText.Quote("staging_" + import.DatasetId + "_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
            var text = import.Format == ImportFormat.Csv;

            // The commitment's pass over the staged rows also checks the ranges the casts admit (NaN, infinities, years
            // beyond 0001..9999: the builder refuses them, and the source is then scanned once to name the column) and
            // finds the columns without negative numbers.
            (Hash32 Commitment, long RowCount, HashSet<string> NonNegative)? committed = null;
            if (hashWhileWriting)
            {
                var builder = SnapshotCommitmentBuilder.ForConcurrentRows(schema, EstimateRows(connection, path, text));
                var token = StagedRowHashing.Begin(schema, builder);
                bool[] negative;
                try
                {
                    CreateStaging(connection, schema, staging, source, path, text, token);
                }
                finally
                {
                    negative = StagedRowHashing.End(token);
                }

                // Every stored row hashed exactly once, or the scan decides (the value never depends on DuckDB's plan).
                var staged = Count(connection, staging);
                if (staged == builder.RowCount)
                {
                    committed = (builder.Complete(), staged, NonNegativeOf(schema, negative));
                }
                else
                {
                    LogRehashed(import.DatasetId, builder.RowCount, staged);
                }
            }
            else
            {
                CreateStaging(connection, schema, staging, source, path, text, token: null);
            }

            try
            {
                committed ??= Commit(connection, schema, staging);
            }
            catch (StorageException e) when (e.InnerException is CatalogException)
            {
                Explain(schema, source, path, text);
                throw;
            }

            var (commitment, rowCount, nonNegative) = committed.Value;
            if (ReadMetadata(connection, import.DatasetId, null).FirstOrDefault(v => v.SnapshotCommitment == commitment) is { } same)
            {
                throw new StorageException(
                    $"The file holds the same snapshot as version {same.Version} of '{import.DatasetId}' (commitment {commitment}); a new version needs new data. Nothing was stored.");
            }

            var importedAt = DateTimeOffset.UtcNow;
            using (var insert = connection.CreateCommand())
            {
                insert.CommandText = $"INSERT INTO {SqlText.MetadataTable} VALUES ($1, $9, $2, $3, $4, $5, $6, $7, $8)";
                insert.Parameters.Add(new DuckDBParameter(import.DatasetId));
                insert.Parameters.Add(new DuckDBParameter(MetadataCodec.EncodeSchema(schema)));
                insert.Parameters.Add(new DuckDBParameter(MetadataCodec.EncodePolicy(import.Policy)));
                insert.Parameters.Add(new DuckDBParameter(schema.SchemaHash.ToString()));
                insert.Parameters.Add(new DuckDBParameter(commitment.ToString()));
                insert.Parameters.Add(new DuckDBParameter(rowCount));
                insert.Parameters.Add(new DuckDBParameter(importedAt.UtcDateTime));
                insert.Parameters.Add(new DuckDBParameter(System.Text.Json.JsonSerializer.Serialize(nonNegative.Order(StringComparer.Ordinal))));
                insert.Parameters.Add(new DuckDBParameter(version));
                insert.ExecuteNonQuery();
            }

            var stored = new DatasetDescriptor(import.DatasetId, schema, import.Policy, commitment, rowCount, importedAt, nonNegative) { Version = version };
            Execute(connection, $"DROP TABLE IF EXISTS {SqlText.TableOf(stored)}");
            Execute(connection, $"ALTER TABLE {staging} RENAME TO {SqlText.TableOf(stored)}");
            transaction.Commit();
            LogImported(import.DatasetId, version, rowCount, schema.Columns.Count);
            return stored;
        }
        catch (StorageException)
        {
            transaction.Rollback();
            LogImportFailed(import.DatasetId);
            throw;
        }
        catch (DuckDBException e)
        {
            transaction.Rollback();
            LogImportFailed(import.DatasetId);

            // DuckDB's message may quote a value from the file, so only its category is passed on.
            var hint = e.ErrorType == DuckDB.NET.Native.DuckDBErrorType.Io
                ? $" The node could not write its database '{DatabasePath}': free disk space (or raise the file size limit) and import again."
                : string.Empty;
            throw new StorageException($"The import of '{import.DatasetId}' failed in the database ({e.ErrorType}); nothing was stored.{hint}");
        }
    }

    /// <summary>The newest version of the dataset with this id, or null.</summary>
    public DatasetDescriptor? Find(string datasetId)
    {
        ArgumentNullException.ThrowIfNull(datasetId);
        if (!SqlText.IsValidDatasetId(datasetId))
        {
            return null;
        }

        using var connection = OpenConnection();
        return ReadMetadata(connection, datasetId, null).LastOrDefault();
    }

    /// <summary>One local version of a dataset, or null when the node does not hold it.</summary>
    public DatasetDescriptor? Find(string datasetId, int version)
    {
        ArgumentNullException.ThrowIfNull(datasetId);
        if (!SqlText.IsValidDatasetId(datasetId) || version < 1)
        {
            return null;
        }

        using var connection = OpenConnection();
        return ReadMetadata(connection, datasetId, version).FirstOrDefault();
    }

    /// <summary>The local version of a dataset whose snapshot has this commitment, or null when the node holds none.</summary>
    public DatasetDescriptor? FindByCommitment(string datasetId, Hash32 snapshotCommitment)
    {
        ArgumentNullException.ThrowIfNull(datasetId);
        return SqlText.IsValidDatasetId(datasetId)
            ? Versions(datasetId).FirstOrDefault(v => v.SnapshotCommitment == snapshotCommitment)
            : null;
    }

    /// <summary>Every version the node holds of a dataset, oldest first (empty when it holds none).</summary>
    public IReadOnlyList<DatasetDescriptor> Versions(string datasetId)
    {
        ArgumentNullException.ThrowIfNull(datasetId);
        if (!SqlText.IsValidDatasetId(datasetId))
        {
            return [];
        }

        using var connection = OpenConnection();
        return ReadMetadata(connection, datasetId, null);
    }

    /// <summary>The newest version of every dataset, ordered by id.</summary>
    public IReadOnlyList<DatasetDescriptor> List() =>
        [.. ListVersions().GroupBy(d => d.Id, StringComparer.Ordinal).Select(g => g.Last())];

    /// <summary>Every version of every dataset, ordered by id, then version.</summary>
    public IReadOnlyList<DatasetDescriptor> ListVersions()
    {
        using var connection = OpenConnection();
        return ReadMetadata(connection, null, null);
    }

    /// <summary>
    /// Drops one local version of a dataset (its rows, metadata and audit state), or every version when
    /// <paramref name="version"/> is null, atomically. Whether the chain still names it is the caller's check.
    /// </summary>
    /// <returns>The versions dropped.</returns>
    /// <exception cref="StorageException">The node holds no such dataset or version; nothing was dropped.</exception>
    public IReadOnlyList<DatasetDescriptor> Drop(string datasetId, int? version = null)
    {
        ArgumentNullException.ThrowIfNull(datasetId);
        var held = Versions(datasetId);
        if (held.Count == 0)
        {
            throw new StorageException($"This node holds no dataset '{datasetId}'; `node datasets list` shows what it holds.");
        }

        var doomed = version is { } n ? held.Where(v => v.Version == n).ToList() : [.. held];
        if (doomed.Count == 0)
        {
            throw new StorageException(
                $"This node holds no version {version} of '{datasetId}'; it holds version(s) {string.Join(", ", held.Select(v => v.Version))}.");
        }

        using var connection = OpenConnection();
        using var transaction = connection.BeginTransaction();
        try
        {
            foreach (var v in doomed)
            {
                using (var delete = connection.CreateCommand())
                {
                    delete.CommandText = $"DELETE FROM {SqlText.MetadataTable} WHERE dataset_id = $1 AND version = $2";
                    delete.Parameters.Add(new DuckDBParameter(v.Id));
                    delete.Parameters.Add(new DuckDBParameter(v.Version));
                    delete.ExecuteNonQuery();
                }

                Execute(connection, $"DROP TABLE IF EXISTS {SqlText.TableOf(v)}");
                Execute(connection, $"DROP TABLE IF EXISTS {SqlText.Quote(Protection.Internal.CrossQueryAudit.StateTablePrefix + v.StorageKey)}");
            }

            transaction.Commit();
        }
        catch (DuckDBException e)
        {
            transaction.Rollback();
            throw new StorageException($"Dropping '{datasetId}' failed in the database ({e.ErrorType}); nothing was dropped.");
        }

        foreach (var v in doomed)
        {
            LogDropped(v.Id, v.Version);
        }

        return doomed;
    }

    /// <summary>Opens a connection to the node database (the caller disposes it).</summary>
    internal DuckDBConnection OpenConnection()
    {
        var connection = new DuckDBConnection(connectionString);
        try
        {
            connection.Open();

            // TIMESTAMPTZ values are UTC instants; with the session zone at UTC, a zone-less text or TIMESTAMP cast to
            // TIMESTAMPTZ (and back) reads as UTC on every machine, whatever its local zone.
            using var zone = connection.CreateCommand();
            zone.CommandText = "SET TimeZone = 'UTC'";
            zone.ExecuteNonQuery();
        }
        catch (DuckDBException e)
        {
            connection.Dispose();
            throw new StorageException($"The node database '{DatabasePath}' cannot be opened ({e.ErrorType}).", e);
        }

        return connection;
    }

    /// <summary>
    /// The schema an import stores: the explicit schema, or the file's columns with inferred types, in both cases with the
    /// overrides applied and the excluded columns left out. Every mistake is one sentence naming the column and the fix.
    /// </summary>
    private static DatasetSchema ResolveSchema(DuckDBConnection connection, DatasetImport import, string path)
    {
        var sql = import.Format == ImportFormat.Csv
            ? "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_csv($1, header = true))"
            : "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($1))";
        var file = ReadDescription(connection, sql, path);
        var fileNames = file.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        string Listing() => string.Join(", ", file.Take(20).Select(d => d.Name)) + (file.Count > 20 ? ", …" : string.Empty);

        var exclude = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in import.Exclude ?? [])
        {
            if (!fileNames.Contains(name))
            {
                throw new StorageException($"--exclude names column '{name}', which the file does not have (names are matched exactly); its columns are {Listing()}.");
            }

            exclude.Add(name);
        }

        var overrides = new Dictionary<string, ColumnDefinition>(StringComparer.Ordinal);
        foreach (var (name, type) in import.Overrides ?? new Dictionary<string, string>())
        {
            if (!fileNames.Contains(name))
            {
                throw new StorageException($"--column names column '{name}', which the file does not have (names are matched exactly); its columns are {Listing()}.");
            }

            if (exclude.Contains(name))
            {
                throw new StorageException($"Column '{name}' is both excluded and given a type; drop one of --exclude {name} and --column {name}=….");
            }

            overrides[name] = Parse(name, type);
        }

        List<ColumnDefinition> columns;
        if (import.Schema is { } given)
        {
            columns = [];
            foreach (var column in given.Columns)
            {
                if (!fileNames.Contains(column.Name))
                {
                    throw new StorageException($"The file has no column '{column.Name}'; the schema needs it (names are matched exactly). Its columns are {Listing()}.");
                }

                if (!exclude.Contains(column.Name))
                {
                    columns.Add(overrides.GetValueOrDefault(column.Name) ?? column);
                }
            }

            var stray = overrides.Keys.FirstOrDefault(name => given.Find(name) is null);
            if (stray is not null)
            {
                throw new StorageException($"--column names column '{stray}', which the schema does not list; add it to the schema file instead.");
            }
        }
        else
        {
            columns = [];
            var unserved = new List<string>();
            foreach (var (name, type) in file)
            {
                if (exclude.Contains(name))
                {
                    continue;
                }

                var column = overrides.GetValueOrDefault(name) ?? SqlText.InferredColumn(name, type, import.Format == ImportFormat.Csv);
                if (column is null)
                {
                    unserved.Add($"Column '{name}' is {type} in the file, a type the node cannot serve; leave it out with --exclude {name}, or give it a type with --column {name}=TEXT (or another of {ColumnTypes.Names}).");
                    continue;
                }

                columns.Add(column);
            }

            if (unserved.Count > 0)
            {
                throw new StorageException(string.Join(" ", unserved) + " Nothing was stored.");
            }
        }

        try
        {
            return new DatasetSchema(columns);
        }
        catch (CatalogException e)
        {
            throw new StorageException("The schema is invalid: " + e.Message + " Rename the file's columns, leave them out with --exclude, or give an explicit schema.", e);
        }
    }

    private static ColumnDefinition Parse(string name, string type)
    {
        try
        {
            return ColumnTypes.Parse(name, type);
        }
        catch (CatalogException e)
        {
            throw new StorageException(e.Message, e);
        }
    }

    private static List<(string Name, string Type)> ReadDescription(DuckDBConnection connection, string sql, string path)
    {
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.Parameters.Add(new DuckDBParameter(path));
            using var reader = command.ExecuteReader();
            var result = new List<(string, string)>();
            while (reader.Read())
            {
                result.Add((reader.GetString(0), reader.GetString(1)));
            }

            return result;
        }
        catch (DuckDBException e)
        {
            throw new StorageException($"The file '{path}' cannot be read as the chosen format ({e.ErrorType}).");
        }
    }

    /// <summary>
    /// Reads the file into the typed staging table in one scan, with strict casts (a value that does not convert, or that
    /// the cast would change, aborts it). The typed values a cast admits but the node does not (NaN, years beyond
    /// 0001..9999) are refused by the commitment's pass over the staged rows. Only when something fails is the file scanned
    /// again, on a separate connection, to name the column, the count and the first row.
    /// </summary>
    private void CreateStaging(DuckDBConnection connection, DatasetSchema schema, string staging, string source, string path, bool text, long? token)
    {
        var select = string.Join(", ", schema.Columns.Select(c =>
        {
            var cast = $"CAST({SqlText.Quote(c.Name)} AS {SqlText.StorageType(c)})";
            return (Lossy(c, text) is { } lossy ? $"CASE WHEN {lossy} THEN error('lossy') ELSE {cast} END" : cast) + $" AS {SqlText.Quote(c.Name)}";
        }));
        try
        {
            var names = string.Join(", ", schema.Columns.Select(c => SqlText.Quote(c.Name)));
            ExecuteWithPath(connection, token is { } t
                ? $"CREATE TABLE {staging} AS SELECT {names} FROM (SELECT {select} FROM {source}) WHERE {StagedRowHashing.FunctionName}({t.ToString(System.Globalization.CultureInfo.InvariantCulture)}::BIGINT, {names})"
                : $"CREATE TABLE {staging} AS SELECT {select} FROM {source}", path);
        }
        catch (DuckDBException e) when (e.ErrorType != DuckDB.NET.Native.DuckDBErrorType.Io)
        {
            Explain(schema, source, path, text);
            throw;
        }
    }

    /// <summary>Throws the StorageException naming the first column with values that fail, scanning the file on a separate connection.</summary>
    private void Explain(DatasetSchema schema, string source, string path, bool text)
    {
        using var probe = OpenConnection();
        CheckConversions(probe, schema, source, path, text);
    }

    /// <summary>A condition on typed values the node refuses though the cast admits them (NaN and infinities, years beyond 0001..9999).</summary>
    private static string OutOfRange(ColumnDefinition column, string value) => column.Type switch
    {
        ColumnType.Double => $"NOT isfinite({value})",
        ColumnType.Timestamp => $"(NOT isfinite({value}) OR {value} NOT BETWEEN TIMESTAMP '0001-01-01 00:00:00' AND TIMESTAMP '9999-12-31 23:59:59.999999')",
        ColumnType.TimestampTz => $"(NOT isfinite({value}) OR {value} NOT BETWEEN TIMESTAMPTZ '0001-01-01 00:00:00+00' AND TIMESTAMPTZ '9999-12-31 23:59:59.999999+00')",
        _ => "false",
    };

    /// <summary>
    /// From text (CSV), a condition true for a value the cast would change rather than refuse: a DECIMAL with more
    /// fractional digits (trailing zeros aside) than its scale, which DuckDB would round, and a DATE written with more than
    /// yyyy-MM-dd (a time of day DuckDB would drop); null when there is none.
    /// </summary>
    private static string? Lossy(ColumnDefinition column, bool text)
    {
        var name = SqlText.Quote(column.Name);
        return (column.Type, text) switch
        {
            (ColumnType.Decimal, true) => $"{name} IS NOT NULL AND length(rtrim(split_part(trim({name}), '.', 2), '0')) > {column.Scale.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
            (ColumnType.Date, true) => $"{name} IS NOT NULL AND length(trim({name})) > 10",
            _ => null,
        };
    }

    private static void CheckConversions(DuckDBConnection connection, DatasetSchema schema, string source, string path, bool text)
    {
        // One scan counts, per column, the values that do not convert; the error then names the column, the count and
        // the first failing row, never the value.
        var checks = string.Join(", ", schema.Columns.Select(c => $"count(*) FILTER (WHERE {Fails(c, text)})"));
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {checks} FROM {source}";
        command.Parameters.Add(new DuckDBParameter(path));
        using var reader = command.ExecuteReader();
        reader.Read();
        for (var i = 0; i < schema.Columns.Count; i++)
        {
            var failures = Convert.ToInt64(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
            if (failures > 0)
            {
                var column = schema.Columns[i];
                var row = FirstFailingRow(connection, column, source, path, text);
                var where = row is { } r ? $" (the first is in data row {r}, the header not counted)" : string.Empty;
                throw new StorageException(
                    $"{failures} value(s) of column '{column.Name}' do not convert to {column.TypeName}{where}; fix the file, or declare another type with --column {column.Name}=… or leave it out with --exclude {column.Name}. Nothing was stored.");
            }
        }
    }

    /// <summary>
    /// A SQL condition true for a value of the source that the column's storage type cannot hold. From text (CSV), a value
    /// the cast would change is refused too: a DECIMAL with more fractional digits than the scale (DuckDB would round it)
    /// and a DATE with a time of day (DuckDB would drop it).
    /// </summary>
    private static string Fails(ColumnDefinition column, bool text)
    {
        var name = SqlText.Quote(column.Name);
        var cast = $"TRY_CAST({name} AS {SqlText.StorageType(column)})";
        var lossy = Lossy(column, text) is { } condition ? $" OR ({condition})" : string.Empty;
        return $"{name} IS NOT NULL AND ({cast} IS NULL OR {OutOfRange(column, cast)}{lossy})";
    }

    /// <summary>The 1-based data row of the first value of <paramref name="column"/> that does not convert (a second scan, run only on failure).</summary>
    private static long? FirstFailingRow(DuckDBConnection connection, ColumnDefinition column, string source, string path, bool text)
    {
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT min(r) FROM (SELECT row_number() OVER () AS r, {SqlText.Quote(column.Name)} FROM {source}) WHERE {Fails(column, text)}";
            command.Parameters.Add(new DuckDBParameter(path));
            var value = command.ExecuteScalar();
            return value is null or DBNull ? null : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (DuckDBException)
        {
            return null;
        }
    }

    private static (Hash32 Commitment, long RowCount, HashSet<string> NonNegative) Commit(DuckDBConnection connection, DatasetSchema schema, string table)
    {
        var builder = new SnapshotCommitmentBuilder(schema, Count(connection, table));
        bool[] negative;
        try
        {
            negative = VectorRowReader.ReadInto(connection, schema, table, builder);
        }
        catch (CatalogException e)
        {
            throw new StorageException($"A value of the file cannot be stored: {e.Message} Fix the file or the schema. Nothing was stored.", e);
        }

        return (builder.Complete(), builder.RowCount, NonNegativeOf(schema, negative));
    }

    /// <summary>The numeric columns holding no negative value (or only NULLs), from the pass's per-column flags.</summary>
    private static HashSet<string> NonNegativeOf(DatasetSchema schema, bool[] negative) =>
        schema.Columns.Where((c, i) => c.Type.IsNumeric() && !negative[i]).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);

    private static long Count(DuckDBConnection connection, string table)
    {
        using var count = connection.CreateCommand();
        count.CommandText = $"SELECT count(*) FROM {table}";
        return Convert.ToInt64(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// About how many rows the file holds, to size the hash array: a Parquet file's count from its footers; a CSV file's
    /// size over the mean length of its first lines (a little over, so the array rarely grows).
    /// </summary>
    private static long EstimateRows(DuckDBConnection connection, string path, bool text)
    {
        if (!text)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM read_parquet($1)";
            command.Parameters.Add(new DuckDBParameter(path));
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }

        using var file = File.OpenRead(path);
        var sample = new byte[(int)Math.Min(file.Length, 1 << 20)];
        file.ReadExactly(sample);
        var lines = sample.AsSpan().Count((byte)'\n');
        return lines == 0 ? 0 : (long)(file.Length / ((double)sample.Length / lines) * 1.05);
    }

    /// <summary>The commitment to a table read row by row through the ADO.NET reader: the import's path before the
    /// vector reader, kept as the reference it is tested against.</summary>
    internal static Hash32 CommitThroughReader(DuckDBConnection connection, DatasetSchema schema, string table)
    {
        var builder = new SnapshotCommitmentBuilder(schema);
        using var command = SelectAll(connection, schema, table);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            ReadRow(reader, schema, builder);
        }

        return builder.Complete();
    }

    /// <summary>The commitment to a table read through <see cref="VectorRowReader"/> (what an import computes).</summary>
    internal static Hash32 CommitThroughVectors(DuckDBConnection connection, DatasetSchema schema, string table) =>
        Commit(connection, schema, table).Commitment;

    /// <summary>
    /// The snapshot of a dataset as the canonical CSV of <see cref="SnapshotCsv"/>, in chunks of 1 to
    /// <paramref name="maxChunkBytes"/> bytes, read lazily (one chunk and one row in memory). Only for OPEN datasets:
    /// the caller checks the grade, this method reads every row.
    /// </summary>
    /// <remarks>The rows are hashed again as they are read; if they no longer match the stored commitment the last chunk
    /// is withheld and <see cref="StorageException"/> is thrown, so a complete download is always the committed snapshot.</remarks>
    /// <exception cref="StorageException">The dataset is not OPEN, its table is gone, or its rows no longer match its commitment.</exception>
    public IEnumerable<byte[]> ReadSnapshot(DatasetDescriptor dataset, int maxChunkBytes)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxChunkBytes);
        if (dataset.Policy.Grade != ProtectionGrade.Open)
        {
            // Defence in depth: the rows of RESTRICTED and SENSITIVE datasets never leave the node.
            throw new StorageException($"Dataset '{dataset.Id}' is {dataset.Policy.Grade.Name()}; only the snapshot of an OPEN dataset is ever read out.");
        }

        return ReadSnapshotCore(dataset, maxChunkBytes);
    }

    private IEnumerable<byte[]> ReadSnapshotCore(DatasetDescriptor dataset, int maxChunkBytes)
    {
        var writer = new SnapshotCsvWriter(dataset.Schema);
        var builder = new SnapshotCommitmentBuilder(dataset.Schema, dataset.RowCount);
        var both = new TeeSink(writer, builder);
        using var connection = OpenConnection();
        using var command = SelectAll(connection, dataset.Schema, SqlText.TableOf(dataset));
        DbDataReader reader;
        try
        {
            reader = command.ExecuteReader();
        }
        catch (DuckDBException e)
        {
            throw new StorageException($"The table of dataset '{dataset.Id}' cannot be read ({e.ErrorType}).");
        }

        using (reader)
        {
            while (reader.Read())
            {
                ReadRow(reader, dataset.Schema, both);

                // Whole chunks go out as soon as they are full; the tail waits for the commitment check below.
                while (writer.Buffered > maxChunkBytes)
                {
                    yield return writer.Take(maxChunkBytes);
                }
            }
        }

        if (builder.Complete() != dataset.SnapshotCommitment || builder.RowCount != dataset.RowCount)
        {
            throw new StorageException($"The rows of dataset '{dataset.Id}' no longer match its snapshot commitment; the node's copy was altered, and the download was cut short.");
        }

        while (writer.Buffered > 0)
        {
            yield return writer.Take(maxChunkBytes);
        }
    }

    private static DuckDBCommand SelectAll(DuckDBConnection connection, DatasetSchema schema, string table)
    {
        var command = connection.CreateCommand();
        command.CommandText = $"SELECT {string.Join(", ", schema.Columns.Select(SqlText.ReadExpression))} FROM {table}";

        // Streamed chunk by chunk: DuckDB scans the next rows while these are hashed, and a 10M-row table is never held
        // a second time as one materialized result.
        command.UseStreamingMode = true;
        return command;
    }

    /// <summary>Hands the current row's typed values to <paramref name="sink"/>, in schema order.</summary>
    private static void ReadRow(DbDataReader reader, DatasetSchema schema, ISnapshotRowSink sink)
    {
        for (var i = 0; i < schema.Columns.Count; i++)
        {
            if (reader.IsDBNull(i))
            {
                sink.AppendNull();
                continue;
            }

            switch (schema.Columns[i].Type)
            {
                case ColumnType.Int:
                    sink.AppendInt(reader.GetInt64(i));
                    break;
                case ColumnType.Decimal:
                    sink.AppendDecimal(reader.GetDecimal(i));
                    break;
                case ColumnType.Text:
                    sink.AppendText(reader.GetString(i));
                    break;
                case ColumnType.Date:
                    sink.AppendDate(reader.GetFieldValue<DateOnly>(i));
                    break;
                case ColumnType.Bool:
                    sink.AppendBool(reader.GetBoolean(i));
                    break;
                case ColumnType.Timestamp:
                    sink.AppendTimestamp(reader.GetInt64(i));
                    break;
                case ColumnType.TimestampTz:
                    sink.AppendTimestampTz(reader.GetInt64(i));
                    break;
                case ColumnType.Double:
                    sink.AppendDouble(reader.GetDouble(i));
                    break;
                default:
                    throw new StorageException($"Column '{schema.Columns[i].Name}' has an undefined type.");
            }
        }

        sink.EndRow();
    }

    private static int NextVersion(DuckDBConnection connection, string datasetId)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT coalesce(max(version), 0) FROM {SqlText.MetadataTable} WHERE dataset_id = $1";
        command.Parameters.Add(new DuckDBParameter(datasetId));
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) + 1;
    }

    /// <summary>A database written before versions keeps one row per dataset in the legacy table: each becomes version 1
    /// (whose table name is unchanged), in one transaction.</summary>
    private static void MigrateLegacyMetadata(DuckDBConnection connection)
    {
        using (var exists = connection.CreateCommand())
        {
            exists.CommandText = "SELECT count(*) FROM duckdb_tables() WHERE table_name = $1";
            exists.Parameters.Add(new DuckDBParameter(SqlText.LegacyMetadataTable));
            if (Convert.ToInt64(exists.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                return;
            }
        }

        using var transaction = connection.BeginTransaction();
        Execute(connection, $"""
            INSERT INTO {SqlText.MetadataTable}
            SELECT dataset_id, 1, schema_json, policy_json, schema_hash, snapshot_commitment, row_count, imported_at, non_negative_json
            FROM {SqlText.LegacyMetadataTable}
            """);
        Execute(connection, $"DROP TABLE {SqlText.LegacyMetadataTable}");
        transaction.Commit();
    }

    private static List<DatasetDescriptor> ReadMetadata(DuckDBConnection connection, string? datasetId, int? version)
    {
        using var command = connection.CreateCommand();
        var sql = new StringBuilder(
            $"SELECT dataset_id, schema_json, policy_json, schema_hash, snapshot_commitment, row_count, imported_at, non_negative_json, version FROM {SqlText.MetadataTable}");
        if (datasetId is not null)
        {
            sql.Append(" WHERE dataset_id = $1");
            command.Parameters.Add(new DuckDBParameter(datasetId));
            if (version is { } n)
            {
                sql.Append(" AND version = $2");
                command.Parameters.Add(new DuckDBParameter(n));
            }
        }

        sql.Append(" ORDER BY dataset_id, version");
        command.CommandText = sql.ToString();
        using var reader = command.ExecuteReader();
        var result = new List<DatasetDescriptor>();
        while (reader.Read())
        {
            var schema = MetadataCodec.DecodeSchema(reader.GetString(1));
            if (Hash32.Parse(reader.GetString(3)) != schema.SchemaHash)
            {
                throw new StorageException($"The stored schema hash of '{reader.GetString(0)}' does not match its schema; the metadata was altered.");
            }

            result.Add(new DatasetDescriptor(
                reader.GetString(0),
                schema,
                MetadataCodec.DecodePolicy(reader.GetString(2)),
                Hash32.Parse(reader.GetString(4)),
                reader.GetInt64(5),
                new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(6), DateTimeKind.Utc)),
                (System.Text.Json.JsonSerializer.Deserialize<string[]>(reader.GetString(7)) ?? []).ToHashSet(StringComparer.Ordinal))
            {
                Version = reader.GetInt32(8),
            });
        }

        return result;
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void ExecuteWithPath(DbConnection connection, string sql, string path)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add(new DuckDBParameter(path));
        command.ExecuteNonQuery();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Imported dataset {DatasetId} version {Version}: {RowCount} rows, {ColumnCount} columns")]
    private partial void LogImported(string datasetId, int version, long rowCount, int columnCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped dataset {DatasetId} version {Version}")]
    private partial void LogDropped(string datasetId, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import of dataset {DatasetId} failed and was rolled back")]
    private partial void LogImportFailed(string datasetId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import of dataset {DatasetId}: {Hashed} rows were hashed while writing but {Stored} were stored; the commitment is computed by a scan of the stored rows instead")]
    private partial void LogRehashed(string datasetId, long hashed, long stored);
}
