using BenchmarkDotNet.Attributes;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Attestation;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Query;
using DataTrust.Node.Release;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using DuckDB.NET.Data;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Benchmarks.Node;

/// <summary>
/// A node's release of 1 million rows (join key, a group-by column and a measure) from its DuckDB file to an enclave:
/// DuckDB read, canonical CSV, sealing in 1 MiB chunks (<see cref="Seal"/>), and the same with the enclave's opening of
/// every chunk (<see cref="SealAndOpen"/>). The gRPC transfer is not included.
/// </summary>
[InProcess]
[WarmupCount(1)]
[IterationCount(5)]
[MemoryDiagnoser]
public class ReleaseBenchmarks
{
    private const int Rows = 1_000_000;

    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "datatrust-bench-release-1m");

    private DatasetStore store = null!;
    private ReleasePlan plan = null!;
    private EthereumKey enclave = null!;

    [GlobalSetup]
    public void Setup()
    {
        store = new DatasetStore(Folder);
        var dataset = store.Find("bench");
        if (dataset is null)
        {
            var parquet = Path.Combine(Folder, "bench.parquet");
            using (var connection = new DuckDBConnection("Data Source=:memory:"))
            {
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = $"""
                    COPY (SELECT
                        '91' || lpad(CAST(i AS VARCHAR), 16, '0') AS uscc,
                        'D' || (hash(i) % 16) AS district,
                        CAST((hash(i + 2) % 1000000) / 100.0 AS DECIMAL(18,4)) AS tax_paid
                    FROM range({Rows}) t(i)) TO '{parquet}' (FORMAT parquet)
                    """;
                command.ExecuteNonQuery();
            }

            var schema = new DatasetSchema([
                new ColumnDefinition("uscc", ColumnType.Text),
                new ColumnDefinition("district", ColumnType.Text),
                new ColumnDefinition("tax_paid", ColumnType.Decimal),
            ]);
            var policy = new DatasetPolicy(10, DominanceRule.Disabled, ProtectionGrade.Restricted, ComputationKindSet.Aggregate | ComputationKindSet.EnclaveJoin, [
                new ColumnPolicy("uscc", ColumnPermissions.JoinKey),
                new ColumnPolicy("district", ColumnPermissions.GroupBy, Domain: [.. Enumerable.Range(0, 16).Select(d => "D" + d)]),
                new ColumnPolicy("tax_paid", ColumnPermissions.Aggregate, 0, 10_000),
            ]);
            dataset = store.Import(new DatasetImport("bench", parquet, ImportFormat.Parquet, policy, schema));
            File.Delete(parquet);
        }

        var query = new JoinQuery { EpsilonMicros = 1_000_000 };
        query.Inputs.Add(new JoinInput { DatasetId = "bench", JoinKey = "uscc" });
        query.Inputs.Add(new JoinInput { DatasetId = "other", JoinKey = "uscc" });
        query.GroupBy.Add(new JoinColumn { DatasetId = "bench", Column = "district" });
        query.Measures.Add(new JoinMeasure { Function = MeasureFunction.Sum, Column = new JoinColumn { DatasetId = "bench", Column = "tax_paid" } });
        plan = ReleasePlan.Build(query, dataset, dataset.Policy, QueryLimits.Default).Plan!;
        enclave = EthereumKey.Generate();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        enclave.Dispose();
        store.Dispose();
        Directory.Delete(Folder, recursive: true);
    }

    /// <summary>The node's side: read, encode and seal 1 million rows.</summary>
    [Benchmark]
    public async Task<long> Seal()
    {
        long bytes = 0;
        var summary = await ReleaseStreamer.SendAsync(store, plan, enclave.PublicKey.ToArray(), new SealedStreamContext(1, 1, "bench"), default, chunk =>
        {
            bytes += chunk.SealedChunk.Length;
            return Task.CompletedTask;
        }, CancellationToken.None);
        return summary.Rows + bytes;
    }

    /// <summary>The node's side and the enclave's opening of every chunk.</summary>
    [Benchmark]
    public async Task<long> SealAndOpen()
    {
        SealedStreamReader? reader = null;
        long bytes = 0;
        var context = new SealedStreamContext(1, 1, "bench");
        var summary = await ReleaseStreamer.SendAsync(store, plan, enclave.PublicKey.ToArray(), context, default, chunk =>
        {
            if (chunk.KindCase == ReleaseChunk.KindOneofCase.Header)
            {
                reader = new SealedStreamReader(enclave, new SealedStreamHeader(chunk.Header.EphemeralPublicKey.Span, chunk.Header.Salt.Span), context);
            }
            else
            {
                bytes += reader!.Open(chunk.SealedChunk.Span).Length;
            }

            return Task.CompletedTask;
        }, CancellationToken.None);
        reader!.Complete();
        reader.Dispose();
        return summary.Rows + bytes;
    }
}
