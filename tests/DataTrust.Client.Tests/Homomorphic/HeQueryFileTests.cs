using DataTrust.Client.Homomorphic;
using DataTrust.Protos.V1;

namespace DataTrust.Client.Tests.Homomorphic;

public sealed class HeQueryFileTests
{
    [Fact]
    public void A_weighted_query_gives_dataset_filters_groups_and_epsilon_and_leaves_model_and_keys_unset()
    {
        var spec = HeQueryFile.ParseWeighted("""
            {"dataset": "tax", "groupBy": ["credit_grade"], "epsilon": "0.5",
             "filters": [{"column": "year", "operator": "ge", "values": [{"intValue": "2024"}]}]}
            """);

        Assert.Equal("tax", spec.DatasetId);
        Assert.Equal(["credit_grade"], spec.GroupBy);
        Assert.Equal(FilterOperator.Ge, Assert.Single(spec.Filters).Operator);
        Assert.Equal(500_000UL, spec.EpsilonMicros);
        Assert.Null(spec.Model);
        Assert.Null(spec.Keys);
    }

    [Fact]
    public void A_weighted_query_without_epsilon_spends_none()
    {
        var spec = HeQueryFile.ParseWeighted("""{"dataset": "tax"}""");

        Assert.False(spec.HasEpsilonMicros);
        Assert.Empty(spec.GroupBy);
    }

    [Fact]
    public void A_scoring_query_names_the_subject_column_subjects_and_labels()
    {
        var spec = HeQueryFile.ParseScoring("""{"dataset": "tax", "subjectColumn": "uscc", "subjects": ["A1", "B2"], "labels": ["year"]}""");

        Assert.Equal("uscc", spec.SubjectColumn);
        Assert.Equal(["A1", "B2"], spec.Subjects);
        Assert.Equal(["year"], spec.LabelColumns);
    }

    [Fact]
    public void A_cross_domain_query_keeps_its_parts_in_order_with_each_parts_epsilon_and_the_scale()
    {
        var spec = HeQueryFile.ParseCrossDomain("""
            {"parts": [
               {"datasetId": "tax", "measures": [{"function": "SUM", "column": "tax_paid"}], "epsilon": 0.25},
               {"datasetId": "social_security", "measures": [{"function": "sum", "column": "contribution_base_total"}]}],
             "scaleDigits": 2}
            """);

        Assert.Equal(["tax", "social_security"], spec.Parts.Select(p => p.DatasetId));
        Assert.Equal(250_000UL, spec.Parts[0].EpsilonMicros);
        Assert.False(spec.Parts[1].HasEpsilonMicros);
        Assert.Equal(MeasureFunction.Sum, spec.Parts[1].Measures[0].Function);
        Assert.Equal(2u, spec.ScaleDigits);
    }

    [Theory]
    [InlineData("""{"dataset": "tax", "model": {}}""", "unknown field \"model\"")]
    [InlineData("""{"datasetId": "tax"}""", "unknown field \"datasetId\"")]
    [InlineData("""{"groupBy": ["year"]}""", "needs \"dataset\"")]
    [InlineData("""{"dataset": "tax", "epsilon": "-1"}""", "invalid \"epsilon\"")]
    [InlineData("""{"dataset": "tax", "epsilon": "0.1234567"}""", "invalid \"epsilon\"")]
    [InlineData("""{"dataset": "tax", "filters": [{"column": "year", "operator": "NEAR"}]}""", "not a valid query")]
    [InlineData("""{"dataset": "tax", "groupBy": "year"}""", "not a valid query")]
    [InlineData("""{"dataset": """, "not valid JSON")]
    public void A_bad_weighted_query_is_refused(string json, string expected)
    {
        var ex = Assert.Throws<DataTrust.Client.ClientException>(() => HeQueryFile.ParseWeighted(json, "w.json"));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"dataset": "tax", "subjects": ["A"]}""", "needs \"subjectColumn\"")]
    [InlineData("""{"dataset": "tax", "subjectColumn": "uscc", "subjects": []}""", "names 0 subjects")]
    [InlineData("""{"dataset": "tax", "subjectColumn": "uscc"}""", "names 0 subjects")]
    [InlineData("""{"dataset": "tax", "subjectColumn": "uscc", "subjects": ["A", "A"]}""", "twice")]
    [InlineData("""{"dataset": "tax", "subjectColumn": "uscc", "subjects": [""]}""", "empty subjects[0]")]
    [InlineData("""{"dataset": "tax", "subjectColumn": "uscc", "subjects": ["A"], "groupBy": ["year"]}""", "unknown field \"groupBy\"")]
    [InlineData("""{"dataset": "tax", "subjectColumn": "uscc", "subjects": ["A"], "epsilon": "1"}""", "unknown field \"epsilon\"")]
    public void A_bad_scoring_query_is_refused(string json, string expected)
    {
        var ex = Assert.Throws<DataTrust.Client.ClientException>(() => HeQueryFile.ParseScoring(json, "s.json"));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_scoring_query_with_more_than_4096_subjects_is_refused()
    {
        var subjects = string.Join(",", Enumerable.Range(0, HeQueryFile.MaxSubjects + 1).Select(i => $"\"S{i}\""));

        var ex = Assert.Throws<DataTrust.Client.ClientException>(() => HeQueryFile.ParseScoring($$"""{"dataset": "tax", "subjectColumn": "uscc", "subjects": [{{subjects}}]}"""));

        Assert.Contains("4097 subjects", ex.Message, StringComparison.Ordinal);
    }

    private const string Tax = """{"datasetId": "tax", "measures": [{"function": "SUM", "column": "tax_paid"}]}""";
    private const string Social = """{"datasetId": "social_security", "measures": [{"function": "SUM", "column": "contribution_base_total"}]}""";

    [Theory]
    [InlineData("""{"parts": []}""", "at least two")]
    [InlineData("""{"parts": [""" + Tax + "]}", "at least two")]
    [InlineData("""{"parts": [""" + Tax + "," + Tax + "]}", "two parts on dataset 'tax'")]
    [InlineData("""{"parts": [""" + Tax + """, {"datasetId": "s", "groupBy": ["month"], "measures": [{"function": "COUNT"}]}]}""", "leave out groupBy")]
    [InlineData("""{"parts": [""" + Tax + """, {"datasetId": "s", "measures": [{"function": "AVG", "column": "x"}]}]}""", "COUNT and SUM only")]
    [InlineData("""{"parts": [""" + Tax + """, {"datasetId": "s", "measures": [{"function": "COUNT"}, {"function": "COUNT"}]}]}""", "as many")]
    [InlineData("""{"parts": [""" + Tax + """, {"datasetId": "s", "measures": []}]}""", "0 measures")]
    [InlineData("""{"parts": [""" + Tax + "," + Social + """], "scaleDigits": 5}""", "\"scaleDigits\"")]
    [InlineData("""{"parts": [""" + Tax + "," + Social + """], "scale": 2}""", "unknown field \"scale\"")]
    [InlineData("""{"parts": [""" + Tax + """, {"datasetId": "s", "measures": [{"function": "COUNT"}], "epsilon": "x"}]}""", "invalid \"epsilon\"")]
    [InlineData("""{"parts": [""" + Tax + """, {"datasetId": "s", "measures": [{"function": "COUNT"}], "epsilon": "0.5", "epsilonMicros": "1"}]}""", "give one")]
    [InlineData("""{"parts": [""" + Tax + """, 3]}""", "parts[1] that is not")]
    [InlineData("""{"parts": [""" + Tax + """, {"datasetId": "s", "measures": [{"function": "COUNT"}], "epsilonMicros": "18446744073709551615"}]}""", "beyond the on-chain fixed point")]
    public void A_bad_cross_domain_query_is_refused(string json, string expected)
    {
        var ex = Assert.Throws<DataTrust.Client.ClientException>(() => HeQueryFile.ParseCrossDomain(json, "x.json"));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}
