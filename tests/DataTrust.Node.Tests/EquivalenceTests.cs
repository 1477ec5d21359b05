using System.Globalization;
using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Node.Query;
using DataTrust.Protos.V1;
using DuckDB.NET.Data;
using FsCheck.Xunit;

namespace DataTrust.Node.Tests;

/// <summary>With k = 1 and no ε, the executor's results equal the same aggregate computed directly by DuckDB on the CSV.</summary>
public sealed class EquivalenceTests(NodeFixture fixture) : IClassFixture<NodeFixture>
{
    private static readonly string[] Grades = ["A", "B", "M", "C", "D"];

    [Property(MaxTest = 40)]
    public void Random_queries_equal_direct_duckdb_sql(int seed)
    {
        // Arrange
        var random = new Random(seed);
        var query = new AggregateQuery { DatasetId = "tax_open" };
        var reference = new ReferenceQuery();
        foreach (var key in new[] { "year", "credit_grade" }.OrderBy(_ => random.Next()).Where(_ => random.Next(3) > 0))
        {
            query.GroupBy.Add(key);
            reference.Keys.Add(key);
        }

        for (var i = random.Next(3); i > 0; i--)
        {
            AddFilter(random, query, reference);
        }

        for (var i = 1 + random.Next(4); i > 0; i--)
        {
            AddMeasure(random, query, reference);
        }

        var executor = new AggregateExecutor(fixture.Store);

        // Act
        var outcome = executor.Execute(query, Epsilon.Zero);
        var expected = reference.Run(fixture.TaxCsv);

        // Assert
        Assert.True(outcome.Succeeded, outcome.Refusal?.Message);
        var result = outcome.Result!;
        // The dataset is OPEN: every figure is exact, a total over no rows included (count 0, no sum).
        Assert.Empty(result.Suppressed);
        Assert.Equal(NoiseMechanism.None, result.Noise.Mechanism);
        if (query.GroupBy.Count > 0)
        {
            Assert.Equal(expected.Count, result.Rows.Count);
        }

        for (var r = 0; r < result.Rows.Count; r++)
        {
            var row = result.Rows[r];
            var want = expected[r];
            for (var k = 0; k < query.GroupBy.Count; k++)
            {
                Assert.Equal(Convert.ToString(want[k], CultureInfo.InvariantCulture), Render(row.Keys[k]));
            }

            var column = query.GroupBy.Count;
            for (var m = 0; m < query.Measures.Count; m++)
            {
                var measure = query.Measures[m];
                var cell = row.Cells[m];
                Assert.False(cell.Suppressed);
                if (measure.Function == MeasureFunction.Histogram)
                {
                    for (var b = 0; b < cell.Histogram.Bins.Count; b++)
                    {
                        Assert.Equal(Convert.ToInt64(want[column++], CultureInfo.InvariantCulture), cell.Histogram.Bins[b].Count);
                    }

                    continue;
                }

                var expectedValue = want[column++];
                switch (measure.Function)
                {
                    case MeasureFunction.Count:
                        Assert.Equal(Convert.ToInt64(expectedValue, CultureInfo.InvariantCulture), cell.Value.IntValue);
                        break;
                    case MeasureFunction.Avg when expectedValue is DBNull:
                        Assert.Equal(Value.KindOneofCase.None, cell.Value.KindCase);
                        break;
                    case MeasureFunction.Avg:
                        var avg = Convert.ToDouble(expectedValue, CultureInfo.InvariantCulture);
                        Assert.True(Math.Abs(avg - cell.Value.DoubleValue) <= 1e-9 * Math.Max(1, Math.Abs(avg)), $"avg {avg} vs {cell.Value.DoubleValue}");
                        break;
                    default:
                        if (expectedValue is DBNull)
                        {
                            Assert.True(cell.Value.KindCase is Value.KindOneofCase.None || decimal.Parse(cell.Value.DecimalValue, CultureInfo.InvariantCulture) == 0);
                        }
                        else
                        {
                            Assert.Equal(Convert.ToDecimal(expectedValue, CultureInfo.InvariantCulture), decimal.Parse(cell.Value.DecimalValue, CultureInfo.InvariantCulture));
                        }

                        break;
                }
            }
        }
    }

    private static string Render(Value value) => value.KindCase switch
    {
        Value.KindOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        Value.KindOneofCase.StringValue => value.StringValue,
        _ => value.ToString(),
    };

    private static void AddFilter(Random random, AggregateQuery query, ReferenceQuery reference)
    {
        var filter = new Filter();
        switch (random.Next(3))
        {
            case 0:
                filter.Column = "year";
                var ops = new[] { FilterOperator.Eq, FilterOperator.Ne, FilterOperator.Lt, FilterOperator.Le, FilterOperator.Gt, FilterOperator.Ge, FilterOperator.In, FilterOperator.Between };
                filter.Operator = ops[random.Next(ops.Length)];
                var years = Enumerable.Range(0, filter.Operator switch { FilterOperator.In => 1 + random.Next(3), FilterOperator.Between => 2, _ => 1 })
                    .Select(_ => 2022L + random.Next(5)).ToList();
                if (filter.Operator == FilterOperator.Between)
                {
                    years.Sort();
                }

                filter.Values.AddRange(years.Select(y => new Value { IntValue = y }));
                reference.Where.Add(Sql("year", filter.Operator, years.Select(y => y.ToString(CultureInfo.InvariantCulture)).ToList()));
                break;
            case 1:
                filter.Column = "credit_grade";
                filter.Operator = random.Next(2) == 0 ? FilterOperator.Eq : FilterOperator.In;
                var grades = Grades.OrderBy(_ => random.Next()).Take(filter.Operator == FilterOperator.Eq ? 1 : 1 + random.Next(4)).ToList();
                filter.Values.AddRange(grades.Select(g => new Value { StringValue = g }));
                reference.Where.Add(Sql("credit_grade", filter.Operator, grades.Select(g => $"'{g}'").ToList()));
                break;
            default:
                filter.Column = "revenue";
                filter.Operator = random.Next(2) == 0 ? FilterOperator.Between : FilterOperator.Gt;
                var low = (random.Next(0, 4000) / 100m).ToString(CultureInfo.InvariantCulture);
                var high = (random.Next(4000, 50000) / 100m).ToString(CultureInfo.InvariantCulture);
                var values = filter.Operator == FilterOperator.Between ? new List<string> { low, high } : [low];
                filter.Values.AddRange(values.Select(v => new Value { DecimalValue = v }));
                reference.Where.Add(Sql("revenue", filter.Operator, values));
                break;
        }

        query.Filters.Add(filter);
    }

    private static string Sql(string column, FilterOperator op, IReadOnlyList<string> values) => op switch
    {
        FilterOperator.Eq => $"{column} = {values[0]}",
        FilterOperator.Ne => $"{column} <> {values[0]}",
        FilterOperator.Lt => $"{column} < {values[0]}",
        FilterOperator.Le => $"{column} <= {values[0]}",
        FilterOperator.Gt => $"{column} > {values[0]}",
        FilterOperator.Ge => $"{column} >= {values[0]}",
        FilterOperator.In => $"{column} IN ({string.Join(", ", values)})",
        _ => $"{column} BETWEEN {values[0]} AND {values[1]}",
    };

    private static void AddMeasure(Random random, AggregateQuery query, ReferenceQuery reference)
    {
        var column = random.Next(2) == 0 ? "revenue" : "tax_paid";
        var measure = new Measure { Column = column };
        switch (random.Next(6))
        {
            case 0:
                measure.Function = MeasureFunction.Count;
                measure.Column = string.Empty;
                reference.Measures.Add("count(*)");
                break;
            case 1:
                measure.Function = MeasureFunction.Sum;
                reference.Measures.Add($"sum({column})");
                break;
            case 2:
                measure.Function = MeasureFunction.Avg;
                reference.Measures.Add($"avg({column})");
                break;
            case 3:
                measure.Function = MeasureFunction.Min;
                reference.Measures.Add($"min({column})");
                break;
            case 4:
                measure.Function = MeasureFunction.Max;
                reference.Measures.Add($"max({column})");
                break;
            default:
                measure.Function = MeasureFunction.Histogram;
                var edges = new List<long> { 0 };
                for (var b = 1 + random.Next(4); b > 0; b--)
                {
                    edges.Add(edges[^1] + 1 + random.Next(200));
                }

                measure.BinEdges.AddRange(edges.Select(e => new Value { IntValue = e }));
                for (var b = 0; b + 1 < edges.Count; b++)
                {
                    var upper = b + 2 == edges.Count ? "<=" : "<";
                    reference.Measures.Add($"count(*) FILTER (WHERE {column} >= {edges[b]} AND {column} {upper} {edges[b + 1]})");
                }

                break;
        }

        query.Measures.Add(measure);
    }

    private sealed class ReferenceQuery
    {
        public List<string> Keys { get; } = [];

        public List<string> Where { get; } = [];

        public List<string> Measures { get; } = [];

        public List<object[]> Run(string csv)
        {
            var sql = new StringBuilder("SELECT ");
            sql.AppendJoin(", ", Keys.Concat(Measures).Append("count(*)"));
            sql.Append(" FROM read_csv('").Append(csv.Replace("'", "''", StringComparison.Ordinal))
                .Append("', header = true, columns = {'uscc': 'VARCHAR', 'year': 'BIGINT', 'revenue': 'DECIMAL(18,4)', 'tax_paid': 'DECIMAL(18,4)', 'credit_grade': 'VARCHAR'})");
            if (Where.Count > 0)
            {
                sql.Append(" WHERE ").AppendJoin(" AND ", Where);
            }

            if (Keys.Count > 0)
            {
                sql.Append(" GROUP BY ").AppendJoin(", ", Keys).Append(" ORDER BY ").AppendJoin(", ", Keys);
            }

            using var connection = new DuckDBConnection("Data Source=:memory:");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql.ToString();
            using var reader = command.ExecuteReader();
            var rows = new List<object[]>();
            while (reader.Read())
            {
                var values = new object[reader.FieldCount];
                reader.GetValues(values);
                rows.Add(values);
            }

            return rows;
        }
    }
}
