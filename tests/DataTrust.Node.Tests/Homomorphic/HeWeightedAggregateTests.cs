using DataTrust.Core.Catalog;
using DataTrust.Node.Samples;
using DataTrust.Protos.V1;

namespace DataTrust.Node.Tests.Homomorphic;

public sealed class HeWeightedAggregateTests(HeFixture fixture) : IClassFixture<HeFixture>
{
    private readonly DatasetPolicy taxPolicy = HeFixture.TaxPolicy;

    [Fact]
    public void Weighted_aggregate_decrypts_to_the_weighted_protected_sums_and_the_count_of_each_group()
    {
        var spec = He.Weighted(fixture.Client, "tax", ["revenue", "tax_paid"], [3, -2], 1, "year");
        var plain = fixture.Aggregates.Execute(Q.Query("tax", Q.Count(), Q.Sum("revenue"), Q.Sum("tax_paid")).GroupBy("year"), Epsilon.Zero, taxPolicy).Result!;

        var outcome = fixture.Executor.WeightedAggregate(spec, Epsilon.Zero, taxPolicy, CancellationToken.None);

        Assert.Null(outcome.Refusal);
        var result = outcome.Result!.HeWeightedAggregate;
        var groups = fixture.Client.Decrypt(result);
        Assert.Equal(plain.Rows.Count, groups.Count);
        Assert.Equal(3, groups.Count);
        for (var g = 0; g < groups.Count; g++)
        {
            var row = plain.Rows[g];
            Assert.Equal(row.Keys, groups[g].Keys);
            Assert.Equal(row.Cells[0].Value.IntValue, groups[g].Count);
            Assert.False(result.Groups[g].SumSuppressed);
            Assert.Equal((3 * He.Scale(row.Cells[1].Value, 1)) - (2 * He.Scale(row.Cells[2].Value, 1)), groups[g].WeightedSum);
            Assert.Equal((uint)(g * 2), result.Groups[g].Slot);
        }

        Assert.Equal(2u, result.BlockWidth);
        Assert.Single(result.Ciphertexts);
    }
}

public sealed class HeWeightedAggregateLayoutTests(HeFixture fixture) : IClassFixture<HeFixture>
{
    private readonly DatasetPolicy registerPolicy = HeFixture.RegisterPolicy;

    [Fact]
    public void One_hot_weights_give_exactly_the_permitted_SUM_and_suppressed_groups_are_marked()
    {
        // 400 register rows over 16 weighted districts: some districts have fewer than k = 10 rows.
        var spec = He.Weighted(fixture.Client, "market_register", ["registered_capital"], [1], 2, "district");
        var plain = fixture.Aggregates.Execute(Q.Query("market_register", Q.Count(), Q.Sum("registered_capital")).GroupBy("district"), Epsilon.Zero, registerPolicy).Result!;

        var result = fixture.Executor.WeightedAggregate(spec, Epsilon.Zero, registerPolicy, CancellationToken.None).Result!.HeWeightedAggregate;
        var groups = fixture.Client.Decrypt(result);

        Assert.Contains(plain.Rows, r => r.Cells[1].Suppressed);
        Assert.Contains(plain.Rows, r => !r.Cells[1].Suppressed);
        for (var g = 0; g < plain.Rows.Count; g++)
        {
            var sum = plain.Rows[g].Cells[1];
            var count = plain.Rows[g].Cells[0];
            Assert.Equal(sum.Suppressed, result.Groups[g].SumSuppressed);
            Assert.Equal(sum.SuppressedBy, result.Groups[g].SumSuppressedBy);
            Assert.Equal(count.Suppressed, result.Groups[g].CountSuppressed);
            Assert.Equal(sum.Suppressed ? null : He.Scale(sum.Value, 2), groups[g].WeightedSum);
            Assert.Equal(count.Suppressed ? null : count.Value.IntValue, groups[g].Count);
        }
    }

    [Fact]
    public void Every_slot_that_is_not_a_result_decrypts_to_uniform_randomness()
    {
        var spec = He.Weighted(fixture.Client, "market_register", ["registered_capital", "established_year"], [5, 7], 0, "district");
        spec.Model = fixture.Client.EncryptModel(["registered_capital"], [5], 0);
        spec.Keys = fixture.Client.CreateKeys(1);
        var result = fixture.Executor.WeightedAggregate(spec, Epsilon.Zero, registerPolicy, CancellationToken.None).Result!.HeWeightedAggregate;
        var t = (long)fixture.Client.Context.Parameters.PlainModulus;
        var half = fixture.Client.Context.RowSize;

        var slots = fixture.Client.DecryptSlots(result.Ciphertexts[0].Span);
        var resultSlots = new HashSet<int>();
        foreach (var group in result.Groups)
        {
            if (!group.SumSuppressed)
            {
                resultSlots.Add((int)group.Slot);
            }

            if (!group.CountSuppressed)
            {
                resultSlots.Add((int)group.Slot + half);
            }
        }

        var others = slots.Where((_, j) => !resultSlots.Contains(j)).Select(v => v < 0 ? v + t : v).ToArray();
        AssertUniform(others, t);
    }

    [Fact]
    public void Rotation_partial_sums_never_show_through_the_mask()
    {
        // Four features (B = 4): the slots p·B + 1..3 would hold partial sums of neighbouring feature products.
        var policy = SampleDataset.SocialSecurity.Policy;
        var features = new[] { "insured_headcount", "contribution_base_total", "arrears_months" };
        var spec = He.Weighted(fixture.Client, "social_security", features, [1, 1, 1], 0, "month");
        var plain = fixture.Aggregates.Execute(Q.Query("social_security", Q.Count(), Q.Sum(features[0]), Q.Sum(features[1]), Q.Sum(features[2])).GroupBy("month"), Epsilon.Zero, policy).Result!;
        var t = (long)fixture.Client.Context.Parameters.PlainModulus;
        var half = fixture.Client.Context.RowSize;

        var result = fixture.Executor.WeightedAggregate(spec, Epsilon.Zero, policy, CancellationToken.None).Result!.HeWeightedAggregate;
        var slots = fixture.Client.DecryptSlots(result.Ciphertexts[0].Span).Select(v => v < 0 ? v + t : v).ToArray();

        // The unmasked value of row 0 after rotate-and-add: slot j = Σ_{k<4} x[j+k], x[p·4+i] = S_{p,i}.
        var x = new long[half];
        for (var g = 0; g < plain.Rows.Count; g++)
        {
            for (var i = 0; i < 3; i++)
            {
                var cell = plain.Rows[g].Cells[1 + i];
                x[(g * 4) + i] = cell.Suppressed ? 0 : He.Scale(cell.Value, 0);
            }
        }

        var matches = 0;
        var nonResult = 0;
        for (var j = 0; j < half; j++)
        {
            if (j % 4 == 0 && j / 4 < result.Groups.Count && !result.Groups[j / 4].SumSuppressed)
            {
                continue;
            }

            nonResult++;
            var unmasked = ((x[j] + x[(j + 1) % half] + x[(j + 2) % half] + x[(j + 3) % half]) % t + t) % t;
            matches += slots[j] == unmasked ? 1 : 0;
        }

        Assert.True(nonResult > 1900);
        Assert.True(matches <= 2, $"{matches} of {nonResult} non-result slots equal their unmasked partial sums");
        Assert.Contains(result.Groups, g => !g.SumSuppressed);
    }

    [Fact]
    public void Epsilon_above_zero_changes_the_values_but_not_the_layout()
    {
        var spec = He.Weighted(fixture.Client, "market_register", ["registered_capital"], [1], 0, "district");
        var exact = fixture.Executor.WeightedAggregate(spec, Epsilon.Zero, registerPolicy, CancellationToken.None).Result!.HeWeightedAggregate;

        var noisy = fixture.Executor.WeightedAggregate(spec, new Epsilon(1_000_000), registerPolicy, CancellationToken.None).Result!.HeWeightedAggregate;

        Assert.Equal(exact.Groups.Select(g => (g.Ciphertext, g.Slot, g.Keys.ToString())), noisy.Groups.Select(g => (g.Ciphertext, g.Slot, g.Keys.ToString())));
        Assert.Equal(exact.Ciphertexts.Count, noisy.Ciphertexts.Count);
        Assert.Equal(NoiseMechanism.DiscreteLaplace, noisy.Noise.Mechanism);
        Assert.Equal(1_000_000ul, noisy.Noise.EpsilonMicros);
        var a = fixture.Client.Decrypt(exact);
        var b = fixture.Client.Decrypt(noisy);
        Assert.Contains(Enumerable.Range(0, a.Count), g => a[g].WeightedSum is not null && b[g].WeightedSum is not null && a[g].WeightedSum != b[g].WeightedSum);
    }

    internal static void AssertUniform(long[] values, long t)
    {
        // 16 equal buckets over [0, t): each should hold n/16 ± a wide margin (> 6 standard deviations); zeros or
        // small partial sums would all fall into the first bucket.
        const int buckets = 16;
        var counts = new int[buckets];
        foreach (var v in values)
        {
            Assert.InRange(v, 0, t - 1);
            counts[(int)(v * (double)buckets / t)]++;
        }

        var expected = values.Length / (double)buckets;
        var margin = 6 * Math.Sqrt(expected);
        Assert.All(counts, c => Assert.InRange(c, expected - margin, expected + margin));
        Assert.True(values.Distinct().Count() > values.Length * 0.99, "the random slots repeat");
    }
}
