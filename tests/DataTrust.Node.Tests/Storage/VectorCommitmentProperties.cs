using System.Globalization;
using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Node.Storage;
using DataTrust.Node.Storage.Internal;
using DuckDB.NET.Data;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Logging;

namespace DataTrust.Node.Tests.Storage;

/// <summary>One stored value of the all-types table, or null; each is written to DuckDB as a SQL literal.</summary>
public sealed record TypedRow(
    long? Int,
    long? Small,
    long? Medium,
    long? Wide,
    string? Text,
    int? Date,
    bool? Bool,
    long? Timestamp,
    long? TimestampTz,
    double? Double)
{
    public override string ToString() => string.Join(" | ", VectorCommitmentProperties.Literals(this));
}

/// <summary>FsCheck generators of rows with edge values of every type: extremes, zero, -0, unicode of 1 to 4 UTF-8 bytes, inlined (≤ 12 bytes) and longer text.</summary>
public static class TypedRowGenerators
{
    public static Arbitrary<TypedRow[]> Rows() => Arb.From(Row.ArrayOf());

    /// <summary>One row.</summary>
    public static Gen<TypedRow> Row =>
        from i in Nullable(Gen.OneOf(Gen.Elements(long.MinValue, long.MaxValue, 0L, -1L), Gen.Choose(-1_000_000, 1_000_000).Select(v => (long)v)))
        from small in Nullable(Unscaled(4))
        from medium in Nullable(Unscaled(9))
        from wide in Nullable(Unscaled(18))
        from text in Nullable(Text)
        from date in Nullable(Gen.OneOf(Gen.Elements(MinDays, MaxDays, 0, -1), Gen.Choose(MinDays, MaxDays)))
        from b in Nullable(Gen.Elements(true, false))
        from ts in Nullable(Micros)
        from tz in Nullable(Micros)
        from d in Nullable(Double)
        select new TypedRow(i, small, medium, wide, text, date, b, ts, tz, d);

    private static readonly int MinDays = DateOnly.MinValue.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
    private static readonly int MaxDays = DateOnly.MaxValue.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    private static Gen<long?> Nullable(Gen<long> values) => Gen.Frequency((1, Gen.Constant<long?>(null)), (5, values.Select(v => (long?)v)));

    private static Gen<int?> Nullable(Gen<int> values) => Gen.Frequency((1, Gen.Constant<int?>(null)), (5, values.Select(v => (int?)v)));

    private static Gen<bool?> Nullable(Gen<bool> values) => Gen.Frequency((1, Gen.Constant<bool?>(null)), (5, values.Select(v => (bool?)v)));

    private static Gen<double?> Nullable(Gen<double> values) => Gen.Frequency((1, Gen.Constant<double?>(null)), (5, values.Select(v => (double?)v)));

    private static Gen<string?> Nullable(Gen<string> values) => Gen.Frequency((1, Gen.Constant<string?>(null)), (5, values.Select(v => (string?)v)));

    /// <summary>An unscaled DECIMAL of <paramref name="digits"/> digits at most, extremes included.</summary>
    private static Gen<long> Unscaled(int digits)
    {
        var limit = (long)Math.Pow(10, digits) - 1;
        return Gen.OneOf(
            Gen.Elements(limit, -limit, 0L, 1L, -1L),
            Gen.Choose(-99_999, 99_999).Select(v => Math.Clamp((long)v * 1_000_003 % (limit + 1), -limit, limit)));
    }

    private static Gen<long> Micros => Gen.OneOf(
        Gen.Elements(ColumnValues.MinTimestampMicros, ColumnValues.MaxTimestampMicros, 0L, -1L, 1L),
        Gen.Choose(-2_000_000, 2_000_000).Select(v => v * 1_000_003_007L));

    private static Gen<double> Double => Gen.OneOf(
        Gen.Elements(0.0, -0.0, double.Epsilon, -double.Epsilon, double.MaxValue, double.MinValue, 1e-300, 0.1, -2.5),
        Gen.Choose(-1_000_000, 1_000_000).Select(v => v / 7.0));

    private static Gen<string> Text => Gen.OneOf(
        Gen.Elements(string.Empty, "a", "twelve bytes", "thirteen byte", "é", "税务局", "𝄞 clef", "O'Brien", "line\nbreak", "  padded  "),
        Gen.Elements('a', 'Z', '0', ' ', 'é', 'ß', '中', '文', '\'', '"', ',').ArrayOf().Select(chars => new string(chars)));
}

public sealed class VectorCommitmentProperties : IDisposable
{
    private static readonly DatasetSchema Schema = new([
        new ColumnDefinition("i", ColumnType.Int),
        ColumnDefinition.DecimalOf("small", 4, 2),
        ColumnDefinition.DecimalOf("medium", 9, 3),
        ColumnDefinition.DecimalOf("wide", 18, 4),
        new ColumnDefinition("t", ColumnType.Text),
        new ColumnDefinition("d", ColumnType.Date),
        new ColumnDefinition("b", ColumnType.Bool),
        new ColumnDefinition("ts", ColumnType.Timestamp),
        new ColumnDefinition("tz", ColumnType.TimestampTz),
        new ColumnDefinition("x", ColumnType.Double),
    ]);

    private readonly TempDirectory temp = new();
    private readonly DatasetStore store;

    public VectorCommitmentProperties() => store = new DatasetStore(temp.Path);

    public void Dispose()
    {
        store.Dispose();
        temp.Dispose();
    }

    [Property(Arbitrary = [typeof(TypedRowGenerators)], MaxTest = 60)]
    public void Vector_reader_commitment_equals_the_ADO_reader_commitment(TypedRow[] rows)
    {
        using var connection = store.OpenConnection();
        var table = Create(connection, rows);

        Assert.Equal(DatasetStore.CommitThroughReader(connection, Schema, table), DatasetStore.CommitThroughVectors(connection, Schema, table));
    }

    [Fact]
    public void Vector_reader_commitment_equals_the_ADO_reader_commitment_across_many_chunks()
    {
        // 5,000 rows: three data chunks of DuckDB's results, the last one partial, and NULL masks across 64-row words.
        var rows = TypedRowGenerators.Row.Sample(50, 5_000);
        using var connection = store.OpenConnection();
        var table = Create(connection, rows);

        Assert.Equal(DatasetStore.CommitThroughReader(connection, Schema, table), DatasetStore.CommitThroughVectors(connection, Schema, table));
    }

    [Property(Arbitrary = [typeof(TypedRowGenerators)], MaxTest = 25)]
    public void An_import_hashing_rows_while_DuckDB_writes_them_commits_to_what_a_scan_of_the_stored_rows_gives(TypedRow[] rows)
    {
        // The rows go through a Parquet file and the node's import (hashed inside DuckDB's write), then the stored table
        // is read back through the ADO.NET reader: the same commitment, the same non-negative columns, and no fallback.
        string parquet;
        using (var connection = store.OpenConnection())
        {
            var table = Create(connection, rows);
            parquet = temp.File(table + ".parquet");
            Execute(connection, $"COPY {table} TO '{parquet}' (FORMAT parquet)");
        }

        using var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        using var target = new DatasetStore(Path.Combine(temp.Path, Guid.NewGuid().ToString("N")), factory.CreateLogger<DatasetStore>());
        var policy = new DatasetPolicy(1, DominanceRule.Disabled, ProtectionGrade.Restricted, ComputationKindSet.Aggregate, []);
        var imported = target.Import(new DatasetImport("typed", parquet, ImportFormat.Parquet, policy, Schema));

        using var read = target.OpenConnection();
        Assert.Equal(DatasetStore.CommitThroughReader(read, Schema, SqlText.TableOf(imported)), imported.SnapshotCommitment);
        Assert.Equal(rows.Length, imported.RowCount);
        Assert.DoesNotContain(logs.Lines, l => l.Contains("hashed while writing", StringComparison.Ordinal));
        string[] nonNegative = [.. new (string Name, bool Negative)[]
            {
                ("i", rows.Any(r => r.Int < 0)), ("small", rows.Any(r => r.Small < 0)), ("medium", rows.Any(r => r.Medium < 0)),
                ("wide", rows.Any(r => r.Wide < 0)), ("x", rows.Any(r => r.Double < 0)),
            }.Where(c => !c.Negative).Select(c => c.Name).Order(StringComparer.Ordinal)];
        Assert.Equal(nonNegative, imported.NonNegativeColumns.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Vector_reader_refuses_a_table_whose_column_type_differs_from_the_schema()
    {
        using var connection = store.OpenConnection();
        Execute(connection, "CREATE TABLE altered (i INTEGER, small DECIMAL(4,2), medium DECIMAL(9,3), wide DECIMAL(18,4), t VARCHAR, d DATE, b BOOLEAN, ts TIMESTAMP, tz TIMESTAMPTZ, x DOUBLE)");

        var error = Assert.Throws<StorageException>(() => DatasetStore.CommitThroughVectors(connection, Schema, "altered"));
        Assert.Contains("'i'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Vector_reader_refuses_a_date_beyond_the_year_9999()
    {
        using var connection = store.OpenConnection();
        var table = Create(connection, []);
        Execute(connection, $"INSERT INTO {table} (d) VALUES (DATE '10000-01-01')");

        var error = Assert.Throws<StorageException>(() => DatasetStore.CommitThroughVectors(connection, Schema, table));
        Assert.Contains("0001 to 9999", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The SQL literals of a row, in schema order.</summary>
    internal static IEnumerable<string> Literals(TypedRow row)
    {
        yield return row.Int is { } i ? $"CAST({i.ToString(CultureInfo.InvariantCulture)} AS BIGINT)" : "NULL";
        yield return Decimal(row.Small, Schema.Columns[1]);
        yield return Decimal(row.Medium, Schema.Columns[2]);
        yield return Decimal(row.Wide, Schema.Columns[3]);
        yield return row.Text is { } t ? "'" + t.Replace("'", "''", StringComparison.Ordinal) + "'" : "NULL";
        yield return row.Date is { } d ? $"DATE '1970-01-01' + {d.ToString(CultureInfo.InvariantCulture)}" : "NULL";
        yield return row.Bool is { } b ? (b ? "true" : "false") : "NULL";
        yield return row.Timestamp is { } ts ? $"make_timestamp({ts.ToString(CultureInfo.InvariantCulture)})" : "NULL";
        yield return row.TimestampTz is { } tz ? $"CAST(make_timestamp({tz.ToString(CultureInfo.InvariantCulture)}) AS TIMESTAMPTZ)" : "NULL";
        yield return row.Double is { } x ? $"CAST('{x.ToString("R", CultureInfo.InvariantCulture)}' AS DOUBLE)" : "NULL";
    }

    private static string Decimal(long? unscaled, ColumnDefinition column) => unscaled is { } v
        ? $"CAST('{(v / ColumnValues.Pow10(column.Scale)).ToString(CultureInfo.InvariantCulture)}' AS {column.TypeName})"
        : "NULL";

    private static string Create(DuckDBConnection connection, IReadOnlyList<TypedRow> rows)
    {
        var table = "t_" + Guid.NewGuid().ToString("N");
        Execute(connection, $"CREATE TABLE {table} ({string.Join(", ", Schema.Columns.Select(c => $"{c.Name} {SqlText.StorageType(c)}"))})");
        for (var start = 0; start < rows.Count; start += 500)
        {
            var values = new StringBuilder();
            foreach (var row in rows.Skip(start).Take(500))
            {
                values.Append(values.Length == 0 ? string.Empty : ", ").Append('(').AppendJoin(", ", Literals(row)).Append(')');
            }

            Execute(connection, $"INSERT INTO {table} VALUES {values}");
        }

        return table;
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
