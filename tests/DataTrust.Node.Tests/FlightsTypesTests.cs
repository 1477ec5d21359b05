using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Node.Query;
using DataTrust.Node.Samples;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using DuckDB.NET.Data;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Node.Tests;

/// <summary>A flights-like table (timestamps with and without zone, skewed airports, heavy-tailed delays, DECIMAL(10,2)
/// fares, booleans, NULLs) written by DuckDB as CSV and Parquet, imported with every type, and checked against DuckDB.</summary>
public sealed class FlightsTypesTests : IClassFixture<FlightsTypesTests.Files>
{
    private const int Rows = 12_000;

    private static readonly DatasetPolicy Policy = new(1, DominanceRule.Disabled, ProtectionGrade.Open, ComputationKindSet.Aggregate, [
        new ColumnPolicy("carrier", ColumnPermissions.GroupBy | ColumnPermissions.Filter),
        new ColumnPolicy("origin", ColumnPermissions.GroupBy | ColumnPermissions.Filter),
        new ColumnPolicy("flight_date", ColumnPermissions.GroupBy | ColumnPermissions.Filter),
        new ColumnPolicy("dep_time", ColumnPermissions.Filter),
        new ColumnPolicy("arr_time_utc", ColumnPermissions.Filter),
        new ColumnPolicy("dep_delay", ColumnPermissions.Aggregate | ColumnPermissions.MinMax | ColumnPermissions.Filter, -100, 100_000),
        new ColumnPolicy("fare", ColumnPermissions.Aggregate | ColumnPermissions.MinMax, 0, 10_000),
        new ColumnPolicy("distance", ColumnPermissions.Aggregate, 0, 5000),
        new ColumnPolicy("cancelled", ColumnPermissions.GroupBy | ColumnPermissions.Filter),
    ]);

    private readonly Files files;

    public FlightsTypesTests(Files files) => this.files = files;

    [Fact]
    public void A_parquet_import_infers_every_type_and_commits_to_the_rows_duckdb_reads()
    {
        using var temp = new TempDirectory();
        using var store = new DatasetStore(temp.Path);

        var imported = store.Import(new DatasetImport("flights", files.Parquet, ImportFormat.Parquet, Policy));

        Assert.Equal(FlightsSample.Schema.Columns, imported.Schema.Columns);
        Assert.Equal(FlightsSample.Schema.SchemaHash, imported.SchemaHash);
        Assert.Equal(Rows, imported.RowCount);
        Assert.Equal(IndependentCommitment(files.Parquet, imported.Schema), imported.SnapshotCommitment);
    }

    [Fact]
    public void A_csv_imported_with_a_schema_file_commits_to_the_same_rows_as_the_parquet()
    {
        using var temp = new TempDirectory();
        using var store = new DatasetStore(temp.Path);
        var schema = ImportSchemaFile.Parse(FlightsSample.SchemaJson, "flights.schema.json");

        var csv = store.Import(new DatasetImport("flights_csv", files.Csv, ImportFormat.Csv, Policy, schema));
        var parquet = store.Import(new DatasetImport("flights_parquet", files.Parquet, ImportFormat.Parquet, Policy));

        Assert.Equal(parquet.SchemaHash, csv.SchemaHash);
        Assert.Equal(parquet.SnapshotCommitment, csv.SnapshotCommitment);
    }

    [Fact]
    public void Csv_inference_with_per_column_overrides_reaches_the_declared_schema()
    {
        using var temp = new TempDirectory();
        using var store = new DatasetStore(temp.Path);
        var overrides = new Dictionary<string, string> { ["dep_delay"] = "DOUBLE", ["fare"] = "decimal(10, 2)" };

        var inferred = store.Import(new DatasetImport("plain", files.Csv, ImportFormat.Csv, Policy with { Columns = [] }));
        var overridden = store.Import(new DatasetImport("flights", files.Csv, ImportFormat.Csv, Policy, Overrides: overrides));

        // Without overrides a CSV number with a fraction becomes DECIMAL(18,4), as before; the overrides give the file's real types.
        Assert.Equal(ColumnType.Decimal, inferred.Schema.Find("dep_delay")!.Type);
        Assert.Equal(ColumnType.TimestampTz, inferred.Schema.Find("arr_time_utc")!.Type);
        Assert.Equal(FlightsSample.Schema.SchemaHash, overridden.SchemaHash);
        Assert.Equal(IndependentCommitment(files.Parquet, FlightsSample.Schema), overridden.SnapshotCommitment);
    }

    [Fact]
    public void The_open_snapshot_round_trips_every_type_through_the_canonical_csv()
    {
        using var temp = new TempDirectory();
        using var store = new DatasetStore(temp.Path);
        var imported = store.Import(new DatasetImport("flights", files.Parquet, ImportFormat.Parquet, Policy));

        var bytes = store.ReadSnapshot(imported, 64 << 10).SelectMany(c => c).ToArray();
        var (commitment, count) = SnapshotCsv.Commit(imported.Schema, bytes);
        var canonical = temp.File("canonical.csv");
        File.WriteAllBytes(canonical, bytes);
        var again = store.Import(new DatasetImport("again", canonical, ImportFormat.Csv, Policy, imported.Schema));

        Assert.Equal(imported.SnapshotCommitment, commitment);
        Assert.Equal(Rows, count);
        Assert.Equal(imported.SnapshotCommitment, again.SnapshotCommitment);
        var text = Encoding.UTF8.GetString(bytes, 0, 4096);
        Assert.Matches(@"\n\d+,\d{4}-\d\d-\d\d,""[A-Z0-9]{2}"",""[A-Z]{3}"",""[A-Z]{3}"",\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ,", text);
    }

    [Fact]
    public void Filters_on_timestamps_and_measures_on_doubles_and_decimals_equal_duckdb_on_the_file()
    {
        using var temp = new TempDirectory();
        using var store = new DatasetStore(temp.Path);
        store.Import(new DatasetImport("flights", files.Parquet, ImportFormat.Parquet, Policy));
        var from = Micros("2024-03-01 06:00:00");
        var to = Micros("2024-06-30 18:30:00");
        var arrivalFrom = Micros("2024-02-01 00:00:00");
        var query = Q.Query("flights", Q.Count(), Q.Sum("dep_delay"), Q.Avg("fare"), Q.Min("dep_delay"), Q.Max("fare"), Q.Sum("fare"),
                Q.Histogram("dep_delay", Q.Dbl(-10), Q.Dbl(0), Q.Dbl(15), Q.Dbl(60), Q.Dbl(100_000)))
            .GroupBy("carrier", "cancelled")
            .Where("dep_time", FilterOperator.Between, new Value { TimestampMicros = from }, new Value { TimestampMicros = to })
            .Where("arr_time_utc", FilterOperator.Ge, new Value { TimestamptzMicros = arrivalFrom })
            .Where("dep_delay", FilterOperator.Lt, Q.Dbl(500.5));

        var outcome = new AggregateExecutor(store).Execute(query, Epsilon.Zero);
        var expected = Direct(
            files.Parquet,
            """
            SELECT carrier, cancelled, count(*), sum(CAST(dep_delay AS DECIMAL(38,4))), avg(fare), min(dep_delay), max(fare), sum(fare),
                count(*) FILTER (WHERE dep_delay >= -10 AND dep_delay < 0), count(*) FILTER (WHERE dep_delay >= 0 AND dep_delay < 15),
                count(*) FILTER (WHERE dep_delay >= 15 AND dep_delay < 60), count(*) FILTER (WHERE dep_delay >= 60 AND dep_delay <= 100000)
            FROM read_parquet($1)
            WHERE dep_time BETWEEN TIMESTAMP '2024-03-01 06:00:00' AND TIMESTAMP '2024-06-30 18:30:00'
              AND arr_time_utc >= TIMESTAMPTZ '2024-02-01 00:00:00+00' AND dep_delay < 500.5
            GROUP BY carrier, cancelled ORDER BY carrier, cancelled
            """);

        Assert.True(outcome.Succeeded, outcome.Refusal?.Message);
        var rows = outcome.Result!.Rows;
        Assert.Equal(expected.Count, rows.Count);
        Assert.True(rows.Count >= 10, "the filters leave every carrier");
        for (var r = 0; r < rows.Count; r++)
        {
            var want = expected[r];
            var row = rows[r];
            Assert.Equal((string)want[0], row.Keys[0].StringValue);
            Assert.Equal((bool)want[1], row.Keys[1].BoolValue);
            Assert.Equal(Convert.ToInt64(want[2], CultureInfo.InvariantCulture), row.Cells[0].Value.IntValue);
            Assert.Equal(Convert.ToDecimal(want[3], CultureInfo.InvariantCulture), decimal.Parse(row.Cells[1].Value.DecimalValue, CultureInfo.InvariantCulture));
            Assert.Equal(Convert.ToDouble(want[4], CultureInfo.InvariantCulture), row.Cells[2].Value.DoubleValue, 9);
            Assert.Equal((double)want[5], row.Cells[3].Value.DoubleValue);
            Assert.Equal(Convert.ToDecimal(want[6], CultureInfo.InvariantCulture), decimal.Parse(row.Cells[4].Value.DecimalValue, CultureInfo.InvariantCulture));
            Assert.Equal(Convert.ToDecimal(want[7], CultureInfo.InvariantCulture), decimal.Parse(row.Cells[5].Value.DecimalValue, CultureInfo.InvariantCulture));
            Assert.Equal(
                Enumerable.Range(8, 4).Select(i => Convert.ToInt64(want[i], CultureInfo.InvariantCulture)),
                row.Cells[6].Histogram.Bins.Select(b => b.Count));
        }
    }

    [Fact]
    public void A_timestamp_filter_with_a_literal_of_another_kind_is_refused()
    {
        using var temp = new TempDirectory();
        using var store = new DatasetStore(temp.Path);
        store.Import(new DatasetImport("flights", files.Parquet, ImportFormat.Parquet, Policy));
        var executor = new AggregateExecutor(store);

        var wrongKind = executor.Execute(Q.Query("flights", Q.Count()).Where("dep_time", FilterOperator.Ge, new Value { TimestamptzMicros = 0 }), Epsilon.Zero);
        var beyond = executor.Execute(Q.Query("flights", Q.Count()).Where("arr_time_utc", FilterOperator.Ge, new Value { TimestamptzMicros = long.MaxValue }), Epsilon.Zero);
        var scale = executor.Execute(Q.Query("flights", Q.Count()).Where("dep_delay", FilterOperator.Ge, Q.Dec("1.5")), Epsilon.Zero);

        Assert.Equal(ErrorReason.LiteralTypeMismatch, wrongKind.Refusal!.Reason);
        Assert.Contains("timestamp_micros", wrongKind.Refusal.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorReason.LiteralTypeMismatch, beyond.Refusal!.Reason);
        Assert.Equal(ErrorReason.LiteralTypeMismatch, scale.Refusal!.Reason);
    }

    [Fact]
    public void A_noisy_sum_of_a_double_is_computed_on_its_discretised_clamped_values()
    {
        using var temp = new TempDirectory();
        using var store = new DatasetStore(temp.Path);
        store.Import(new DatasetImport("flights", files.Parquet, ImportFormat.Parquet, Policy with { EpsilonCap = new Epsilon(10_000_000) }));

        var outcome = new AggregateExecutor(store).Execute(Q.Query("flights", Q.Sum("dep_delay")), new Epsilon(5_000_000));
        var exact = Convert.ToDecimal(Direct(files.Parquet, "SELECT sum(CAST(least(greatest(dep_delay, -100), 100000) AS DECIMAL(38,4))) FROM read_parquet($1)")[0][0], CultureInfo.InvariantCulture);

        Assert.True(outcome.Succeeded, outcome.Refusal?.Message);
        var noisy = decimal.Parse(outcome.Result!.Rows[0].Cells[0].Value.DecimalValue, CultureInfo.InvariantCulture);
        // Sensitivity 100,000 at ε = 5: the Laplace scale is 20,000; 30 scales is far beyond any plausible draw.
        Assert.InRange(noisy, exact - 600_000, exact + 600_000);
    }

    [Fact]
    public void A_timestamp_column_left_out_of_the_policy_does_not_block_the_import()
    {
        using var temp = new TempDirectory();
        using var store = new DatasetStore(temp.Path);
        var policy = Policy with { Columns = [.. Policy.Columns.Where(c => c.Column is not ("dep_time" or "arr_time_utc"))] };

        var imported = store.Import(new DatasetImport("flights", files.Parquet, ImportFormat.Parquet, policy));

        Assert.Equal(ColumnType.Timestamp, imported.Schema.Find("dep_time")!.Type);
        Assert.Equal(ColumnPermissions.None, imported.Policy.For("dep_time").Permissions);
    }

    /// <summary>The commitment recomputed by a short encoder of its own from the rows DuckDB reads from the file.</summary>
    private static Hash32 IndependentCommitment(string parquet, DatasetSchema schema)
    {
        var select = string.Join(", ", schema.Columns.Select(c => c.Type is ColumnType.Timestamp or ColumnType.TimestampTz ? $"epoch_us({c.Name})" : c.Name));
        var hashes = new List<byte[]>();
        foreach (var row in Direct(parquet, $"SELECT {select} FROM read_parquet($1)"))
        {
            using var bytes = new MemoryStream();
            for (var i = 0; i < row.Length; i++)
            {
                if (row[i] is DBNull)
                {
                    bytes.WriteByte(0);
                    continue;
                }

                bytes.WriteByte(1);
                var buffer = new byte[8];
                switch (schema.Columns[i].Type)
                {
                    case ColumnType.Int or ColumnType.Timestamp or ColumnType.TimestampTz:
                        BinaryPrimitives.WriteInt64BigEndian(buffer, Convert.ToInt64(row[i], CultureInfo.InvariantCulture));
                        bytes.Write(buffer);
                        break;
                    case ColumnType.Decimal:
                        BinaryPrimitives.WriteInt64BigEndian(buffer, (long)(Convert.ToDecimal(row[i], CultureInfo.InvariantCulture) * 100m));
                        bytes.Write(buffer);
                        break;
                    case ColumnType.Double:
                        var d = (double)row[i];
                        BinaryPrimitives.WriteInt64BigEndian(buffer, BitConverter.DoubleToInt64Bits(d == 0 ? 0.0 : d));
                        bytes.Write(buffer);
                        break;
                    case ColumnType.Text:
                        var utf8 = Encoding.UTF8.GetBytes((string)row[i]);
                        BinaryPrimitives.WriteInt32BigEndian(buffer, utf8.Length);
                        bytes.Write(buffer, 0, 4);
                        bytes.Write(utf8);
                        break;
                    case ColumnType.Date:
                        var day = row[i] is DateOnly date ? date : DateOnly.FromDateTime((DateTime)row[i]);
                        BinaryPrimitives.WriteInt32BigEndian(buffer, day.DayNumber - new DateOnly(1970, 1, 1).DayNumber);
                        bytes.Write(buffer, 0, 4);
                        break;
                    case ColumnType.Bool:
                        bytes.WriteByte((bool)row[i] ? (byte)1 : (byte)0);
                        break;
                }
            }

            hashes.Add(SHA256.HashData(bytes.ToArray()));
        }

        hashes.Sort((a, b) => a.AsSpan().SequenceCompareTo(b));
        using var all = new MemoryStream();
        all.Write(Encoding.ASCII.GetBytes("DataTrust/snapshot/v1"));
        all.Write(schema.SchemaHash.Bytes);
        var count = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(count, (ulong)hashes.Count);
        all.Write(count);
        foreach (var hash in hashes)
        {
            all.Write(hash);
        }

        return new Hash32(SHA256.HashData(all.ToArray()));
    }

    private static List<object[]> Direct(string path, string sql)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using (var zone = connection.CreateCommand())
        {
            zone.CommandText = "SET TimeZone = 'UTC'";
            zone.ExecuteNonQuery();
        }

        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add(new DuckDBParameter(path));
        using var reader = command.ExecuteReader();
        var rows = new List<object[]>();
        while (reader.Read())
        {
            var values = new object[reader.FieldCount];
            reader.GetValues(values);
            rows.Add(values);
        }

        return rows;
    }

    private static long Micros(string text) =>
        ColumnValues.MicrosOf(DateTime.ParseExact(text, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));

    /// <summary>The flights written once per test class, as CSV and as Parquet, deleted afterwards.</summary>
    public sealed class Files : IDisposable
    {
        private readonly TempDirectory temp = new();

        public Files()
        {
            Csv = temp.File("flights.csv");
            Parquet = temp.File("flights.parquet");
            FlightsSample.Write(Csv, Rows, 13, parquet: false);
            FlightsSample.Write(Parquet, Rows, 13, parquet: true);
        }

        public string Csv { get; }

        public string Parquet { get; }

        public void Dispose() => temp.Dispose();
    }
}
