using DataTrust.Protos.V1;

namespace DataTrust.Node.Tests.Enclave;

/// <summary>Terse builders for join specs in tests.</summary>
internal static class J
{
    public static JoinInput Input(string dataset, string key, params Filter[] filters)
    {
        var input = new JoinInput { DatasetId = dataset, JoinKey = key };
        input.Filters.AddRange(filters);
        return input;
    }

    public static Filter Where(string column, FilterOperator op, params Value[] values)
    {
        var filter = new Filter { Column = column, Operator = op };
        filter.Values.AddRange(values);
        return filter;
    }

    public static JoinColumn Col(string dataset, string column) => new() { DatasetId = dataset, Column = column };

    public static JoinMeasure Count() => new() { Function = MeasureFunction.Count };

    public static JoinMeasure Sum(string dataset, string column) => new() { Function = MeasureFunction.Sum, Column = Col(dataset, column) };

    public static JoinQuery Query(JoinInput[] inputs, JoinColumn[] groupBy, JoinMeasure[] measures, ulong epsilonMicros = 100_000)
    {
        var query = new JoinQuery { EpsilonMicros = epsilonMicros };
        query.Inputs.AddRange(inputs);
        query.GroupBy.AddRange(groupBy);
        query.Measures.AddRange(measures);
        return query;
    }

    /// <summary>Tax paid by year for companies with more than 20 insured employees: the join, on the two samples.</summary>
    public static JoinQuery TaxBySocialSecurity() => Query(
        [Input("tax", "uscc", Where("year", FilterOperator.Eq, Q.Int(2024))), Input("social_security", "uscc", Where("insured_headcount", FilterOperator.Gt, Q.Int(20)))],
        [Col("tax", "credit_grade")],
        [Count(), Sum("tax", "tax_paid")]);
}
