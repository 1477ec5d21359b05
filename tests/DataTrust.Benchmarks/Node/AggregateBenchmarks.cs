using BenchmarkDotNet.Attributes;
using DataTrust.Core.Catalog;
using DataTrust.Node.Query;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using DuckDB.NET.Data;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Benchmarks.Node;

/// <summary>
/// GROUP BY two keys with three measures over 10 million rows: the node's executor end to end (validation, SQL,
/// protection) against the same aggregate run directly on DuckDB in the same process.
/// </summary>
/// <remarks>
/// The rows are generated inside DuckDB (<c>range()</c>) into a Parquet file, then imported through the store, so the
/// import (and its snapshot commitment) is the real one. The node database is kept in a temp folder between runs.
/// </remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class AggregateBenchmarks
{
    private const int Rows = 10_000_000;

    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "datatrust-bench-aggregate-10m");

    private DatasetStore store = null!;
    private AggregateExecutor executor = null!;
    private AggregateQuery query = null!;
    private DuckDBConnection direct = null!;

    [GlobalSetup]
    public void Setup()
    {
        store = new DatasetStore(Folder);
        if (store.Find("bench") is null)
        {
            var parquet = Path.Combine(Folder, "bench.parquet");
            using (var connection = new DuckDBConnection("Data Source=:memory:"))
            {
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = $"""
                    COPY (SELECT
                        'R' || (hash(i) % 16) AS region,
                        chr(65 + CAST(hash(i + 1) % 20 AS INTEGER)) AS sector,
                        CAST((hash(i + 2) % 1000000) / 100.0 AS DECIMAL(18,4)) AS amount,
                        CAST((hash(i + 3) % 5000000) / 100.0 AS DECIMAL(18,4)) AS revenue
                    FROM range({Rows}) t(i)) TO '{parquet}' (FORMAT parquet)
                    """;
                command.ExecuteNonQuery();
            }

            var schema = new DatasetSchema([
                new ColumnDefinition("region", ColumnType.Text),
                new ColumnDefinition("sector", ColumnType.Text),
                new ColumnDefinition("amount", ColumnType.Decimal),
                new ColumnDefinition("revenue", ColumnType.Decimal),
            ]);
            var policy = new DatasetPolicy(10, new DominanceRule(1, 85), ProtectionGrade.Restricted, ComputationKindSet.Aggregate, [
                new ColumnPolicy("region", ColumnPermissions.GroupBy),
                new ColumnPolicy("sector", ColumnPermissions.GroupBy),
                new ColumnPolicy("amount", ColumnPermissions.Aggregate, 0, 10_000),
                new ColumnPolicy("revenue", ColumnPermissions.Aggregate, 0, 50_000),
            ]);
            store.Import(new DatasetImport("bench", parquet, ImportFormat.Parquet, policy, schema));
            File.Delete(parquet);
        }

        executor = new AggregateExecutor(store);
        query = new AggregateQuery { DatasetId = "bench" };
        query.GroupBy.Add("region");
        query.GroupBy.Add("sector");
        query.Measures.Add(new Measure { Function = MeasureFunction.Count });
        query.Measures.Add(new Measure { Function = MeasureFunction.Sum, Column = "amount" });
        query.Measures.Add(new Measure { Function = MeasureFunction.Avg, Column = "revenue" });
        direct = store.OpenConnection();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        direct.Dispose();
        store.Dispose();
    }

    [Benchmark(Baseline = true)]
    public int DirectDuckDb()
    {
        using var command = direct.CreateCommand();
        command.CommandText = """
            SELECT region, sector, count(*), sum(amount), avg(revenue)
            FROM ds_bench GROUP BY region, sector ORDER BY region, sector
            """;
        using var reader = command.ExecuteReader();
        var rows = 0;
        while (reader.Read())
        {
            rows++;
        }

        return rows;
    }

    [Benchmark]
    public int Executor() => executor.Execute(query, Epsilon.Zero).Result!.Rows.Count;

    [Benchmark]
    public int ExecutorWithEpsilon() => executor.Execute(query, new Epsilon(1_000_000)).Result!.Rows.Count;
}
