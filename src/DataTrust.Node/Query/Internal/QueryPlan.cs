using DataTrust.Core.Catalog;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;

namespace DataTrust.Node.Query.Internal;

/// <summary>A filter whose column and literals were checked; values are CLR values of the column's type.</summary>
internal sealed record PlannedFilter(ColumnDefinition Column, FilterOperator Operator, IReadOnlyList<object> Values);

/// <summary>A measure whose column was checked; bounds and edges are typed.</summary>
internal sealed record PlannedMeasure(
    MeasureFunction Function,
    ColumnDefinition? Column,
    decimal LowerBound,
    decimal UpperBound,
    IReadOnlyList<object> Edges,
    IReadOnlyList<Value> EdgeValues)
{
    /// <summary>True for SUM and AVG, the cells the dominance rule applies to.</summary>
    public bool IsSumLike => Function is MeasureFunction.Sum or MeasureFunction.Avg;
}

/// <summary>A validated query: every identifier is a schema column the policy permits for its use.</summary>
internal sealed record QueryPlan(
    DatasetDescriptor Dataset,
    DatasetPolicy Policy,
    IReadOnlyList<PlannedFilter> Filters,
    IReadOnlyList<ColumnDefinition> GroupBy,
    IReadOnlyList<PlannedMeasure> Measures,
    Epsilon Epsilon);
