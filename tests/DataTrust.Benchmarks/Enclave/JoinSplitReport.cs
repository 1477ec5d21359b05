using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using DataTrust.Core.Catalog;
using DataTrust.Core.Privacy;
using DataTrust.EnclaveSim.Join;
using DataTrust.Ledger;
using DataTrust.Ledger.Attestation;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Query;
using DataTrust.Node.Release;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using DuckDB.NET.Data;
using CoreColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Benchmarks.Enclave;

/// <summary>
/// Console mode <c>join-split</c>: the release-and-join path of 1M × 1M rows, each input in its own node DuckDB file,
/// timed phase by phase with stopwatches around the real calls (nothing inside the code path is changed): node read and
/// canonical CSV encoding, sealing, opening, strict CSV parse and append into the enclave's DuckDB, and the join with its
/// grouped aggregate and noise; beside it DuckDB's plaintext join of the same two tables in one process. The gRPC
/// transfer is not in this path (the sealed chunks are handed over in memory; <c>join-e2e</c> has it).
/// <c>--concurrent</c> parses and appends the two opened inputs at once on two threads (as the enclave may when two nodes'
/// streams arrive together); the CPU seconds of the process are printed beside the wall times, since on the shared
/// machine they vary less.
/// </summary>
internal static class JoinSplitReport
{
    private static readonly string[] Districts = [.. Enumerable.Range(0, 16).Select(d => "D" + d)];

    public static int Run(string[] args)
    {
        var rowsAt = Array.IndexOf(args, "--rows");
        var rows = rowsAt >= 0 && rowsAt + 1 < args.Length ? int.Parse(args[rowsAt + 1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
        var concurrent = args.Contains("--concurrent");
        var rounds = 3;
        var root = Path.Combine(Path.GetTempPath(), $"datatrust-bench-joinsplit-{Environment.ProcessId}");
        try
        {
            using var tax = Import(Path.Combine(root, "tax"), "tax", rows, "CAST((hash(i + 2) % 1000000) / 100.0 AS DECIMAL(18,4)) AS tax_paid", new ColumnDefinition("tax_paid", CoreColumnType.Decimal), new ColumnPolicy("tax_paid", ColumnPermissions.Aggregate, 0, 10_000));
            using var social = Import(Path.Combine(root, "social"), "social", rows, "'D' || (hash(i) % 16) AS district", new ColumnDefinition("district", CoreColumnType.Text), new ColumnPolicy("district", ColumnPermissions.GroupBy, Domain: Districts));
            var query = new JoinQuery { EpsilonMicros = 1_000_000 };
            query.Inputs.Add(new JoinInput { DatasetId = "tax", JoinKey = "uscc" });
            query.Inputs.Add(new JoinInput { DatasetId = "social", JoinKey = "uscc" });
            query.GroupBy.Add(new JoinColumn { DatasetId = "social", Column = "district" });
            query.Measures.Add(new JoinMeasure { Function = MeasureFunction.Count });
            query.Measures.Add(new JoinMeasure { Function = MeasureFunction.Sum, Column = new JoinColumn { DatasetId = "tax", Column = "tax_paid" } });
            var stores = new[] { tax, social };
            var releases = stores.Select(s => ReleasePlan.Build(query, s.Find(s == tax ? "tax" : "social")!, s.Find(s == tax ? "tax" : "social")!.Policy, QueryLimits.Default).Plan!).ToArray();
            var plan = JoinPlan.Create(query, new Dictionary<string, DatasetSpec> { ["tax"] = Spec("tax", rows, releases[0]), ["social"] = Spec("social", rows, releases[1]) }, new Epsilon(1_000_000)).Plan!;
            using var enclave = EthereumKey.Generate();

            Console.WriteLine($"join-split: {rows:N0} × {rows:N0} rows, {rounds} rounds after 1 warm-up, inputs parsed {(concurrent ? "concurrently" : "one after the other")}; load {Load()}");
            for (var round = 0; round <= rounds; round++)
            {
                var t = new double[6];
                var cpu = new double[5];
                var total = Stopwatch.StartNew();
                long groups;
                long bytes = 0;
                using (var engine = new JoinEngine(plan))
                {
                    var openedInputs = new List<byte[]>[2];
                    for (var input = 0; input < 2; input++)
                    {
                        var context = new SealedStreamContext(1, 1, input == 0 ? "tax" : "social");
                        var phaseCpu = CpuSeconds();
                        var stopwatch = Stopwatch.StartNew();
                        var plaintexts = new List<byte[]>();
                        var counted = new StrongBox<long>();
                        foreach (var plaintext in stores[input].ReadRelease(releases[input], ReleaseStreamer.ChunkBytes, counted))
                        {
                            plaintexts.Add(plaintext);
                        }

                        t[0] += stopwatch.Elapsed.TotalSeconds;
                        cpu[2] += CpuSeconds() - phaseCpu;
                        phaseCpu = CpuSeconds();
                        stopwatch.Restart();
                        var sealedChunks = new List<byte[]>();
                        SealedStreamHeader header;
                        using (var writer = SealedStreamWriter.Create(enclave.PublicKey.ToArray(), context))
                        {
                            header = writer.Header;
                            for (var c = 0; c < plaintexts.Count; c++)
                            {
                                sealedChunks.Add(writer.Seal(plaintexts[c], final: c == plaintexts.Count - 1));
                            }
                        }

                        t[1] += stopwatch.Elapsed.TotalSeconds;
                        cpu[3] += CpuSeconds() - phaseCpu;
                        plaintexts.Clear();
                        phaseCpu = CpuSeconds();
                        stopwatch.Restart();
                        var opened = new List<byte[]>();
                        using (var reader = new SealedStreamReader(enclave, header, context))
                        {
                            foreach (var chunk in sealedChunks)
                            {
                                opened.Add(reader.Open(chunk));
                                bytes += chunk.Length;
                            }

                            reader.Complete();
                        }

                        t[2] += stopwatch.Elapsed.TotalSeconds;
                        cpu[4] += CpuSeconds() - phaseCpu;
                        openedInputs[input] = opened;
                        if (!concurrent)
                        {
                            var cpuBefore = CpuSeconds();
                            stopwatch.Restart();
                            Parse(engine, input, opened);
                            t[3] += stopwatch.Elapsed.TotalSeconds;
                            cpu[0] += CpuSeconds() - cpuBefore;
                        }
                    }

                    if (concurrent)
                    {
                        var cpuBefore = CpuSeconds();
                        var both = Stopwatch.StartNew();
                        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, input => Parse(engine, input, openedInputs[input]));
                        t[3] = both.Elapsed.TotalSeconds;
                        cpu[0] += CpuSeconds() - cpuBefore;
                    }

                    var joinCpu = CpuSeconds();
                    var join = Stopwatch.StartNew();
                    groups = engine.Compute(CryptoRandomSource.Instance).Rows.Count;
                    t[4] = join.Elapsed.TotalSeconds;
                    cpu[1] = CpuSeconds() - joinCpu;
                }

                t[5] = total.Elapsed.TotalSeconds;
                var plain = PlaintextJoin(stores, releases);
                Console.WriteLine(
                    $"{(round == 0 ? "warm-up" : $"round {round}")}: total {t[5]:F2} s | node read+encode {t[0]:F2} | seal {t[1]:F2} | open {t[2]:F2} | parse+append {t[3]:F2} | " +
                    $"join+aggregate+noise {t[4]:F2} | enclave (parse+append+join) {t[3] + t[4]:F2} | plaintext DuckDB (append+join) {plain.Append + plain.Join:F2} (join {plain.Join:F2}) | " +
                    $"ratio {(t[3] + t[4]) / (plain.Append + plain.Join):F2}x | CPU s: node read+encode {cpu[2]:F2} seal {cpu[3]:F2} open {cpu[4]:F2} enclave parse+append {cpu[0]:F2} join {cpu[1]:F2}, " +
                    $"plaintext append {plain.AppendCpu:F2} join {plain.JoinCpu:F2}, CPU ratio {(cpu[0] + cpu[1]) / (plain.AppendCpu + plain.JoinCpu):F2}x | " +
                    $"{bytes / 1e6:F1} MB sealed, {groups} groups; load {Load()}");
            }

            return 0;
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static void Parse(JoinEngine engine, int input, List<byte[]> opened)
    {
        using var sink = engine.Sink(input);
        var csv = new SnapshotCsvReader(engine.SchemaOf(input), sink);
        foreach (var chunk in opened)
        {
            csv.Append(chunk);
        }

        csv.Complete();
    }

    private static double CpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    /// <summary>DuckDB joining the same released plaintext rows in one process: appended from C#, then joined and grouped.</summary>
    private static (double Append, double Join, double AppendCpu, double JoinCpu) PlaintextJoin(DatasetStore[] stores, ReleasePlan[] releases)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE a (uscc VARCHAR, tax_paid DECIMAL(18,4)); CREATE TABLE b (uscc VARCHAR, district VARCHAR)";
            create.ExecuteNonQuery();
        }

        // The rows are read from the nodes first (not timed), so only DuckDB's own work is on the clock.
        var values = new List<(string Key, object Value)>[2];
        for (var i = 0; i < 2; i++)
        {
            values[i] = [];
            var sink = new ListSink(values[i]);
            var csv = new SnapshotCsvReader(releases[i].Schema, sink);
            foreach (var chunk in stores[i].ReadRelease(releases[i], ReleaseStreamer.ChunkBytes, new StrongBox<long>()))
            {
                csv.Append(chunk);
            }

            csv.Complete();
        }

        var cpuStart = CpuSeconds();
        var stopwatch = Stopwatch.StartNew();
        foreach (var (table, i) in new[] { ("a", 0), ("b", 1) })
        {
            using var appender = connection.CreateAppender(table);
            foreach (var (key, value) in values[i])
            {
                var row = appender.CreateRow().AppendValue(key);
                (value is decimal d ? row.AppendValue(d) : row.AppendValue((string)value)).EndRow();
            }
        }

        var append = stopwatch.Elapsed.TotalSeconds;
        var appendCpu = CpuSeconds() - cpuStart;
        cpuStart = CpuSeconds();
        stopwatch.Restart();
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT b.district, count(*), sum(a.tax_paid) FROM a JOIN b ON a.uscc = b.uscc GROUP BY b.district";
        using var reader = query.ExecuteReader();
        while (reader.Read())
        {
        }

        return (append, stopwatch.Elapsed.TotalSeconds, appendCpu, CpuSeconds() - cpuStart);
    }

    private static DatasetStore Import(string folder, string id, int rows, string column, ColumnDefinition definition, ColumnPolicy policy)
    {
        Directory.CreateDirectory(folder);
        var store = new DatasetStore(folder);
        var parquet = Path.Combine(folder, id + ".parquet");
        using (var connection = new DuckDBConnection("Data Source=:memory:"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"COPY (SELECT '91' || lpad(CAST(i AS VARCHAR), 16, '0') AS uscc, {column} FROM range({rows}) t(i) ORDER BY hash(i + 7)) TO '{parquet}' (FORMAT parquet)";
            command.ExecuteNonQuery();
        }

        var schema = new DatasetSchema([new ColumnDefinition("uscc", CoreColumnType.Text), definition]);
        var datasetPolicy = new DatasetPolicy(10, DominanceRule.Disabled, ProtectionGrade.Restricted, ComputationKindSet.Aggregate | ComputationKindSet.EnclaveJoin, [new ColumnPolicy("uscc", ColumnPermissions.JoinKey), policy]);
        store.Import(new DatasetImport(id, parquet, ImportFormat.Parquet, datasetPolicy, schema));
        File.Delete(parquet);
        return store;
    }

    private static DatasetSpec Spec(string id, int rows, ReleasePlan release)
    {
        var node = Address.Parse("0x00000000000000000000000000000000000000aa");
        var columns = new List<ColumnSpec>();
        foreach (var column in release.Columns)
        {
            columns.Add(column.Name == "uscc"
                ? new ColumnSpec("uscc", column.Type, ColumnPermissions.JoinKey, 0, 0)
                : column.Name == "district"
                    ? new ColumnSpec("district", column.Type, ColumnPermissions.GroupBy, 0, 0, Districts)
                    : new ColumnSpec(column.Name, column.Type, ColumnPermissions.Aggregate, 0, new BigInteger(10_000)));
        }

        return new DatasetSpec(DatasetIds.OnChainId(id), id, node, Hash32.Zero, (ulong)rows, Hash32.Zero, ProtectionGrade.Restricted, 10, 0, 0, ComputationKindSet.EnclaveJoin, columns) { EpsilonCap = new Epsilon(10_000_000) };
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private sealed class ListSink(List<(string Key, object Value)> rows) : ISnapshotRowSink
    {
        private string? key;
        private object? value;

        public void AppendNull() => throw new InvalidOperationException("The benchmark's data has no NULL.");

        public void AppendInt(long v) => value = v;

        public void AppendDecimal(decimal v) => value = v;

        public void AppendText(string v)
        {
            if (key is null)
            {
                key = v;
            }
            else
            {
                value = v;
            }
        }

        public void AppendDate(DateOnly v) => value = v;

        public void AppendBool(bool v) => value = v;

        public void AppendTimestamp(long micros) => value = micros;

        public void AppendTimestampTz(long micros) => value = micros;

        public void AppendDouble(double v) => value = v;

        public void EndRow()
        {
            rows.Add((key!, value!));
            key = null;
            value = null;
        }
    }
}
