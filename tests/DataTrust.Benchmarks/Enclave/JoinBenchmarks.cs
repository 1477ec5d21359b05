using System.Numerics;
using BenchmarkDotNet.Attributes;
using DataTrust.Core.Catalog;
using DataTrust.Core.Privacy;
using DataTrust.EnclaveSim.Join;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Protos.V1;
using DuckDB.NET.Data;
using CoreColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Benchmarks.Enclave;

/// <summary>
/// The enclave's join of <see cref="Rows"/> × <see cref="Rows"/> rows on one key with a grouped aggregate (COUNT and SUM by a
/// 16-value public domain): <see cref="EnclaveJoin"/> parses both canonical snapshot CSVs into the in-memory DuckDB, drops
/// repeated keys, joins, and adds the noise; <see cref="PlaintextDuckDb"/> is DuckDB joining the same two plaintext tables
/// in one process (the goal: the join itself within 2× of it). Sealing and transfer are measured by SealedStreamBenchmarks.
/// </summary>
/// <remarks>
/// Baseline: the plaintext side appends ready typed values (the same keys, amounts and districts, built in
/// <see cref="Setup"/> as <c>string</c>/<c>decimal</c> arrays), so no formatting is on its clock, just as the enclave
/// side gets ready CSV bytes.
/// </remarks>
[InProcess]
[WarmupCount(1)]
[IterationCount(3)]
[MemoryDiagnoser]
public class JoinBenchmarks
{
    private static readonly string[] Districts = [.. Enumerable.Range(0, 16).Select(i => $"D{i:D2}")];
    private byte[] left = [];
    private byte[] right = [];
    private string[] leftKeys = [];
    private decimal[] leftAmounts = [];
    private string[] rightKeys = [];
    private string[] rightDistricts = [];
    private JoinPlan plan = null!;

    /// <summary>Rows per side.</summary>
    [Params(1_000_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var node = Address.Parse("0x00000000000000000000000000000000000000aa");
        DatasetSpec Spec(string id, IReadOnlyList<ColumnSpec> columns) => new(
            DatasetIds.OnChainId(id), id, node, Hash32.Zero, (ulong)Rows, Hash32.Zero, ProtectionGrade.Sensitive, 10, 0, 0, ComputationKindSet.EnclaveJoin, columns) { EpsilonCap = new Epsilon(10_000_000) };
        var tax = Spec("tax", [new("uscc", CoreColumnType.Text, ColumnPermissions.JoinKey, 0, 0), new("tax_paid", CoreColumnType.Decimal, ColumnPermissions.Aggregate, 0, new BigInteger(1_000_000))]);
        var social = Spec("social", [new("uscc", CoreColumnType.Text, ColumnPermissions.JoinKey, 0, 0), new("district", CoreColumnType.Text, ColumnPermissions.GroupBy, 0, 0, Districts)]);
        var query = new JoinQuery { EpsilonMicros = 1_000_000 };
        query.Inputs.Add(new JoinInput { DatasetId = "tax", JoinKey = "uscc" });
        query.Inputs.Add(new JoinInput { DatasetId = "social", JoinKey = "uscc" });
        query.GroupBy.Add(new JoinColumn { DatasetId = "social", Column = "district" });
        query.Measures.Add(new JoinMeasure { Function = MeasureFunction.Count });
        query.Measures.Add(new JoinMeasure { Function = MeasureFunction.Sum, Column = new JoinColumn { DatasetId = "tax", Column = "tax_paid" } });
        plan = JoinPlan.Create(query, new Dictionary<string, DatasetSpec> { ["tax"] = tax, ["social"] = social }, new Epsilon(1_000_000)).Plan!;
        using var engine = new JoinEngine(plan);
        var random = new Random(7);
        var taxCsv = new SnapshotCsvWriter(engine.SchemaOf(0));
        var socialCsv = new SnapshotCsvWriter(engine.SchemaOf(1));
        var leftParts = new List<byte[]>();
        var rightParts = new List<byte[]>();
        leftKeys = new string[Rows];
        leftAmounts = new decimal[Rows];
        rightKeys = new string[Rows];
        rightDistricts = new string[Rows];
        for (var i = 0; i < Rows; i++)
        {
            leftKeys[i] = $"9111{i:D14}";
            leftAmounts[i] = Math.Round((decimal)random.NextDouble() * 100_000m, 2);
            rightKeys[i] = $"9111{Rows - 1 - i:D14}";
            rightDistricts[i] = Districts[random.Next(Districts.Length)];
            taxCsv.AppendText(leftKeys[i]);
            taxCsv.AppendDecimal(leftAmounts[i]);
            taxCsv.EndRow();
            socialCsv.AppendText(rightKeys[i]);
            socialCsv.AppendText(rightDistricts[i]);
            socialCsv.EndRow();
            if (taxCsv.Buffered > 1 << 20)
            {
                leftParts.Add(taxCsv.Take(int.MaxValue));
                rightParts.Add(socialCsv.Take(int.MaxValue));
            }
        }

        leftParts.Add(taxCsv.Take(int.MaxValue));
        rightParts.Add(socialCsv.Take(int.MaxValue));
        left = [.. leftParts.SelectMany(p => p)];
        right = [.. rightParts.SelectMany(p => p)];
    }

    [Benchmark]
    public int EnclaveJoin()
    {
        using var engine = new JoinEngine(plan);
        foreach (var (input, csv) in new[] { (0, left), (1, right) })
        {
            using var sink = engine.Sink(input);
            var reader = new SnapshotCsvReader(engine.SchemaOf(input), sink);
            reader.Append(csv);
            reader.Complete();
        }

        return engine.Compute(CryptoRandomSource.Instance).Rows.Count;
    }

    /// <summary>The same, the two inputs parsed and appended at once on two threads (as two nodes' streams arrive).</summary>
    [Benchmark]
    public int EnclaveJoinConcurrent()
    {
        using var engine = new JoinEngine(plan);
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, input =>
        {
            using var sink = engine.Sink(input);
            var reader = new SnapshotCsvReader(engine.SchemaOf(input), sink);
            reader.Append(input == 0 ? left : right);
            reader.Complete();
        });

        return engine.Compute(CryptoRandomSource.Instance).Rows.Count;
    }

    [Benchmark(Baseline = true)]
    public long PlaintextDuckDb()
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE a (uscc VARCHAR, tax_paid DECIMAL(18,4)); CREATE TABLE b (uscc VARCHAR, district VARCHAR)";
            create.ExecuteNonQuery();
        }

        using (var a = connection.CreateAppender("a"))
        using (var b = connection.CreateAppender("b"))
        {
            for (var i = 0; i < Rows; i++)
            {
                a.CreateRow().AppendValue(leftKeys[i]).AppendValue(leftAmounts[i]).EndRow();
                b.CreateRow().AppendValue(rightKeys[i]).AppendValue(rightDistricts[i]).EndRow();
            }
        }

        using var query = connection.CreateCommand();
        query.CommandText = "SELECT b.district, count(*), sum(a.tax_paid) FROM a JOIN b ON a.uscc = b.uscc GROUP BY b.district";
        using var reader = query.ExecuteReader();
        long groups = 0;
        while (reader.Read())
        {
            groups++;
        }

        return groups;
    }
}
