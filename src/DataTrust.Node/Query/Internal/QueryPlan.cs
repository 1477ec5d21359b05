using DataTrust.Core.Catalog;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;

namespace DataTrust.Node.Query.Internal;

/// <summary>A filter whose column and literals were checked; values are CLR values of the column's type.</summary>
/// <summary>A filter whose column and literals were checked; values are CLR values of the column's type. With a
/// <see cref="Bucket"/>, the filter compares the row's bucket start (every literal is a bucket start).</summary>
internal sealed record PlannedFilter(ColumnDefinition Column, FilterOperator Operator, IReadOnlyList<object> Values, PlannedBucket? Bucket = null);

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
    Epsilon Epsilon)
{
    /// <summary>The bucket of each group key (null for a plain key); empty when no key is bucketed.</summary>
    public IReadOnlyList<PlannedBucket?> Buckets { get; init; } = [];

    /// <summary>The bucket of group key <paramref name="i"/>, or null for a plain key.</summary>
    public PlannedBucket? BucketOf(int i) => i < Buckets.Count ? Buckets[i] : null;

    /// <summary>The SQL of group key <paramref name="i"/> over the quoted (qualified) column <paramref name="column"/>.</summary>
    public string KeySql(int i, string column, Func<object, string> bind) => BucketOf(i)?.Sql(column, bind) ?? column;

    /// <summary>A stored key value (as the key SQL returns it) as a result key: the bucket's label, or the value itself.</summary>
    public Value KeyValue(int i, object? stored) => BucketOf(i) is { } bucket ? bucket.KeyValue(stored) : Literals.ToValue(stored, GroupBy[i].Type);

    /// <summary>The result column name of group key <paramref name="i"/>.</summary>
    public string KeyName(int i) => BucketOf(i)?.Name ?? GroupBy[i].Name;
}
