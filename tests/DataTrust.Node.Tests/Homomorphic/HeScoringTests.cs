using DataTrust.Core.Catalog;
using DataTrust.Node.Samples;
using DataTrust.Protos.V1;

namespace DataTrust.Node.Tests.Homomorphic;

public sealed class HeScoringTests(HeFixture fixture) : IClassFixture<HeFixture>
{
    private readonly DatasetPolicy policy = SampleDataset.Tax.Policy;

    [Fact]
    public void Scores_equal_the_plain_weighted_sum_of_each_row_of_the_named_subjects_only()
    {
        var rows = He.Csv(fixture.TaxCsv);
        var subjects = rows.Select(r => r[0]).Distinct().Where((_, i) => i % 3 == 0).Take(40).ToList();
        var spec = He.Scoring(fixture.Client, "tax", ["revenue", "tax_paid"], [7, -3], 2, subjects, "year");

        var outcome = fixture.Executor.Score(spec, policy, CancellationToken.None);

        Assert.Null(outcome.Refusal);
        var result = outcome.Result!.HeScoring;
        var scores = fixture.Client.Decrypt(result);
        var expected = rows.Where(r => subjects.Contains(r[0]))
            .OrderBy(r => subjects.IndexOf(r[0])).ThenBy(r => int.Parse(r[1], System.Globalization.CultureInfo.InvariantCulture))
            .Select(r => (r[0], long.Parse(r[1], System.Globalization.CultureInfo.InvariantCulture), (7 * He.Scale(r[2], 2)) - (3 * He.Scale(r[3], 2))))
            .ToList();
        Assert.Equal(expected, scores.Select(s => (s.Subject, s.Labels[0].IntValue, s.Score)).ToList());
        Assert.All(result.Scores, s => Assert.Contains(s.Subject, subjects));
        Assert.Empty(result.UnscoredSubjects);
    }

    [Fact]
    public void Rows_fill_several_ciphertexts_and_every_non_score_slot_is_random()
    {
        // Social security: 24 months per subject, 3 features (B = 4), 1024 rows per ciphertext at N = 4096.
        var rows = He.Csv(fixture.SocialCsv);
        var subjects = rows.Select(r => r[0]).Distinct().ToList();
        var features = new[] { "insured_headcount", "contribution_base_total", "arrears_months" };
        var spec = He.Scoring(fixture.Client, "social_security", features, [100, 1, -50], 0, subjects, "month");

        var result = fixture.Executor.Score(spec, SampleDataset.SocialSecurity.Policy, CancellationToken.None).Result!.HeScoring;

        Assert.Equal(rows.Count, result.Scores.Count);
        Assert.Equal((rows.Count + 1023) / 1024, result.Ciphertexts.Count);
        var scores = fixture.Client.Decrypt(result);
        var byKey = rows.ToDictionary(r => (r[0], r[1]), r => (100 * He.Scale(r[2], 0)) + He.Scale(r[3], 0) - (50 * He.Scale(r[4], 0)));
        Assert.All(scores, s => Assert.Equal(byKey[(s.Subject, s.Labels[0].StringValue)], s.Score));
        var t = (long)fixture.Client.Context.Parameters.PlainModulus;
        var used = result.Scores.Where(s => s.Ciphertext == 0).Select(s => (int)s.Slot).ToHashSet();
        var slots = fixture.Client.DecryptSlots(result.Ciphertexts[0].Span);
        HeWeightedAggregateLayoutTests.AssertUniform(slots.Where((_, j) => !used.Contains(j)).Select(v => v < 0 ? v + t : v).ToArray(), t);
    }

    [Fact]
    public void Subjects_without_matching_rows_are_listed_as_unscored()
    {
        var subjects = new[] { He.Csv(fixture.TaxCsv)[0][0], "91110000NOSUCHONE0" };
        var spec = He.Scoring(fixture.Client, "tax", ["revenue"], [1], 0, subjects);
        var filter = new Filter { Column = "year", Operator = FilterOperator.Eq };
        filter.Values.Add(Q.Int(2024));
        spec.Filters.Add(filter);

        var result = fixture.Executor.Score(spec, policy, CancellationToken.None).Result!.HeScoring;

        Assert.Single(result.Scores);
        Assert.Equal(subjects[0], result.Scores[0].Subject);
        Assert.Equal(["91110000NOSUCHONE0"], result.UnscoredSubjects);
    }

    [Theory]
    [InlineData("year", ErrorReason.ColumnNotPermitted, "spec.he_scoring.subject_column")]
    [InlineData("nope", ErrorReason.UnknownColumn, "spec.he_scoring.subject_column")]
    public void Scoring_is_refused_when_the_subject_column_is_not_a_join_key(string column, ErrorReason reason, string field)
    {
        var spec = He.Scoring(fixture.Client, "tax", ["revenue"], [1], 0, ["x"]);
        spec.SubjectColumn = column;

        var refusal = fixture.Executor.Score(spec, policy, CancellationToken.None).Refusal!;

        Assert.Equal(reason, refusal.Reason);
        Assert.Equal(field, refusal.Field);
    }

    [Fact]
    public void Scoring_is_refused_when_a_label_column_is_not_group_by()
    {
        var spec = He.Scoring(fixture.Client, "tax", ["revenue"], [1], 0, ["x"], "uscc");

        var refusal = fixture.Executor.Score(spec, policy, CancellationToken.None).Refusal!;

        Assert.Equal(ErrorReason.ColumnNotPermitted, refusal.Reason);
        Assert.Equal("spec.he_scoring.label_columns[0]", refusal.Field);
        Assert.StartsWith("spec.he_scoring.label_columns[0]:", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scoring_is_refused_when_a_feature_is_not_aggregate()
    {
        var spec = He.Scoring(fixture.Client, "tax", ["revenue", "credit_grade"], [1, 1], 0, ["x"]);

        var refusal = fixture.Executor.Score(spec, policy, CancellationToken.None).Refusal!;

        Assert.Equal(ErrorReason.ColumnNotPermitted, refusal.Reason);
        Assert.Equal("spec.he_scoring.model.features[1]", refusal.Field);
    }

    [Fact]
    public void Scoring_is_refused_when_subjects_repeat()
    {
        var spec = He.Scoring(fixture.Client, "tax", ["revenue"], [1], 0, ["a", "b", "a"]);

        var refusal = fixture.Executor.Score(spec, policy, CancellationToken.None).Refusal!;

        Assert.Equal(ErrorReason.MalformedRequest, refusal.Reason);
        Assert.Equal("spec.he_scoring.subjects[2]", refusal.Field);
    }

    [Fact]
    public void Scoring_is_refused_when_more_than_4096_subjects_are_named()
    {
        var spec = He.Scoring(fixture.Client, "tax", ["revenue"], [1], 0, Enumerable.Range(0, 4097).Select(i => "s" + i));

        var refusal = fixture.Executor.Score(spec, policy, CancellationToken.None).Refusal!;

        Assert.Equal(ErrorReason.MalformedRequest, refusal.Reason);
        Assert.Equal("spec.he_scoring.subjects", refusal.Field);
    }

    [Fact]
    public void Scoring_is_refused_when_the_dataset_does_not_allow_it()
    {
        var spec = He.Scoring(fixture.Client, "tax", ["revenue"], [1], 0, ["x"]);

        var refusal = fixture.Executor.Score(spec, policy with { AllowedKinds = ComputationKindSet.Aggregate }, CancellationToken.None).Refusal!;

        Assert.Equal(ErrorReason.KindNotAllowed, refusal.Reason);
    }
}
