using DataTrust.Core.Catalog;
using DataTrust.Node.Query;
using DataTrust.Protos.V1;

namespace DataTrust.Node.Tests;

public sealed class RefusalTests(NodeFixture fixture) : IClassFixture<NodeFixture>
{
    private const string Injection = "x'; DROP TABLE t; --";

    public static TheoryData<string> Cases => new(RefusalCases.Keys);

    private static readonly Dictionary<string, (Func<AggregateQuery> Query, ErrorReason Reason, string Field)> RefusalCases = new()
    {
        ["unknown dataset"] = (() => Q.Query("nope", Q.Count()), ErrorReason.UnknownDataset, "dataset_id"),
        ["injection as dataset id"] = (() => Q.Query(Injection, Q.Count()), ErrorReason.UnknownDataset, "dataset_id"),
        ["unknown group-by column"] = (() => Q.Query("tax", Q.Count()).GroupBy("nope"), ErrorReason.UnknownColumn, "group_by[0]"),
        ["injection as group-by column"] = (() => Q.Query("tax", Q.Count()).GroupBy(Injection), ErrorReason.UnknownColumn, "group_by[0]"),
        ["injection as measure column"] = (() => Q.Query("tax", Q.Sum(Injection)), ErrorReason.UnknownColumn, "measures[0].column"),
        ["injection as filter column"] = (() => Q.Query("tax", Q.Count()).Where(Injection, FilterOperator.Eq, Q.Int(1)), ErrorReason.UnknownColumn, "filters[0].column"),
        ["column differing in case"] = (() => Q.Query("tax", Q.Count()).GroupBy("Year"), ErrorReason.UnknownColumn, "group_by[0]"),
        ["group by a join key"] = (() => Q.Query("tax", Q.Count()).GroupBy("uscc"), ErrorReason.ColumnNotPermitted, "group_by[0]"),
        ["filter on a join key"] = (() => Q.Query("tax", Q.Count()).Where("uscc", FilterOperator.Eq, Q.Str("x")), ErrorReason.ColumnNotPermitted, "filters[0].column"),
        ["count of a join key"] = (() => Q.Query("tax", Q.Count("uscc")), ErrorReason.ColumnNotPermitted, "measures[0].column"),
        ["group by an aggregate column"] = (() => Q.Query("tax", Q.Count()).GroupBy("revenue"), ErrorReason.ColumnNotPermitted, "group_by[0]"),
        ["filter on an aggregate-only column"] = (() => Q.Query("tax", Q.Count()).Where("revenue", FilterOperator.Gt, Q.Int(1)), ErrorReason.ColumnNotPermitted, "filters[0].column"),
        ["sum of a group-by column"] = (() => Q.Query("tax", Q.Sum("year")), ErrorReason.ColumnNotPermitted, "measures[0].column"),
        ["filter on a group-by-only column"] = (() => Q.Query("tax", Q.Count()).Where("credit_grade", FilterOperator.Eq, Q.Str("A")), ErrorReason.ColumnNotPermitted, "filters[0].column"),
        ["text literal for an int column"] = (() => Q.Query("tax", Q.Count()).Where("year", FilterOperator.Eq, Q.Str(Injection)), ErrorReason.LiteralTypeMismatch, "filters[0].values[0]"),
        ["double literal for an int column"] = (() => Q.Query("tax", Q.Count()).Where("year", FilterOperator.Eq, Q.Dbl(2024.5)), ErrorReason.LiteralTypeMismatch, "filters[0].values[0]"),
        ["null literal"] = (() => Q.Query("tax", Q.Count()).Where("year", FilterOperator.In, Q.Int(2024), new Value()), ErrorReason.LiteralTypeMismatch, "filters[0].values[1]"),
        ["decimal literal with five digits"] = (() => Q.Query("tax_open", Q.Count()).Where("revenue", FilterOperator.Gt, Q.Dec("1.00001")), ErrorReason.LiteralTypeMismatch, "filters[0].values[0]"),
        ["injection as decimal literal"] = (() => Q.Query("tax_open", Q.Count()).Where("revenue", FilterOperator.Gt, Q.Dec(Injection)), ErrorReason.LiteralTypeMismatch, "filters[0].values[0]"),
        ["int literal for a text column"] = (() => Q.Query("tax_open", Q.Count()).Where("credit_grade", FilterOperator.Eq, Q.Int(1)), ErrorReason.LiteralTypeMismatch, "filters[0].values[0]"),
        ["oversized text literal"] = (() => Q.Query("tax_open", Q.Count()).Where("credit_grade", FilterOperator.Eq, Q.Str(new string('a', 2000))), ErrorReason.LiteralTypeMismatch, "filters[0].values[0]"),
        ["no measures"] = (() => Q.Query("tax").GroupBy("year"), ErrorReason.QueryEmpty, "measures"),
        ["too many filters"] = (() => ManyFilters(17), ErrorReason.QueryTooLarge, "filters"),
        ["too many group-by columns"] = (() => Q.Query("tax", Q.Count()).GroupBy("year", "credit_grade", "year", "credit_grade", "year"), ErrorReason.QueryTooLarge, "group_by"),
        ["too many measures"] = (() => Q.Query("tax", Enumerable.Range(0, 17).Select(_ => Q.Count()).ToArray()), ErrorReason.QueryTooLarge, "measures"),
        ["too large IN list"] = (() => Q.Query("tax", Q.Count()).Where("year", FilterOperator.In, Enumerable.Range(0, 257).Select(i => Q.Int(i)).ToArray()), ErrorReason.QueryTooLarge, "filters[0].values"),
        ["too many bins"] = (() => Q.Query("tax", Q.Histogram("revenue", Enumerable.Range(0, 66).Select(i => Q.Int(i)).ToArray())), ErrorReason.QueryTooLarge, "measures[0].bin_edges"),
        ["repeated group-by column"] = (() => Q.Query("tax", Q.Count()).GroupBy("year", "year"), ErrorReason.MalformedRequest, "group_by[1]"),
        ["unset operator"] = (() => Q.Query("tax", Q.Count()).Where("year", FilterOperator.Unspecified, Q.Int(1)), ErrorReason.InvalidOperator, "filters[0].operator"),
        ["between with one value"] = (() => Q.Query("tax", Q.Count()).Where("year", FilterOperator.Between, Q.Int(1)), ErrorReason.InvalidOperator, "filters[0].values"),
        ["equality with two values"] = (() => Q.Query("tax", Q.Count()).Where("year", FilterOperator.Eq, Q.Int(1), Q.Int(2)), ErrorReason.InvalidOperator, "filters[0].values"),
        ["empty IN list"] = (() => Q.Query("tax", Q.Count()).Where("year", FilterOperator.In), ErrorReason.InvalidOperator, "filters[0].values"),
        ["unset measure function"] = (() => Q.Query("tax", new Measure { Column = "revenue" }), ErrorReason.InvalidMeasure, "measures[0].function"),
        ["sum without a column"] = (() => Q.Query("tax", new Measure { Function = MeasureFunction.Sum }), ErrorReason.InvalidMeasure, "measures[0].column"),
        ["bins on a sum"] = (() => Q.Query("tax", WithEdges(Q.Sum("revenue"))), ErrorReason.InvalidBins, "measures[0].bin_edges"),
        ["decreasing bin edges"] = (() => Q.Query("tax", Q.Histogram("revenue", Q.Int(5), Q.Int(1))), ErrorReason.InvalidBins, "measures[0].bin_edges[1]"),
        ["one bin edge"] = (() => Q.Query("tax", Q.Histogram("revenue", Q.Int(5))), ErrorReason.InvalidBins, "measures[0].bin_edges"),
        ["text bin edge"] = (() => Q.Query("tax", Q.Histogram("revenue", Q.Int(0), Q.Str(Injection))), ErrorReason.InvalidBins, "measures[0].bin_edges[1]"),
        ["query states another epsilon"] = (() => WithEpsilon(Q.Query("tax", Q.Count()), 5), ErrorReason.InvalidEpsilon, "epsilon_micros"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Refused_queries_name_the_reason_and_field_and_never_echo_the_request(string name)
    {
        // Arrange
        var (build, reason, field) = RefusalCases[name];
        var executor = new AggregateExecutor(fixture.Store);

        // Act
        var outcome = executor.Execute(build(), Epsilon.Zero);

        // Assert
        Assert.False(outcome.Succeeded);
        Assert.Equal(reason, outcome.Refusal!.Reason);
        Assert.Equal(field, outcome.Refusal.Field);
        Assert.StartsWith(field, outcome.Refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("DROP", outcome.Refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("nope", outcome.Refusal.Message, StringComparison.Ordinal);
        Assert.NotNull(fixture.Store.Find("tax"));
    }

    [Fact]
    public void Group_by_a_join_key_is_explained_with_the_exact_clause()
    {
        var check = new AggregateExecutor(fixture.Store).Explain(Q.Query("tax", Q.Count()).GroupBy("uscc"));

        Assert.False(check.Allowed);
        Assert.Equal("group_by[0]: column 'uscc' is JOIN_KEY and may never be output.", check.Refusal!.Message);
        Assert.Equal(1, check.Quota);
    }

    [Fact]
    public void An_allowed_query_is_explained_with_its_quota_and_epsilon()
    {
        var query = WithEpsilon(Q.Query("tax", Q.Sum("revenue")).GroupBy("year"), 500_000);

        var check = new AggregateExecutor(fixture.Store).Explain(query);

        Assert.True(check.Allowed);
        Assert.Equal(500_000, check.Epsilon.Micros);
        Assert.Equal(1, check.Quota);
    }

    [Theory]
    [InlineData(MeasureFunction.Min)]
    [InlineData(MeasureFunction.Max)]
    public void Min_and_max_are_refused_when_epsilon_is_spent(MeasureFunction function)
    {
        var query = Q.Query("tax", new Measure { Function = function, Column = "revenue" });

        var outcome = new AggregateExecutor(fixture.Store).Execute(query, new Epsilon(1_000_000));

        Assert.Equal(ErrorReason.MeasureNotPrivate, outcome.Refusal!.Reason);
    }

    [Fact]
    public void An_epsilon_too_small_to_split_is_refused()
    {
        var outcome = new AggregateExecutor(fixture.Store).Execute(Q.Query("tax", Q.Count(), Q.Avg("revenue")), new Epsilon(2));

        Assert.Equal(ErrorReason.InvalidEpsilon, outcome.Refusal!.Reason);
    }

    [Fact]
    public void A_dataset_whose_policy_forbids_aggregates_is_refused()
    {
        var policy = fixture.Store.Find("tax")!.Policy with { AllowedKinds = ComputationKindSet.HeScoring };

        var outcome = new AggregateExecutor(fixture.Store).Execute(Q.Query("tax", Q.Count()), Epsilon.Zero, policy);

        Assert.Equal(ErrorReason.KindNotAllowed, outcome.Refusal!.Reason);
    }

    [Fact]
    public void An_injection_string_literal_is_bound_as_a_value_and_matches_nothing()
    {
        var query = Q.Query("tax_open", Q.Count()).Where("credit_grade", FilterOperator.Eq, Q.Str(Injection));

        var outcome = new AggregateExecutor(fixture.Store).Execute(query, Epsilon.Zero);

        // No row matches: the dataset is OPEN, so the exact count over zero rows is released.
        Assert.True(outcome.Succeeded);
        Assert.False(outcome.Result!.Rows[0].Cells[0].Suppressed);
        Assert.Equal(0, outcome.Result.Rows[0].Cells[0].Value.IntValue);
        Assert.Equal(NodeFixture.TaxRows, fixture.Store.Find("tax_open")!.RowCount);
        Assert.Equal(
            NodeFixture.TaxRows,
            new AggregateExecutor(fixture.Store).Execute(Q.Query("tax_open", Q.Count()), Epsilon.Zero).Result!.Rows[0].Cells[0].Value.IntValue);
    }

    private static AggregateQuery ManyFilters(int count)
    {
        var query = Q.Query("tax", Q.Count());
        for (var i = 0; i < count; i++)
        {
            query.Where("year", FilterOperator.Ge, Q.Int(2000));
        }

        return query;
    }

    private static Measure WithEdges(Measure measure)
    {
        measure.BinEdges.Add(Q.Int(0));
        measure.BinEdges.Add(Q.Int(1));
        return measure;
    }

    private static AggregateQuery WithEpsilon(AggregateQuery query, ulong micros)
    {
        query.EpsilonMicros = micros;
        return query;
    }
}
