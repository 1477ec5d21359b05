using System.Numerics;
using DataTrust.Core.Catalog;
using DataTrust.Core.Privacy;
using DataTrust.EnclaveSim.Join;
using DataTrust.Ledger.Contracts;
using DataTrust.Protos.V1;
using CoreColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.EnclaveSim.Tests;

public sealed class JoinEngineTests
{
    private sealed record TaxRow(string Uscc, decimal Tax);

    private sealed record SocialRow(string Uscc, string District, long Insured);

    private static (List<TaxRow> Tax, List<SocialRow> Social) Data(int seed, int companies)
    {
        var random = new Random(seed);
        var tax = new List<TaxRow>();
        var social = new List<SocialRow>();
        for (var i = 0; i < companies; i++)
        {
            var uscc = $"91110000{i:D10}";
            if (random.Next(10) > 0)
            {
                tax.Add(new TaxRow(uscc, Math.Round((decimal)random.NextDouble() * 2_000_000m, 2)));
            }

            if (random.Next(10) > 0)
            {
                social.Add(new SocialRow(uscc, random.Next(8) == 0 ? "Elsewhere" : JoinFixtures.Districts[random.Next(3)], random.Next(0, 40)));
            }
        }

        return (tax, social);
    }

    private static JoinPlan Plan(long epsilonMicros = 1_000_000) =>
        JoinPlan.Create(JoinFixtures.Query(epsilonMicros), JoinFixtures.Both(), new Epsilon(epsilonMicros)).Plan!;

    private static void Load(JoinEngine engine, List<TaxRow> tax, List<SocialRow> social, bool concurrently = false)
    {
        // Through the canonical CSV, as a node releases them (the node filters insured > 10 before release).
        var taxCsv = new SnapshotCsvWriter(engine.SchemaOf(0));
        foreach (var r in tax)
        {
            taxCsv.AppendText(r.Uscc);
            taxCsv.AppendDecimal(r.Tax);
            taxCsv.EndRow();
        }

        var socialCsv = new SnapshotCsvWriter(engine.SchemaOf(1));
        foreach (var r in social.Where(r => r.Insured > 10))
        {
            socialCsv.AppendText(r.Uscc);
            socialCsv.AppendInt(r.Insured);
            socialCsv.AppendText(r.District);
            socialCsv.EndRow();
        }

        var inputs = new[] { (0, taxCsv.Take(int.MaxValue)), (1, socialCsv.Take(int.MaxValue)) };
        if (concurrently)
        {
            // Each input on its own thread, both at once, as two nodes' streams arrive.
            using var start = new Barrier(2);
            Parallel.ForEach(inputs, new ParallelOptions { MaxDegreeOfParallelism = 2 }, p =>
            {
                start.SignalAndWait();
                Read(engine, p.Item1, p.Item2);
            });
            return;
        }

        foreach (var (input, csv) in inputs)
        {
            Read(engine, input, csv);
        }
    }

    private static void Read(JoinEngine engine, int input, byte[] csv)
    {
        using var sink = engine.Sink(input);
        var reader = new SnapshotCsvReader(engine.SchemaOf(input), sink);

        // In pieces of 4 KiB, so that rows and fields are cut across appends.
        for (var offset = 0; offset < csv.Length; offset += 4096)
        {
            reader.Append(csv.AsSpan(offset, Math.Min(4096, csv.Length - offset)));
        }

        reader.Complete();
    }

    [Fact]
    public void Exact_join_matches_the_join_computed_directly_on_the_rows()
    {
        var (tax, social) = Data(7, 400);
        using var engine = new JoinEngine(Plan());
        Load(engine, tax, social);

        var exact = engine.ComputeExact();

        // Every key occurs once per input: both are joined without the grouping pass.
        Assert.True(engine.KeysKnownUnique(0));
        Assert.True(engine.KeysKnownUnique(1));
        var expected = from t in tax
                       join s in social.Where(s => s.Insured > 10) on t.Uscc equals s.Uscc
                       group t.Tax by s.District into g
                       select (District: g.Key, Count: (long)g.Count(), Sum: g.Sum(v => Math.Min(v, 1_000_000m)));
        foreach (var (district, count, sum) in expected)
        {
            var index = Array.IndexOf(JoinFixtures.Districts, district);
            if (index < 0)
            {
                continue;
            }

            Assert.Equal(count, exact[index].Rows);
            Assert.Equal(sum * 10_000m, (decimal)exact[index].Sums[1]);
        }

        Assert.Equal(expected.Count(e => e.District != "Elsewhere"), exact.Count);
    }

    [Theory]
    [InlineData(0, 1_000_000)]
    [InlineData(-5, 100_000_000_000_000_000)]
    public void Clamped_sums_are_exact_for_decimal_and_int_measures_whether_or_not_the_bounds_fit_the_column_type(long lower, long upper)
    {
        // Bounds inside DECIMAL(18,4) are summed in the column's type; 10¹⁷ is beyond it and takes the DECIMAL(38,4) path.
        var tax = JoinFixtures.Tax() with
        {
            Columns =
            [
                new ColumnSpec("uscc", CoreColumnType.Text, ColumnPermissions.JoinKey, BigInteger.Zero, BigInteger.Zero),
                new ColumnSpec("tax_paid", CoreColumnType.Decimal, ColumnPermissions.Aggregate, new BigInteger(lower), new BigInteger(upper)),
                new ColumnSpec("industry", CoreColumnType.Text, ColumnPermissions.GroupBy, BigInteger.Zero, BigInteger.Zero),
            ],
        };
        var query = JoinFixtures.Query();
        query.Measures.Add(new JoinMeasure { Function = MeasureFunction.Sum, Column = new JoinColumn { DatasetId = "social", Column = "insured" } });
        var plan = JoinPlan.Create(query, new Dictionary<string, DatasetSpec> { ["tax"] = tax, ["social"] = JoinFixtures.Social() }, new Epsilon(1_000_000)).Plan!;
        var random = new Random(5);
        var taxRows = Enumerable.Range(0, 300).Select(i => new TaxRow($"K{i}", Math.Round(((decimal)random.NextDouble() * 2_000_000m) - 500_000m, 4))).ToList();
        var socialRows = Enumerable.Range(0, 300).Select(i => new SocialRow($"K{i}", JoinFixtures.Districts[i % 3], 11 + random.Next(20_000))).ToList();
        using var engine = new JoinEngine(plan);
        Load(engine, taxRows, socialRows);

        var exact = engine.ComputeExact();

        for (var d = 0; d < JoinFixtures.Districts.Length; d++)
        {
            var members = socialRows.Where(s => s.District == JoinFixtures.Districts[d]).ToList();
            var taxSum = members.Sum(s => Math.Clamp(taxRows.Single(t => t.Uscc == s.Uscc).Tax, lower, upper));
            var insuredSum = members.Sum(s => Math.Clamp(s.Insured, 0, 10_000));
            Assert.Equal(taxSum * 10_000m, (decimal)exact[d].Sums[1]);
            Assert.Equal(insuredSum * 10_000m, (decimal)exact[d].Sums[2]);
        }
    }

    [Fact]
    public void Keys_occurring_twice_in_one_input_are_dropped_so_every_joined_row_holds_one_row_per_input()
    {
        var tax = new List<TaxRow> { new("K1", 10m), new("K1", 20m), new("K2", 5m) };
        var social = new List<SocialRow> { new("K1", "Haidian", 20), new("K2", "Haidian", 20) };
        using var engine = new JoinEngine(Plan());
        Load(engine, tax, social);

        var exact = engine.ComputeExact();

        Assert.Equal(1, exact[1].Rows);
        Assert.Equal(5m * 10_000m, (decimal)exact[1].Sums[1]);

        // The input with the repeated key goes through DuckDB's grouping pass; the other is joined as it is.
        Assert.False(engine.KeysKnownUnique(0));
        Assert.True(engine.KeysKnownUnique(1));
    }

    [Fact]
    public void Keys_repeated_in_both_inputs_follow_the_one_row_per_key_rule_exactly()
    {
        var tax = new List<TaxRow> { new("K1", 10m), new("K1", 20m), new("K2", 5m), new("K3", 7m), new("K4", 9m) };
        var social = new List<SocialRow> { new("K1", "Haidian", 20), new("K2", "Haidian", 20), new("K3", "Haidian", 20), new("K3", "Chaoyang", 20), new("K4", "Chaoyang", 20) };
        using var engine = new JoinEngine(Plan());
        Load(engine, tax, social, concurrently: true);

        var exact = engine.ComputeExact();

        // K1 is dropped from tax, K3 from social: K2 joins in Haidian, K4 in Chaoyang.
        Assert.False(engine.KeysKnownUnique(0));
        Assert.False(engine.KeysKnownUnique(1));
        Assert.Equal(1, exact[1].Rows);
        Assert.Equal(5m * 10_000m, (decimal)exact[1].Sums[1]);
        Assert.Equal(1, exact[0].Rows);
        Assert.Equal(9m * 10_000m, (decimal)exact[0].Sums[1]);
    }

    [Fact]
    public void Noisy_result_lists_every_domain_group_and_stays_within_the_noise_bound()
    {
        var (tax, social) = Data(11, 300);
        using var engine = new JoinEngine(Plan());
        Load(engine, tax, social);
        var exact = engine.ComputeExact();

        var result = engine.Compute(CryptoRandomSource.Instance);

        Assert.Equal(JoinFixtures.Districts, result.Rows.Select(r => r.Keys[0].StringValue));
        Assert.Equal(NoiseMechanism.DiscreteLaplace, result.Noise.Mechanism);
        var countNoise = result.Noise.Measures.Single(m => m.Measure == 0);
        Assert.Equal(1.0, countNoise.Sensitivity);
        for (var g = 0; g < JoinFixtures.Districts.Length; g++)
        {
            var trueCount = exact.TryGetValue(g, out var group) ? group.Rows : 0;

            // 30 standard deviations: fails with probability far below 1e-12.
            Assert.InRange(result.Rows[g].Cells[0].Value.IntValue, Math.Max(0, trueCount - (30 * countNoise.StandardDeviation)), trueCount + (30 * countNoise.StandardDeviation));
        }
    }

    [Fact]
    public void Inputs_appended_concurrently_give_the_same_exact_join_and_row_counts_as_one_after_the_other()
    {
        var (tax, social) = Data(23, 20_000);
        using var sequential = new JoinEngine(Plan());
        Load(sequential, tax, social);
        using var concurrent = new JoinEngine(Plan());
        Load(concurrent, tax, social, concurrently: true);

        var expected = sequential.ComputeExact();
        var actual = concurrent.ComputeExact();

        Assert.Equal(sequential.RowCounts, concurrent.RowCounts);
        Assert.Equal([tax.Count, social.Count(s => s.Insured > 10)], concurrent.RowCounts);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (group, figures) in expected)
        {
            Assert.Equal(figures.Rows, actual[group].Rows);
            Assert.Equal(figures.Sums, actual[group].Sums);
            Assert.Equal(figures.Counts, actual[group].Counts);
        }
    }

    [Fact]
    public void An_empty_text_key_is_a_key_that_joins_while_a_null_key_is_dropped()
    {
        using var engine = new JoinEngine(Plan());
        var taxCsv = new SnapshotCsvWriter(engine.SchemaOf(0));
        var socialCsv = new SnapshotCsvWriter(engine.SchemaOf(1));
        foreach (var (key, amount) in new[] { ("", 5m), (null, 7m), ("K", 11m) })
        {
            if (key is null)
            {
                taxCsv.AppendNull();
                socialCsv.AppendNull();
            }
            else
            {
                taxCsv.AppendText(key);
                socialCsv.AppendText(key);
            }

            taxCsv.AppendDecimal(amount);
            taxCsv.EndRow();
            socialCsv.AppendInt(20);
            socialCsv.AppendText("Haidian");
            socialCsv.EndRow();
        }

        Read(engine, 0, taxCsv.Take(int.MaxValue));
        Read(engine, 1, socialCsv.Take(int.MaxValue));
        var exact = engine.ComputeExact();

        // "" and "K" join (16 = 5 + 11); the NULL key's rows join nothing, also without the grouping pass.
        Assert.True(engine.KeysKnownUnique(0));
        Assert.Equal(2, exact[1].Rows);
        Assert.Equal(16m * 10_000m, (decimal)exact[1].Sums[1]);
    }

    [Fact]
    public void Rows_are_forgotten_when_the_engine_is_disposed()
    {
        var engine = new JoinEngine(Plan());
        Load(engine, [new("K1", 1m)], [new("K1", "Haidian", 20)]);
        engine.Dispose();

        Assert.Throws<ObjectDisposedException>(() => engine.Compute(CryptoRandomSource.Instance));
        Assert.Throws<ObjectDisposedException>(() => engine.Sink(0));
    }
}
