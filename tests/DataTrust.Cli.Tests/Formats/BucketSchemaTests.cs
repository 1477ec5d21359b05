using DataTrust.Client.Homomorphic;
using DataTrust.Client.Jobs;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;

namespace DataTrust.Cli.Tests.Formats;

/// <summary>Buckets, the timestamp literals and the import schema file: the parsers and the schemas refuse the same malformed files.</summary>
public sealed class BucketSchemaTests
{
    [Theory]
    [InlineData("query", """{"datasetId": "f", "measures": [{"function": "COUNT"}], "groupBy": [{"column": "d", "bucket": "month", "width": 7}]}""", "not both")]
    [InlineData("query", """{"datasetId": "f", "measures": [{"function": "COUNT"}], "groupBy": [{"column": "d", "origin": 0}]}""", "no \"width\"")]
    [InlineData("query", """{"datasetId": "f", "measures": [{"function": "COUNT"}], "groupBy": [{"column": "d", "bucket": "unspecified"}]}""", "is a time unit")]
    [InlineData("query", """{"datasetId": "f", "measures": [{"function": "COUNT"}], "groupBy": [{"column": "d", "bucket": {"unit": "BUCKET_UNIT_MONTH"}}]}""", "is a time unit")]
    [InlineData("query", """{"datasetId": "f", "measures": [{"function": "COUNT"}], "filters": [{"column": "d", "width": "+5", "operator": "GE", "values": [{"intValue": 0}]}]}""", "must be a number")]
    [InlineData("query", """{"datasetId": "f", "measures": [{"function": "COUNT"}], "filters": [{"column": "t", "operator": "GE", "values": [{"timestampMicros": 1.5}]}]}""", "whole number")]
    [InlineData("policy", """{"columns": {"t": {"bucket": {"units": ["month"], "from": "2024-01-01"}}}}""", "give both \"from\" and \"to\"")]
    [InlineData("policy", """{"columns": {"t": {"bucket": {"units": ["Month"]}}}}""", "use year, quarter, month")]
    [InlineData("import-schema", """{"$schema": 1, "columns": {"a": "INT"}}""", "\"$schema\" must be a string")]
    [InlineData("import-schema", """{"columns": {"fare": "DECIMAL(19,2)"}}""", "1 <= p <= 18")]
    [InlineData("import-schema", """{"columns": {"fare": "DECIMAL(4,5)"}}""", "0 <= s <= p")]
    [InlineData("import-schema", """{"columns": {"legs": "LIST"}}""", "no type the node serves")]
    [InlineData("import-schema", """{"columns": {}}""", "between 1 and")]
    public void A_malformed_bucket_literal_or_type_is_refused_by_parser_and_schema_alike(string kind, string json, string says)
    {
        Assert.False(FileFormats.ParserAccepts(kind, json, out var error));
        Assert.Contains(says, error, StringComparison.Ordinal);
        Assert.False(FileFormats.SchemaAccepts(FileFormats.Kinds.Single(k => k.Kind == kind).Schema, json, out _), $"the {kind} schema accepts {json}");
    }

    [Fact]
    public void A_timestamp_literal_and_a_bucketed_filter_reach_the_query_in_protobuf_form()
    {
        var json = """
            {"datasetId": "f", "measures": [{"function": "COUNT"}],
             "filters": [{"column": "t", "bucket": "hour", "operator": "EQ", "values": [{"timestampMicros": 1709280000000000}]},
                         {"column": "z", "operator": "LT", "values": [{"timestamptzMicros": "-1"}]}]}
            """;
        Assert.True(FileFormats.SchemaAccepts("query.schema.json", json, out var errors), errors);

        var query = QueryFile.Parse(json);

        Assert.Equal(new Bucket { Unit = BucketUnit.Hour }, query.Filters[0].Bucket);
        Assert.Equal(1709280000000000, query.Filters[0].Values[0].TimestampMicros);
        Assert.Equal(-1, query.Filters[1].Values[0].TimestamptzMicros);
    }

    [Fact]
    public void An_he_query_file_takes_a_bucketed_filter_as_an_aggregate_query_does()
    {
        var spec = HeQueryFile.ParseWeighted("""{"dataset": "f", "filters": [{"column": "delay", "width": 15, "origin": 0, "operator": "GE", "values": [{"intValue": 30}]}]}""");

        Assert.Equal(new Bucket { Width = new Value { IntValue = 15 }, Origin = new Value { IntValue = 0 } }, spec.Filters[0].Bucket);
    }

    [Fact]
    public void An_import_schema_file_with_case_and_spacing_variants_gives_the_declared_types()
    {
        var json = """{"$schema": "../schemas/import-schema.schema.json", "columns": {"a": "bigint", "b": " Decimal ( 10 , 2 ) ", "c": "timestamp  with time zone", "d": "Double"}}""";
        Assert.True(FileFormats.SchemaAccepts("import-schema.schema.json", json, out var errors), errors);

        var schema = ImportSchemaFile.Parse(json, "s.json");

        Assert.Equal(["INT", "DECIMAL(10,2)", "TIMESTAMPTZ", "DOUBLE"], schema.Columns.Select(c => c.TypeName));
    }
}
