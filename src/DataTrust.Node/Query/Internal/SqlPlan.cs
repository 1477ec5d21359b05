using System.Globalization;
using System.Text;
using DataTrust.Node.Storage.Internal;
using DataTrust.Core.Catalog;
using DataTrust.Protos.V1;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Node.Query.Internal;

/// <summary>Where the values of one measure sit in the SQL result row.</summary>
internal sealed record MeasureLayout(int Value, int Count, int TopN, int AbsTotal, int FirstBin);

/// <summary>
/// Parameterized SQL for a validated plan. Identifiers come only from the schema (quoted); literals, bounds and bin
/// edges are bound as parameters; the only other text is generated aliases and the policy's integer n.
/// </summary>
internal sealed class SqlPlan
{
    private SqlPlan(string text, IReadOnlyList<object> parameters, IReadOnlyList<MeasureLayout> layout, int groupCountColumn)
    {
        Text = text;
        Parameters = parameters;
        Layout = layout;
        GroupCountColumn = groupCountColumn;
    }

    public string Text { get; }

    public IReadOnlyList<object> Parameters { get; }

    public IReadOnlyList<MeasureLayout> Layout { get; }

    public int GroupCountColumn { get; }

    public static SqlPlan Build(QueryPlan plan)
    {
        var parameters = new List<object>();
        string Bind(object value)
        {
            parameters.Add(value);
            return "$" + parameters.Count.ToString(CultureInfo.InvariantCulture);
        }

        var select = new List<string>();
        var keys = new List<string>();
        for (var i = 0; i < plan.GroupBy.Count; i++)
        {
            select.Add($"{plan.KeySql(i, SqlText.Quote(plan.GroupBy[i].Name), Bind)} AS k{i}");
            keys.Add($"k{i}");
        }

        var groupCount = select.Count;
        select.Add("count(*) AS n");
        var dominance = plan.Policy.Dominance;
        var layout = new List<MeasureLayout>();
        for (var m = 0; m < plan.Measures.Count; m++)
        {
            var measure = plan.Measures[m];
            int Add(string expression)
            {
                select.Add($"{expression} AS m{m}_{select.Count}");
                return select.Count - 1;
            }

            if (measure.Column is null)
            {
                layout.Add(new MeasureLayout(groupCount, -1, -1, -1, -1)); // COUNT(*) is the group's row count
                continue;
            }

            var column = SqlText.Quote(measure.Column.Name);
            switch (measure.Function)
            {
                case MeasureFunction.Count:
                    layout.Add(new MeasureLayout(Add($"count({column})"), -1, -1, -1, -1));
                    break;
                case MeasureFunction.Sum:
                case MeasureFunction.Avg:
                    // With ε > 0 every contribution is clamped to the policy bounds (bound as parameters, in the
                    // column's own storage type so the arithmetic stays 64-bit).
                    // A DOUBLE is discretised first: each value is rounded to the engine's fixed-point unit (4 fractional
                    // digits) as DECIMAL(38,4), so its sum is exact, independent of order, and its sensitivity that of a
                    // DECIMAL. Likewise a DECIMAL with more than 4 fractional digits.
                    var discrete = measure.Column.Type == ColumnType.Double || measure.Column.Scale > ColumnTypes.DecimalScale;
                    if (discrete)
                    {
                        column = $"CAST({column} AS DECIMAL(38,4))";
                    }

                    var storage = discrete ? "DECIMAL(38,4)" : SqlText.StorageType(measure.Column);
                    var value = plan.Epsilon.IsZero
                        ? column
                        : $"least(greatest({column}, CAST({Bind(measure.LowerBound)} AS {storage})), CAST({Bind(measure.UpperBound)} AS {storage}))";
                    var sumIndex = Add($"CAST(sum({value}) AS DECIMAL(38,4))");
                    var countIndex = measure.Function == MeasureFunction.Avg ? Add($"count({column})") : -1;
                    var (top, total) = (-1, -1);

                    // The dominance statistics feed suppression only, and nothing is suppressed when ε > 0.
                    if (dominance.IsEnabled && plan.Epsilon.IsZero)
                    {
                        // Contributions of a column without negative values need no absolute value, and their
                        // absolute total is the sum itself.
                        var nonNegative = plan.Dataset.NonNegativeColumns.Contains(measure.Column.Name);
                        var magnitude = nonNegative ? value : $"abs({value})";
                        top = Add(dominance.N == 1
                            ? $"CAST(max({magnitude}) AS DECIMAL(38,4))"
                            : $"CAST(list_sum(max({magnitude}, {dominance.N.ToString(CultureInfo.InvariantCulture)})) AS DECIMAL(38,4))");
                        total = nonNegative ? sumIndex : Add($"CAST(sum({magnitude}) AS DECIMAL(38,4))");
                    }

                    layout.Add(new MeasureLayout(sumIndex, countIndex, top, total, -1));
                    break;
                case MeasureFunction.Min:
                    layout.Add(new MeasureLayout(Add($"min({column})"), -1, -1, -1, -1));
                    break;
                case MeasureFunction.Max:
                    layout.Add(new MeasureLayout(Add($"max({column})"), -1, -1, -1, -1));
                    break;
                case MeasureFunction.Histogram:
                    var first = -1;
                    for (var b = 0; b + 1 < measure.Edges.Count; b++)
                    {
                        var upper = b + 2 == measure.Edges.Count ? "<=" : "<";
                        var index = Add($"count(*) FILTER (WHERE {column} >= {Bind(measure.Edges[b])} AND {column} {upper} {Bind(measure.Edges[b + 1])})");
                        first = first < 0 ? index : first;
                    }

                    layout.Add(new MeasureLayout(-1, -1, -1, -1, first));
                    break;
                default:
                    throw new InvalidOperationException("The validator admitted an unknown measure function.");
            }
        }

        var sql = new StringBuilder("SELECT ").AppendJoin(", ", select).Append(" FROM ").Append(SqlText.TableOf(plan.Dataset));
        if (plan.Filters.Count > 0)
        {
            sql.Append(" WHERE ").AppendJoin(" AND ", plan.Filters.Select(f => Condition(f, Bind)));
        }

        if (keys.Count > 0)
        {
            var list = string.Join(", ", keys);
            sql.Append(" GROUP BY ").Append(list).Append(" ORDER BY ").Append(list);
        }

        return new SqlPlan(sql.ToString(), parameters, layout, groupCount);
    }

    /// <summary>One WHERE condition of a validated filter, its literals bound through <paramref name="bind"/>.</summary>
    internal static string Condition(PlannedFilter filter, Func<object, string> bind)
    {
        string Bind(object value) => bind(value is TimestampValue t ? t.ToDateTime() : value);

        // A bucketed filter compares the row's bucket start, e.g. month(d) = 2024-03-01.
        var column = filter.Bucket is { } bucket ? bucket.Sql(SqlText.Quote(filter.Column.Name), Bind) : SqlText.Quote(filter.Column.Name);
        return filter.Operator switch
        {
            FilterOperator.Eq => $"{column} = {Bind(filter.Values[0])}",
            FilterOperator.Ne => $"{column} <> {Bind(filter.Values[0])}",
            FilterOperator.Lt => $"{column} < {Bind(filter.Values[0])}",
            FilterOperator.Le => $"{column} <= {Bind(filter.Values[0])}",
            FilterOperator.Gt => $"{column} > {Bind(filter.Values[0])}",
            FilterOperator.Ge => $"{column} >= {Bind(filter.Values[0])}",
            FilterOperator.In => $"{column} IN ({string.Join(", ", filter.Values.Select(Bind))})",
            FilterOperator.Between => $"{column} BETWEEN {Bind(filter.Values[0])} AND {Bind(filter.Values[1])}",
            _ => throw new InvalidOperationException("The validator admitted an unknown operator."),
        };
    }
}
