using System.Numerics;
using DataTrust.Client.Jobs;
using DataTrust.Cli.Policy;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Protos.V1;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Cli.Tests.Commands;

/// <summary>The bucket syntax of query files and policy files.</summary>
public sealed class BucketFileTests
{
    [Fact]
    public void A_query_file_groups_by_a_month_and_a_width_as_group_items()
    {
        var query = QueryFile.Parse("""
            { "datasetId": "flights", "measures": [{ "function": "COUNT" }],
              "groupBy": [{ "column": "dep_date", "bucket": "month" }, { "column": "delay", "width": 15 }, "origin",
                           { "column": "fare", "width": 0.5, "origin": "0.25" }] }
            """);

        Assert.Empty(query.GroupBy);
        Assert.Equal(4, query.GroupItems.Count);
        Assert.Equal(new GroupItem { Column = "dep_date", Bucket = new Bucket { Unit = BucketUnit.Month } }, query.GroupItems[0]);
        Assert.Equal(new GroupItem { Column = "delay", Bucket = new Bucket { Width = new Value { IntValue = 15 } } }, query.GroupItems[1]);
        Assert.Equal(new GroupItem { Column = "origin" }, query.GroupItems[2]);
        Assert.Equal(new Bucket { Width = new Value { DecimalValue = "0.5" }, Origin = new Value { DecimalValue = "0.25" } }, query.GroupItems[3].Bucket);
        Assert.Equal("month(dep_date), delay/15, origin, fare/0.5 from 0.25", QueryFile.DescribeGroups(query));
    }

    [Fact]
    public void A_query_file_without_buckets_keeps_group_by_and_its_bytes()
    {
        var query = QueryFile.Parse("""{ "datasetId": "t", "groupBy": ["year"], "measures": [{ "function": "COUNT" }] }""");

        Assert.Equal(["year"], query.GroupBy);
        Assert.Empty(query.GroupItems);
    }

    [Fact]
    public void A_query_file_filter_may_compare_a_bucket()
    {
        var query = QueryFile.Parse("""
            { "datasetId": "flights", "measures": [{ "function": "COUNT" }],
              "filters": [{ "column": "dep_date", "bucket": "week", "operator": "GE", "values": [{ "dateValue": { "year": 2024, "month": 3, "day": 4 } }] }] }
            """);

        Assert.Equal(BucketUnit.Week, query.Filters[0].Bucket.Unit);
        Assert.Equal(FilterOperator.Ge, query.Filters[0].Operator);
    }

    [Theory]
    [InlineData("""{ "datasetId": "t", "measures": [{ "function": "COUNT" }], "groupBy": [{ "column": "d", "bucket": 3 }] }""", "is a time unit")]
    [InlineData("""{ "datasetId": "t", "measures": [{ "function": "COUNT" }], "groupBy": [{ "column": "d", "width": "wide" }] }""", "must be a number")]
    [InlineData("""{ "datasetId": "t", "measures": [{ "function": "COUNT" }], "groupBy": [{ "column": "d", "width": true }] }""", "must be a number")]
    [InlineData("""{ "datasetId": "t", "measures": [{ "function": "COUNT" }], "groupBy": [{ "column": "d", "bucket": "fortnight" }] }""", "not a valid query")]
    public void A_malformed_bucket_in_a_query_file_is_refused_with_a_sentence(string json, string says)
    {
        var ex = Assert.Throws<DataTrust.Client.ClientException>(() => QueryFile.Parse(json, "q.json"));

        Assert.Contains(says, ex.Message, StringComparison.Ordinal);
    }

    private static DatasetSpec Stated() => new(
        DatasetIds.OnChainId("t"), "t", Address.Zero, Hash32.Sha256("s"u8), 10, Hash32.Sha256("c"u8), ProtectionGrade.Restricted, 5, 0, 0, ComputationKindSet.Aggregate,
        [
            new ColumnSpec("dep_date", ColumnType.Date, ColumnPermissions.GroupBy | ColumnPermissions.Filter, 0, 0),
            new ColumnSpec("delay", ColumnType.Int, ColumnPermissions.GroupBy | ColumnPermissions.Filter | ColumnPermissions.Aggregate, -60, 900, null, 5),
        ]);

    [Fact]
    public void A_policy_file_sets_time_units_and_a_numeric_width_with_their_public_ranges()
    {
        var policy = PolicyFile.Parse("""
            { "columns": {
                "dep_date": { "bucket": { "units": ["month", "year", "week"], "from": "2024-01-01", "to": "2025-01-01" } },
                "delay": { "bucket": { "width": 15, "origin": 0, "from": -60, "to": 900 } } } }
            """, "p.json");

        var applied = policy.Apply(Stated());

        Assert.Equal("units=year,month,week;range=2024-01-01/2025-01-01", applied.Columns[0].Bucket);
        Assert.Equal("width=15;origin=0;range=-60/900", applied.Columns[1].Bucket);
        Assert.Equal(new BigInteger(5), applied.Columns[1].GridStep);
    }

    [Theory]
    [InlineData("""{ "columns": { "dep_date": { "bucket": { "width": 7 } } } }""", "a width fits INT and DECIMAL columns only")]
    [InlineData("""{ "columns": { "delay": { "bucket": { "units": ["month"] } } } }""", "time units fit DATE and TIMESTAMP columns only")]
    [InlineData("""{ "columns": { "dep_date": { "bucket": { "units": ["hour"], "from": "2024-01-01", "to": "2025-01-01" } } } }""", "a DATE has no hours")]
    [InlineData("""{ "columns": { "delay": { "bucket": { "width": 12, "from": -60, "to": 900 } } } }""", "multiples of the column's grid step 5")]
    [InlineData("""{ "columns": { "delay": { "bucket": { "width": 15, "from": -50, "to": 900 } } } }""", "both ends must be bucket edges")]
    [InlineData("""{ "columns": { "dep_date": { "bucket": { "units": ["month"], "from": "2025-01-01", "to": "2024-01-01" } } } }""", "the start must come before the end")]
    [InlineData("""{ "columns": { "dep_date": { "bucket": { "units": ["fortnight"] } } } }""", "use year, quarter, month, week, day or hour")]
    [InlineData("""{ "columns": { "dep_date": { "bucket": { "unit": "month" } } } }""", "unknown field \"unit\"")]
    public void A_bucket_policy_that_does_not_fit_its_column_is_refused_naming_the_field(string json, string says)
    {
        var ex = Assert.Throws<CliException>(() => PolicyFile.Parse(json, "p.json").Apply(Stated()));

        Assert.Contains(says, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_bucket_entry_removes_the_nodes_bucket()
    {
        var stated = Stated() with { Columns = [Stated().Columns[0] with { Bucket = "units=month;range=2024-01-01/2025-01-01" }, Stated().Columns[1]] };

        var applied = PolicyFile.Parse("""{ "columns": { "dep_date": { "bucket": {} } } }""", "p.json").Apply(stated);

        Assert.Equal(string.Empty, applied.Columns[0].Bucket);
    }
}
