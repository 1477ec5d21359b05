using BenchmarkDotNet.Attributes;
using DataTrust.Core.Catalog;
using DataTrust.Node.Query;
using DataTrust.Node.Storage;
using DuckDB.NET.Data;

namespace DataTrust.Benchmarks.Node;

/// <summary>
/// Output privacy on 10 million rows after 1,000 answered queries: the exact 2-key group-by through the node's executor
/// with the cross-query audit (RESTRICTED, ε = 0), the same aggregate on DuckDB alone, and the DP path (ε = 1) of the
/// same query.
/// </summary>
/// <remarks>
/// <para>Setup is expensive (10M rows generated and imported, then <see cref="OutputPrivacyWorkload.Sequence"/> answered
/// through the executor), so it is done once into a prepared folder — by <see cref="PrivacyUtilityReport"/> (which also
/// measures the sequence) or by the first <see cref="Setup"/> that finds none — and every benchmark process starts from a
/// copy of that database. Its audit state is read back from the database by the first audited answer (a warm-up).</para>
/// <para>After the warm-up the audited query is a repeat: its cells are already in the span, so an iteration splits no
/// atom and updates no row; it still reads the pieces (one more scan), reduces each cell against the span, and writes the
/// audit state back in one transaction. The cost of a first-time answer (with splits) is what the utility report's
/// "ms/query" column measures.</para>
/// </remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 6)]
public class OutputPrivacyBenchmarks
{
    private const int Rows = 10_000_000;

    private DatasetStore store = null!;
    private AggregateExecutor executor = null!;
    private DuckDBConnection direct = null!;
    private string working = null!;

    [GlobalSetup]
    public void Setup()
    {
        var prepared = PrivacyUtilityReport.DefaultFolder(Rows);
        if (!File.Exists(PrivacyUtilityReport.Marker(prepared)))
        {
            Prepare(prepared);
        }

        // A private copy, so every benchmark process starts from the same 1,000 answered queries.
        working = Path.Combine(Path.GetTempPath(), "datatrust-bench-privacy-run-" + Environment.ProcessId);
        Directory.CreateDirectory(working);
        foreach (var file in Directory.GetFiles(prepared, DatasetStore.DatabaseFileName + "*"))
        {
            File.Copy(file, Path.Combine(working, Path.GetFileName(file)), overwrite: true);
        }

        store = new DatasetStore(working);
        executor = new AggregateExecutor(store);
        direct = store.OpenConnection();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        direct.Dispose();
        store.Dispose();
        Directory.Delete(working, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public int DuckDbAlone()
    {
        using var command = direct.CreateCommand();
        command.CommandText = OutputPrivacyWorkload.DirectSql;
        using var reader = command.ExecuteReader();
        var rows = 0;
        while (reader.Read())
        {
            rows++;
        }

        return rows;
    }

    [Benchmark]
    public int AuditedExact() => executor.Execute(OutputPrivacyWorkload.BenchmarkQuery(), Epsilon.Zero).Result!.Rows.Count;

    [Benchmark]
    public int DifferentiallyPrivate() =>
        executor.Execute(OutputPrivacyWorkload.BenchmarkQuery(1_000_000), new Epsilon(1_000_000)).Result!.Rows.Count;

    /// <summary>Builds the prepared folder without the report: the dataset, then the sequence answered by the executor.</summary>
    private static void Prepare(string folder)
    {
        using var store = OutputPrivacyWorkload.OpenOrCreate(folder, Rows);
        var executor = new AggregateExecutor(store);
        foreach (var (label, query) in OutputPrivacyWorkload.Sequence(1_000))
        {
            if (executor.Execute(query, Epsilon.Zero).Result is null)
            {
                throw new InvalidOperationException($"The workload query '{label}' was refused.");
            }
        }

        File.WriteAllText(PrivacyUtilityReport.Marker(folder), "1000 queries answered by the benchmark setup\n");
    }
}

/// <summary>
/// A profiling mode (<c>-- privacy-profile [N]</c>): on a copy of the prepared folder, the audited and the DP query N
/// times each, with each call's time, so a sampling profiler (dotnet-trace) sees the steady state the benchmark measures.
/// </summary>
internal static class OutputPrivacyProfile
{
    public static int Run(string[] args)
    {
        var repeats = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 5;
        var benchmark = new OutputPrivacyBenchmarks();
        benchmark.Setup();
        try
        {
            foreach (var (name, run) in new (string, Func<int>)[] { ("audited", benchmark.AuditedExact), ("dp", benchmark.DifferentiallyPrivate), ("duckdb", benchmark.DuckDbAlone) })
            {
                for (var i = 0; i < repeats; i++)
                {
                    var started = System.Diagnostics.Stopwatch.GetTimestamp();
                    run();
                    Console.WriteLine($"{name} {i}: {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms");
                }
            }
        }
        finally
        {
            benchmark.Cleanup();
        }

        return 0;
    }
}
