using BenchmarkDotNet.Attributes;
using DataTrust.Core.Catalog;
using DataTrust.Node.Homomorphic;
using DataTrust.Client.Homomorphic;
using DataTrust.Homomorphic;
using DataTrust.Node.Homomorphic.Internal;
using DataTrust.Node.Query;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using DuckDB.NET.Data;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Benchmarks.Node;

/// <summary>
/// Homomorphic jobs at N = 8192, t of 50 bits, a 16-feature model (B = 16): Score on 8192 rows (4096 subjects × 2
/// labels; 512 rows per ciphertext, 16 ciphertexts), and WeightedAggregate over 1,000,000 rows in 50 groups, with the
/// same protected sums computed alone (<see cref="ProtectedSumsOnly"/>) and the HE step alone on precomputed sums
/// (<see cref="WeightedHeStepOnly"/>) so the share of time in HE operations can be read off.
/// Run: dotnet run -c Release --project tests/DataTrust.Benchmarks -- --filter '*HeJobBenchmarks*'
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class HeJobBenchmarks
{
    private const int AggregateRows = 1_000_000;
    private const int ScoreRows = 8192;
    private const int Features = 16;

    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "datatrust-bench-he-jobs");

    private DatasetStore store = null!;
    private AggregateExecutor aggregates = null!;
    private HeExecutor executor = null!;
    private HeClient client = null!;
    private DatasetPolicy policy = null!;
    private HeWeightedAggregateSpec weighted = null!;
    private HeScoringSpec scoring = null!;
    private AggregateQuery sumsQuery = null!;
    private HeMaterial material = null!;
    private ulong[] precomputed = null!;

    [GlobalSetup]
    public void Setup()
    {
        var columns = Enumerable.Range(0, Features).Select(i => $"f{i}").ToArray();
        policy = new DatasetPolicy(10, new DominanceRule(1, 85), ProtectionGrade.Restricted, ComputationKindSet.Aggregate | ComputationKindSet.HeWeightedAggregate | ComputationKindSet.HeScoring, [
            new ColumnPolicy("subject", ColumnPermissions.JoinKey),
            new ColumnPolicy("grp", ColumnPermissions.GroupBy),
            .. columns.Select(c => new ColumnPolicy(c, ColumnPermissions.Aggregate, 0, 10_000)),
        ]);
        store = new DatasetStore(Folder);
        Import("he_agg", AggregateRows, "'G' || (i % 50)", "'S' || i");
        Import("he_score", ScoreRows, "'L' || (i % 2)", "'S' || (i // 2)");

        client = HeClient.Generate(8192, 50);
        var weights = Enumerable.Range(1, Features).Select(w => (long)w).ToArray();
        var keys = client.CreateKeys(HeLayout.BlockWidth(Features));
        weighted = new HeWeightedAggregateSpec { DatasetId = "he_agg", Model = client.EncryptModel(columns, weights, 2), Keys = keys };
        weighted.GroupBy.Add("grp");
        scoring = new HeScoringSpec { DatasetId = "he_score", SubjectColumn = "subject", Model = client.EncryptModel(columns, weights, 2), Keys = keys };
        scoring.Subjects.AddRange(Enumerable.Range(0, ScoreRows / 2).Select(i => "S" + i));
        scoring.LabelColumns.Add("grp");

        aggregates = new AggregateExecutor(store);
        executor = new HeExecutor(aggregates, store);
        sumsQuery = new AggregateQuery { DatasetId = "he_agg" };
        sumsQuery.GroupBy.Add("grp");
        sumsQuery.Measures.Add(new Measure { Function = MeasureFunction.Count });
        sumsQuery.Measures.AddRange(columns.Select(c => new Measure { Function = MeasureFunction.Sum, Column = c }));
        HeMaterial.TryLoad(keys, weighted.Model, HeLayout.RotationSteps(Features), "spec", out var loaded);
        material = loaded!;
        precomputed = new ulong[8192];
        for (var j = 0; j < 50 * Features; j++)
        {
            precomputed[j] = (ulong)(j * 1_000_003);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        client.Dispose();
        store.Dispose();
    }

    /// <summary>Score: 8192 rows, 16 ciphertexts out.</summary>
    [Benchmark(OperationsPerInvoke = ScoreRows)]
    public int ScorePerRow() => executor.Score(scoring, policy, CancellationToken.None).Result!.HeScoring.Scores.Count;

    /// <summary>Only reading and checking a job's HE payload (parameters, public key, 4 Galois keys, weights), as every HE job does first.</summary>
    [Benchmark]
    public bool PayloadLoadOnly() =>
        HeMaterial.TryLoad(scoring.Keys, scoring.Model, HeLayout.RotationSteps(HeLayout.BlockWidth(Features)), "spec", out _) is null;

    /// <summary>The whole weighted aggregate: protected sums of 16 features in 50 groups over 1,000,000 rows, then HE.</summary>
    [Benchmark]
    public int WeightedAggregate() =>
        executor.WeightedAggregate(weighted, Epsilon.Zero, policy, CancellationToken.None).Result!.HeWeightedAggregate.Groups.Count;

    /// <summary>Only the protected sums the weighted aggregate is built on (COUNT + 16 SUMs by group: two executor queries).</summary>
    [Benchmark]
    public int ProtectedSumsOnly() =>
        ChunkedAggregate.Run(aggregates, sumsQuery, Epsilon.Zero, policy, CancellationToken.None).Result!.Rows.Count;

    /// <summary>Only the HE step of the weighted aggregate on precomputed sums: multiply, 4 rotations, mask, re-randomize, serialize.</summary>
    [Benchmark]
    public int WeightedHeStepOnly()
    {
        var engine = new HeEngine(material);
        var mask = engine.RandomSlots();
        for (var p = 0; p < 50; p++)
        {
            mask[p * Features] = 0;
        }

        return engine.Finish(engine.WeightedBlockSums(precomputed, HeLayout.RotationSteps(Features)), mask).Length;
    }

    private void Import(string id, int rows, string group, string subject)
    {
        if (store.Find(id) is not null)
        {
            return;
        }

        var parquet = Path.Combine(Folder, id + ".parquet");
        var features = string.Join(", ", Enumerable.Range(0, Features).Select(f => $"CAST((hash(i + {f}) % 1000000) / 100.0 AS DECIMAL(18,4)) AS f{f}"));
        using (var connection = new DuckDBConnection("Data Source=:memory:"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"COPY (SELECT {subject} AS subject, {group} AS grp, {features} FROM range({rows}) t(i)) TO '{parquet}' (FORMAT parquet)";
            command.ExecuteNonQuery();
        }

        var schema = new DatasetSchema([
            new ColumnDefinition("subject", ColumnType.Text),
            new ColumnDefinition("grp", ColumnType.Text),
            .. Enumerable.Range(0, Features).Select(f => new ColumnDefinition($"f{f}", ColumnType.Decimal)),
        ]);
        store.Import(new DatasetImport(id, parquet, ImportFormat.Parquet, policy, schema));
        File.Delete(parquet);
    }
}
