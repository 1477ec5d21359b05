using DataTrust.Core.Catalog;
using DataTrust.Node.Homomorphic;
using DataTrust.Client.Homomorphic;
using DataTrust.Node.Samples;
using DataTrust.Protos.V1;
using Google.Protobuf;

namespace DataTrust.Node.Tests.Homomorphic;

public sealed class HeCrossDomainTests(HeFixture fixture) : IClassFixture<HeFixture>
{
    private HeCrossDomainSumSpec Spec(HeClient client, AggregateQuery? tax = null)
    {
        var spec = new HeCrossDomainSumSpec { ScaleDigits = 0, Keys = client.CreateKeys(null) };
        spec.Parts.Add(tax ?? Q.Query("tax", Q.Sum("tax_paid"), Q.Count()));
        spec.Parts.Add(Q.Query("social_security", Q.Sum("contribution_base_total"), Q.Count()));
        return spec;
    }

    private (HePartialResult Tax, HePartialResult Social) Partials(HeCrossDomainSumSpec spec) =>
        (fixture.Executor.Partial(spec, 0, Epsilon.Zero, HeFixture.TaxPolicy, CancellationToken.None).Result!.HePartial,
         fixture.Executor.Partial(spec, 1, Epsilon.Zero, SampleDataset.SocialSecurity.Policy, CancellationToken.None).Result!.HePartial);

    private static HePartInfo[] Infos() =>
        [new() { JobId = ByteString.CopyFrom(new byte[32]) }, new() { JobId = ByteString.CopyFrom(Enumerable.Repeat((byte)1, 32).ToArray()) }];

    [Fact]
    public void Partials_combined_decrypt_to_the_sum_of_the_parts_exact_totals()
    {
        var spec = Spec(fixture.Client);
        var tax = fixture.Aggregates.Execute(spec.Parts[0], Epsilon.Zero, HeFixture.TaxPolicy).Result!.Rows[0].Cells;
        var social = fixture.Aggregates.Execute(spec.Parts[1], Epsilon.Zero, SampleDataset.SocialSecurity.Policy).Result!.Rows[0].Cells;
        var (a, b) = Partials(spec);

        var outcome = HeExecutor.Combine(spec, [a, b], Infos());

        Assert.Null(outcome.Refusal);
        var result = outcome.Result!.HeCrossDomainSum;
        var totals = fixture.Client.Decrypt(result);
        Assert.Equal(He.Scale(tax[0].Value, 0) + He.Scale(social[0].Value, 0), totals[0].Total);
        Assert.Equal(tax[1].Value.IntValue + social[1].Value.IntValue, totals[1].Total);
        Assert.Equal("sum(tax_paid) + sum(contribution_base_total)", totals[0].Measure);
        Assert.Equal("count(*) + count(*)", totals[1].Measure);
        Assert.Equal(["tax", "social_security"], result.Parts.Select(p => p.DatasetId));
        Assert.Equal(Infos()[1].JobId, result.Parts[1].JobId);
        var t = (long)fixture.Client.Context.Parameters.PlainModulus;
        HeWeightedAggregateLayoutTests.AssertUniform(fixture.Client.DecryptSlots(result.Ciphertext.Span).Skip(2).Select(v => v < 0 ? v + t : v).ToArray(), t);
    }

    [Fact]
    public void A_measure_withheld_by_one_part_is_withheld_in_the_total()
    {
        // No tax row before 2023: the part is empty, and an empty cell is withheld like a small one.
        var filter = new Filter { Column = "year", Operator = FilterOperator.Lt };
        filter.Values.Add(Q.Int(2023));
        var tax = Q.Query("tax", Q.Sum("tax_paid"), Q.Count());
        tax.Filters.Add(filter);
        var spec = Spec(fixture.Client, tax);
        var (a, b) = Partials(spec);

        var result = HeExecutor.Combine(spec, [a, b], Infos()).Result!.HeCrossDomainSum;

        Assert.Equal([true, true], a.Suppressed);
        Assert.Equal([false, false], b.Suppressed);
        Assert.Equal([true, true], result.Suppressed);
        Assert.All(fixture.Client.Decrypt(result), total => Assert.Null(total.Total));
    }

    [Fact]
    public void Combine_refuses_a_partial_made_under_other_parameters()
    {
        var spec = Spec(fixture.Client);
        var (a, _) = Partials(spec);
        var foreign = Partials(Spec(fixture.Other)).Social;

        var refusal = HeExecutor.Combine(spec, [a, foreign], Infos()).Refusal!;

        Assert.Equal(ErrorReason.HePayloadInvalid, refusal.Reason);
        Assert.Equal("partials[1].ciphertext", refusal.Field);
    }

    [Fact]
    public void Combine_refuses_a_truncated_partial()
    {
        var spec = Spec(fixture.Client);
        var (a, b) = Partials(spec);
        b.Ciphertext = ByteString.CopyFrom(b.Ciphertext.Span[..^1]);

        var refusal = HeExecutor.Combine(spec, [a, b], Infos()).Refusal!;

        Assert.Equal(ErrorReason.HePayloadInvalid, refusal.Reason);
        Assert.Equal("partials[1].ciphertext", refusal.Field);
    }

    [Fact]
    public void Combine_refuses_partials_out_of_spec_order()
    {
        var spec = Spec(fixture.Client);
        var (a, b) = Partials(spec);

        var refusal = HeExecutor.Combine(spec, [b, a], Infos()).Refusal!;

        Assert.Equal(ErrorReason.MalformedRequest, refusal.Reason);
        Assert.Equal("partials[0].dataset_id", refusal.Field);
    }

    [Fact]
    public void Partial_is_refused_for_a_part_with_group_by_or_other_measures()
    {
        var spec = Spec(fixture.Client);
        spec.Parts[1].Measures[1] = Q.Avg("insured_headcount");

        var refusal = fixture.Executor.Partial(spec, 0, Epsilon.Zero, HeFixture.TaxPolicy, CancellationToken.None).Refusal!;

        Assert.Equal(ErrorReason.InvalidMeasure, refusal.Reason);
        Assert.Equal("spec.he_cross_domain_sum.parts[1].measures[1].function", refusal.Field);
    }

    [Fact]
    public void Partial_is_refused_when_the_parts_have_different_measure_counts()
    {
        var spec = Spec(fixture.Client);
        spec.Parts[1].Measures.RemoveAt(1);

        var refusal = fixture.Executor.Partial(spec, 0, Epsilon.Zero, HeFixture.TaxPolicy, CancellationToken.None).Refusal!;

        Assert.Equal(ErrorReason.MalformedRequest, refusal.Reason);
        Assert.Equal("spec.he_cross_domain_sum.parts[1].measures", refusal.Field);
    }

    [Fact]
    public void Partial_reports_an_unknown_column_at_its_part()
    {
        var spec = Spec(fixture.Client);
        spec.Parts[0].Measures[0].Column = "nope";

        var refusal = fixture.Executor.Partial(spec, 0, Epsilon.Zero, HeFixture.TaxPolicy, CancellationToken.None).Refusal!;

        Assert.Equal(ErrorReason.UnknownColumn, refusal.Reason);
        Assert.Equal("spec.he_cross_domain_sum.parts[0].measures[0].column", refusal.Field);
    }

    [Fact]
    public void Partial_with_epsilon_spends_it_on_the_part_and_keeps_the_layout()
    {
        var spec = Spec(fixture.Client);
        spec.Parts[0].EpsilonMicros = 500_000;

        var partial = fixture.Executor.Partial(spec, 0, new Epsilon(500_000), HeFixture.TaxPolicy, CancellationToken.None).Result!.HePartial;

        Assert.Equal(NoiseMechanism.DiscreteLaplace, partial.Noise.Mechanism);
        Assert.Equal(500_000ul, partial.Noise.EpsilonMicros);
        Assert.Equal(2, partial.Suppressed.Count);
    }
}
