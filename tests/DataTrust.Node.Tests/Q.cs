using DataTrust.Protos.V1;

namespace DataTrust.Node.Tests;

/// <summary>Terse builders for typed queries in tests.</summary>
internal static class Q
{
    public static AggregateQuery Query(string dataset, params Measure[] measures)
    {
        var query = new AggregateQuery { DatasetId = dataset };
        query.Measures.AddRange(measures);
        return query;
    }

    public static AggregateQuery GroupBy(this AggregateQuery query, params string[] columns)
    {
        query.GroupBy.AddRange(columns);
        return query;
    }

    public static AggregateQuery Where(this AggregateQuery query, string column, FilterOperator op, params Value[] values)
    {
        var filter = new Filter { Column = column, Operator = op };
        filter.Values.AddRange(values);
        query.Filters.Add(filter);
        return query;
    }

    public static Measure Count(string column = "") => new() { Function = MeasureFunction.Count, Column = column };

    public static Measure Sum(string column) => new() { Function = MeasureFunction.Sum, Column = column };

    public static Measure Avg(string column) => new() { Function = MeasureFunction.Avg, Column = column };

    public static Measure Min(string column) => new() { Function = MeasureFunction.Min, Column = column };

    public static Measure Max(string column) => new() { Function = MeasureFunction.Max, Column = column };

    public static Measure Histogram(string column, params Value[] edges)
    {
        var measure = new Measure { Function = MeasureFunction.Histogram, Column = column };
        measure.BinEdges.AddRange(edges);
        return measure;
    }

    public static Value Int(long value) => new() { IntValue = value };

    public static Value Dec(string value) => new() { DecimalValue = value };

    public static Value Str(string value) => new() { StringValue = value };

    public static Value Dbl(double value) => new() { DoubleValue = value };
}
