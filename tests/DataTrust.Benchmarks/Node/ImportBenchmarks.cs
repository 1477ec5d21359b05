using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Running;
using DataTrust.Node.Samples;
using DataTrust.Node.Storage;
using DuckDB.NET.Data;

namespace DataTrust.Benchmarks.Node;

/// <summary>File format of an import benchmark case.</summary>
public enum ImportFileFormat
{
    /// <summary>The flights CSV (header, ISO timestamps, TIMESTAMPTZ with +08 offsets).</summary>
    Csv,

    /// <summary>The same rows as zstd Parquet.</summary>
    Parquet,
}

/// <summary>
/// Import of 10 million flights-like rows (<see cref="FlightsSample"/>: 11 columns, every type) from CSV and from Parquet:
/// <see cref="DatasetStore.Import"/> (conversion check, typed table, snapshot commitment, statistics, one transaction)
/// against DuckDB's own <c>COPY … FROM</c> of the same file into a table of the same types in a fresh database file.
/// </summary>
/// <remarks>
/// Run through the console mode <c>dotnet run -c Release --project tests/DataTrust.Benchmarks -- import [--rows N]</c>: it
/// writes both files once into the temp folder, runs this class, measures each case's peak resident memory in a fresh
/// child process, and deletes the files. Run alone (<c>--filter '*ImportBenchmarks*'</c>) a process writes the file it
/// needs and deletes it in its cleanup.
/// </remarks>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class ImportBenchmarks
{
    /// <summary>Environment variable naming the folder that already holds the files (set by the console mode).</summary>
    public const string FolderVariable = "DATATRUST_IMPORT_BENCH_DIR";

    /// <summary>Environment variable with the row count (default 10,000,000).</summary>
    public const string RowsVariable = "DATATRUST_IMPORT_BENCH_ROWS";

    private string folder = null!;
    private bool ownsFiles;
    private string file = null!;
    private string target = null!;

    /// <summary>The file format of this case.</summary>
    [Params(ImportFileFormat.Csv, ImportFileFormat.Parquet)]
    public ImportFileFormat Format { get; set; }

    /// <summary>Finds (or writes) the file of this case.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var given = Environment.GetEnvironmentVariable(FolderVariable);
        ownsFiles = string.IsNullOrEmpty(given);
        folder = ownsFiles ? Directory.CreateTempSubdirectory("datatrust-bench-import-").FullName : given!;
        file = FileOf(folder, Format);
        if (!File.Exists(file))
        {
            FlightsSample.Write(file, Rows(), 20261201, Format == ImportFileFormat.Parquet);
        }
    }

    /// <summary>Deletes what this process wrote.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        if (ownsFiles)
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A fresh, empty target folder for each iteration.</summary>
    [IterationSetup]
    public void FreshTarget() => target = Directory.CreateTempSubdirectory("datatrust-bench-import-target-").FullName;

    /// <summary>Removes the iteration's database.</summary>
    [IterationCleanup]
    public void RemoveTarget() => Directory.Delete(target, recursive: true);

    /// <summary>DuckDB alone: <c>COPY table FROM file</c> into a typed table of a new database file.</summary>
    [Benchmark(Baseline = true)]
    public long DuckDbCopy() => DuckDbCopy(file, Format, target);

    /// <summary>The node's import: the same file into a new store, with the flights schema.</summary>
    [Benchmark]
    public long NodeImport() => NodeImport(file, Format, target);

    /// <summary>Rows of the benchmark files.</summary>
    public static long Rows() =>
        long.TryParse(Environment.GetEnvironmentVariable(RowsVariable), CultureInfo.InvariantCulture, out var rows) ? rows : 10_000_000;

    /// <summary>The path of a format's file in <paramref name="folder"/>.</summary>
    public static string FileOf(string folder, ImportFileFormat format) =>
        Path.Combine(folder, format == ImportFileFormat.Csv ? "flights.csv" : "flights.parquet");

    /// <summary>Copies the file into a typed table of a new DuckDB file in <paramref name="target"/>; returns the row count.</summary>
    public static long DuckDbCopy(string file, ImportFileFormat format, string target)
    {
        using var connection = new DuckDBConnection($"Data Source={Path.Combine(target, "copy.duckdb")}");
        connection.Open();
        using var command = connection.CreateCommand();
        var columns = string.Join(", ", FlightsSample.Schema.Columns.Select(c => $"{c.Name} {StorageType(c)}"));
        var path = "'" + file.Replace("'", "''", StringComparison.Ordinal) + "'";
        command.CommandText = $"CREATE TABLE flights ({columns}); COPY flights FROM {path} " + (format == ImportFileFormat.Csv ? "(HEADER true)" : "(FORMAT parquet)");
        command.ExecuteNonQuery();
        command.CommandText = "SELECT count(*) FROM flights";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Imports the file into a new store in <paramref name="target"/>; returns the row count.</summary>
    public static long NodeImport(string file, ImportFileFormat format, string target)
    {
        using var store = new DatasetStore(target);
        var policy = new DataTrust.Core.Catalog.DatasetPolicy(1, DataTrust.Core.Catalog.DominanceRule.Disabled, DataTrust.Core.Catalog.ProtectionGrade.Open,
            DataTrust.Core.Catalog.ComputationKindSet.Aggregate, []);
        var import = new DatasetImport("flights", file, format == ImportFileFormat.Csv ? ImportFormat.Csv : ImportFormat.Parquet, policy, FlightsSample.Schema);
        return store.Import(import).RowCount;
    }

    private static string StorageType(DataTrust.Core.Catalog.ColumnDefinition column) => column.Type switch
    {
        DataTrust.Core.Catalog.ColumnType.Decimal => $"DECIMAL({column.Precision},{column.Scale})",
        DataTrust.Core.Catalog.ColumnType.Int => "BIGINT",
        DataTrust.Core.Catalog.ColumnType.Text => "VARCHAR",
        DataTrust.Core.Catalog.ColumnType.Bool => "BOOLEAN",
        DataTrust.Core.Catalog.ColumnType.TimestampTz => "TIMESTAMPTZ",
        var other => other.ToString().ToUpperInvariant(),
    };
}

/// <summary>
/// The console mode <c>import [--rows N] [--no-bdn] [--files DIR]</c>: writes the flights files once (or reuses those in DIR, and keeps them), runs <see cref="ImportBenchmarks"/>,
/// measures peak memory per case in child processes (<c>import-peak</c>), prints a summary and deletes the files.
/// </summary>
public static class ImportReport
{
    /// <summary>Runs the report; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        var rowsAt = Array.IndexOf(args, "--rows");
        var rows = rowsAt >= 0 ? long.Parse(args[rowsAt + 1], CultureInfo.InvariantCulture) : 10_000_000;

        // --files DIR keeps the files in DIR (written there when missing) for repeated runs; by default they are deleted.
        var filesAt = Array.IndexOf(args, "--files");
        var kept = filesAt >= 0 ? Directory.CreateDirectory(args[filesAt + 1]).FullName : null;
        var folder = kept ?? Directory.CreateTempSubdirectory("datatrust-bench-import-").FullName;
        try
        {
            foreach (var format in Enum.GetValues<ImportFileFormat>())
            {
                if (kept is not null && File.Exists(ImportBenchmarks.FileOf(folder, format)))
                {
                    continue;
                }

                var clock = Stopwatch.StartNew();
                FlightsSample.Write(ImportBenchmarks.FileOf(folder, format), rows, 20261201, format == ImportFileFormat.Parquet);
                Console.WriteLine($"wrote {rows:N0} rows as {format} in {clock.Elapsed.TotalSeconds:F1} s: {new FileInfo(ImportBenchmarks.FileOf(folder, format)).Length / (1 << 20):N0} MiB");
            }

            Environment.SetEnvironmentVariable(ImportBenchmarks.FolderVariable, folder);
            Environment.SetEnvironmentVariable(ImportBenchmarks.RowsVariable, rows.ToString(CultureInfo.InvariantCulture));
            var peaks = new List<string>();
            foreach (var format in Enum.GetValues<ImportFileFormat>())
            {
                foreach (var what in new[] { "duckdb", "node" })
                {
                    peaks.Add($"{what} {format}: {Peak(what, format, folder)}");
                }
            }

            if (!args.Contains("--no-bdn"))
            {
                BenchmarkRunner.Run<ImportBenchmarks>();
            }

            Console.WriteLine("peak resident memory (VmHWM) and wall time of one run in a fresh process:");
            peaks.ForEach(p => Console.WriteLine("  " + p));
            return 0;
        }
        finally
        {
            if (kept is null)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>The child-process mode <c>import-peak duckdb|node csv|parquet FOLDER</c>: one import, then its peak memory.</summary>
    public static int RunPeak(string[] args)
    {
        var format = Enum.Parse<ImportFileFormat>(args[1], ignoreCase: true);
        var target = Directory.CreateTempSubdirectory("datatrust-bench-import-peak-").FullName;
        try
        {
            var file = ImportBenchmarks.FileOf(args[2], format);
            var clock = Stopwatch.StartNew();
            var rows = args[0] == "node" ? ImportBenchmarks.NodeImport(file, format, target) : ImportBenchmarks.DuckDbCopy(file, format, target);
            var seconds = clock.Elapsed.TotalSeconds;
            var hwm = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            var kib = long.Parse(hwm.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            Console.WriteLine($"{rows} rows in {seconds:F2} s, peak {kib / 1024} MiB, cpu {Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds:F2} s");
            return 0;
        }
        finally
        {
            Directory.Delete(target, recursive: true);
        }
    }

    private static string Peak(string what, ImportFileFormat format, string folder)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
        if (!self.EndsWith("DataTrust.Benchmarks", StringComparison.Ordinal))
        {
            start.ArgumentList.Add(typeof(ImportReport).Assembly.Location);
        }

        foreach (var argument in new[] { "import-peak", what, format.ToString(), folder })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return output.Split('\n').LastOrDefault() ?? "(no output)";
    }
}
