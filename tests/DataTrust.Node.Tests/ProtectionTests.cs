using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Node.Query;
using DataTrust.Protos.V1;

namespace DataTrust.Node.Tests;

public sealed class ProtectionTests : IClassFixture<NodeFixture>
{
    private readonly NodeFixture fixture;

    /// <summary>The hand-made tables: rows, k, dominance and the AGGREGATE column's upper bound.</summary>
    private static readonly Dictionary<string, (string Rows, int K, DominanceRule Dominance, long Upper)> Tables = new()
    {
        // A: 5 rows, B: 2 rows (< k = 3), C: 4 rows, D: 6 rows.
        ["regions"] = (Rows(("A", "s", 10, 5), ("B", "s", 10, 2), ("C", "s", 10, 4), ("D", "s", 10, 6)), 3, new DominanceRule(1, 85), 1_000_000),
        // E is dominated by one contributor.
        ["dominated"] = (Rows(("E", "s", 1000, 1), ("E", "s", 1, 4), ("F", "s", 10, 5), ("G", "s", 10, 7)), 3, new DominanceRule(1, 85), 1_000_000),
        ["grid"] = (Rows(Grid()), 3, DominanceRule.Disabled, 1_000_000),
        ["clamped"] = (Rows(("A", "s", 500, 5)), 1, DominanceRule.Disabled, 100),
        ["negative"] = (Rows(("N", "s", -1000, 1), ("N", "s", 1, 4), ("P", "s", 10, 5), ("Q", "s", 10, 6)), 3, new DominanceRule(1, 85), 1_000_000),
    };

    private static int fresh;

    public ProtectionTests(NodeFixture fixture)
    {
        this.fixture = fixture;
        lock (fixture)
        {
            if (fixture.Store.Find("regions") is null)
            {
                foreach (var (id, table) in Tables)
                {
                    fixture.ImportSmall(id, table.Rows, table.K, table.Dominance, table.Upper);
                }
            }
        }
    }

    private static (string, string, int, int)[] Grid()
    {
        var grid = new List<(string, string, int, int)>();
        foreach (var region in new[] { "R1", "R2", "R3", "R4" })
        {
            foreach (var sector in new[] { "S1", "S2", "S3" })
            {
                grid.Add((region, sector, 10, region == "R2" && sector == "S2" ? 1 : 3 + ((region[1] + sector[1]) % 5)));
            }
        }

        return [.. grid];
    }

    [Fact]
    public void Groups_smaller_than_k_are_suppressed_and_reported()
    {
        var result = Run(Q.Query("regions", Q.Count(), Q.Sum("amount")).GroupBy("region"));

        var b = result.Rows[1];
        Assert.Equal("B", b.Keys[0].StringValue);
        Assert.All(b.Cells, c => Assert.Equal(SuppressionRule.Withheld, c.SuppressedBy));
        Assert.Contains(result.Suppressed, s => s.Row == 1 && s.Measure == 0 && s.Rule == SuppressionRule.Withheld);
        Assert.Contains(result.Suppressed, s => s.Row == 1 && s.Measure == 1 && s.Rule == SuppressionRule.Withheld);
        Assert.Equal(Value.KindOneofCase.None, b.Cells[0].Value?.KindCase ?? Value.KindOneofCase.None);
    }

    [Fact]
    public void One_suppressed_cell_in_a_margin_gets_the_smallest_other_cell_suppressed_too()
    {
        var result = Run(Q.Query("regions", Q.Count()).GroupBy("region"));

        var rules = result.Rows.Select(r => r.Cells[0].SuppressedBy).ToList();
        Assert.Equal(
            [SuppressionRule.Unspecified, SuppressionRule.Withheld, SuppressionRule.Withheld, SuppressionRule.Unspecified],
            rules);
        Assert.Contains(result.Suppressed, s => s.Row == 2 && s.Rule == SuppressionRule.Withheld);
        Assert.Equal(5, result.Rows[0].Cells[0].Value.IntValue);
        Assert.Equal(6, result.Rows[3].Cells[0].Value.IntValue);
    }

    [Fact]
    public void A_group_dominated_by_one_contributor_is_withheld_and_so_is_every_group_that_would_reveal_it_as_a_remainder()
    {
        var result = Run(Q.Query("dominated", Q.Count(), Q.Sum("amount"), Q.Avg("amount")).GroupBy("region"));

        // E's SUM and AVG fail dominance. The audit's span is measure-blind (one span over atoms for every measure),
        // so releasing E's COUNT would determine E's atom, which fails dominance: the count is withheld too. That is
        // sound and costs utility; the threat model says so.
        var e = result.Rows[0];
        Assert.Equal("E", e.Keys[0].StringValue);
        Assert.All(e.Cells, c => Assert.Equal(SuppressionRule.Withheld, c.SuppressedBy));

        // F (5 rows) is the smallest other group, so it complements E. G (7 rows) would, with the catalog's row
        // count, leave E and F as one remaining atom — still dominated by the 1000 — so G is withheld as well.
        Assert.All(result.Rows[1].Cells, c => Assert.Equal(SuppressionRule.Withheld, c.SuppressedBy));
        Assert.All(result.Rows[2].Cells, c => Assert.Equal(SuppressionRule.Withheld, c.SuppressedBy));
        Assert.Equal(9, result.Suppressed.Count);
    }

    [Fact]
    public void Dominance_compares_magnitudes_when_contributions_are_negative()
    {
        var result = Run(Q.Query("negative", Q.Sum("amount")).GroupBy("region"));

        Assert.Equal(SuppressionRule.Withheld, result.Rows[0].Cells[0].SuppressedBy);
    }

    [Fact]
    public void A_bound_beyond_the_column_range_is_limited_to_it()
    {
        var dataset = fixture.Store.Find("regions")!;
        var policy = dataset.Policy with
        {
            Columns = dataset.Policy.Columns.Select(c => c.Column == "amount"
                ? c with { UpperBound = System.Numerics.BigInteger.Pow(2, 255) - 1 }
                : c).ToArray(),
        };

        var outcome = new AggregateExecutor(fixture.Store, random: new SplitMixSource(5))
            .Execute(Q.Query("regions", Q.Sum("amount")), new Epsilon(1_000_000), policy);

        Assert.True(outcome.Succeeded, outcome.Refusal?.Message);
        Assert.Equal(99_999_999_999_999.0 / 1.0, outcome.Result!.Noise.Measures[0].Sensitivity);
    }

    [Fact]
    public void In_a_two_dimensional_table_every_row_and_column_has_zero_or_at_least_two_suppressed_cells()
    {
        var result = Run(Q.Query("grid", Q.Count()).GroupBy("region", "sector"));

        Assert.Equal(12, result.Rows.Count);
        var cell = result.Rows.Single(r => r.Keys[0].StringValue == "R2" && r.Keys[1].StringValue == "S2");
        Assert.Equal(SuppressionRule.Withheld, cell.Cells[0].SuppressedBy);
        foreach (var line in result.Rows.GroupBy(r => r.Keys[0].StringValue).Concat(result.Rows.GroupBy(r => r.Keys[1].StringValue)))
        {
            var suppressed = line.Count(r => r.Cells[0].Suppressed);
            Assert.True(suppressed is 0 or >= 2, $"line {line.Key} has {suppressed} suppressed cells");
        }

        Assert.Equal(result.Rows.Count(r => r.Cells[0].Suppressed), result.Suppressed.Count);
    }

    [Fact]
    public void Histogram_bins_below_k_are_withheld_with_a_complement()
    {
        var result = Run(Q.Query("regions", Q.Histogram("amount", Q.Int(0), Q.Int(5), Q.Int(50), Q.Int(2000))));

        // Every one of the 17 rows holds 10: bin [5, 50) has them all and is released; the two empty bins look like
        // small ones (withheld), and the catalog's row count makes the full bin no news.
        var bins = result.Rows[0].Cells[0].Histogram.Bins;
        Assert.Equal(17, bins[1].Count);
        Assert.Equal(SuppressionRule.Withheld, bins[0].SuppressedBy);
        Assert.Equal(SuppressionRule.Withheld, bins[2].SuppressedBy);
    }

    [Fact]
    public void A_histogram_bin_whose_release_would_determine_a_dominated_remainder_is_withheld()
    {
        var result = Run(Q.Query("dominated", Q.Histogram("amount", Q.Int(0), Q.Int(5), Q.Int(50), Q.Int(2000))));

        // Bins: 4 rows of 1, 12 rows of 10, 1 row of 1000. Bin 2 (1 row) is small and bin 0 complements it. Releasing
        // bin 1 would, with the published row count, determine the other five rows as one atom — dominated by the 1000.
        var bins = result.Rows[0].Cells[0].Histogram.Bins;
        Assert.All(bins, bin => Assert.Equal(SuppressionRule.Withheld, bin.SuppressedBy));
    }

    [Fact]
    public void Groups_are_the_public_domain_values_the_querys_own_filters_admit_whatever_the_data_holds()
    {
        // D has rows, E..Z are not in the table; the domain is A..D. The filter admits B, C and D: those three are the
        // groups, whatever rows exist, and A (excluded by the filter, so necessarily empty) is not listed.
        var result = Run(Q.Query("regions", Q.Count()).GroupBy("region").Where("region", FilterOperator.In, Q.Str("B"), Q.Str("C"), Q.Str("D")));

        Assert.Equal(["B", "C", "D"], result.Rows.Select(r => r.Keys[0].StringValue));
        Assert.Equal(6, result.Rows[2].Cells[0].Value.IntValue);
    }

    [Fact]
    public void Suppression_is_off_with_k_one_and_no_dominance()
    {
        var result = Run(Q.Query("tax_open", Q.Count(), Q.Sum("revenue")).GroupBy("year", "credit_grade"));

        Assert.Empty(result.Suppressed);
    }

    [Fact]
    public void Noise_is_calibrated_to_sensitivity_over_the_epsilon_share()
    {
        var query = Q.Query("regions", Q.Count(), Q.Sum("amount"), Q.Avg("amount"), Q.Histogram("amount", Q.Int(0), Q.Int(100)));
        var executor = new AggregateExecutor(fixture.Store, random: new SplitMixSource(1));

        var outcome = executor.Execute(query, new Epsilon(1_000_000));
        Assert.True(outcome.Succeeded, outcome.Refusal?.Message);
        var noise = outcome.Result!.Noise;

        // 5 components: count, sum, avg (sum + count), histogram; ε = 1.0 → 0.2 each.
        Assert.Equal(NoiseMechanism.DiscreteLaplace, noise.Mechanism);
        Assert.Equal(5, noise.Measures.Count);
        Assert.All(noise.Measures, n => Assert.Equal(200_000UL, n.EpsilonMicros));
        Assert.Equal(5.0, noise.Measures.Single(n => n.Measure == 0).Scale, 9);
        Assert.Equal(1_000_000 / 0.2, noise.Measures.Single(n => n.Measure == 1).Scale, 6);
        Assert.Equal(5.0, noise.Measures.Single(n => n.Measure == 3).Scale, 9);
    }

    [Fact]
    public void Noisy_counts_scatter_around_the_true_count_with_the_calibrated_scale()
    {
        // ε = 0.5 on one COUNT: scale 2. Group D has 6 rows.
        var executor = new AggregateExecutor(fixture.Store, random: new SplitMixSource(7));
        var query = Q.Query("regions", Q.Count()).Where("region", FilterOperator.Eq, Q.Str("D"));
        var deviations = new List<double>();
        for (var i = 0; i < 400; i++)
        {
            var result = executor.Execute(query, new Epsilon(500_000)).Result!;
            deviations.Add(Math.Abs(result.Rows[0].Cells[0].Value.IntValue - 6));
        }

        // Rounding and the floor at 0 perturb the mean absolute deviation a little around 2.
        Assert.InRange(deviations.Average(), 1.5, 2.5);
    }

    [Fact]
    public void Contributions_are_clamped_to_the_bounds_when_epsilon_is_spent()
    {
        var executor = new AggregateExecutor(fixture.Store, random: new SplitMixSource(3));

        var result = executor.Execute(Q.Query("clamped", Q.Sum("amount")), new Epsilon(1000_000_000)).Result!;

        // Five values of 500 clamped to 100: 500, plus noise of scale 100/1000 = 0.1.
        Assert.InRange(decimal.Parse(result.Rows[0].Cells[0].Value.DecimalValue, System.Globalization.CultureInfo.InvariantCulture), 495m, 505m);
    }

    [Fact]
    public void Noise_with_the_default_source_differs_between_runs()
    {
        var executor = new AggregateExecutor(fixture.Store);
        var query = Q.Query("tax_open", Q.Sum("revenue"));

        var first = executor.Execute(query, new Epsilon(100_000)).Result!.Rows[0].Cells[0].Value.DecimalValue;
        var second = executor.Execute(query, new Epsilon(100_000)).Result!.Rows[0].Cells[0].Value.DecimalValue;

        Assert.NotEqual(first, second);
    }

    /// <summary>
    /// Runs an exact query on a fresh copy of its table, so that what earlier tests released on the same table (the
    /// cross-query audit's state) does not change what this result withholds: these tests pin the rules within one result.
    /// </summary>
    private AggregateResult Run(AggregateQuery query)
    {
        if (Tables.TryGetValue(query.DatasetId, out var table))
        {
            query = query.Clone();
            query.DatasetId = $"{query.DatasetId}_{Interlocked.Increment(ref fresh)}";
            fixture.ImportSmall(query.DatasetId, table.Rows, table.K, table.Dominance, table.Upper);
        }

        var outcome = new AggregateExecutor(fixture.Store).Execute(query, Epsilon.Zero);
        Assert.True(outcome.Succeeded, outcome.Refusal?.Message);
        return outcome.Result!;
    }

    private static string Rows(params (string Region, string Sector, int Amount, int Times)[] rows)
    {
        var csv = new StringBuilder();
        foreach (var (region, sector, amount, times) in rows)
        {
            for (var i = 0; i < times; i++)
            {
                csv.Append(region).Append(',').Append(sector).Append(',').Append(amount).Append('\n');
            }
        }

        return csv.ToString();
    }
}
