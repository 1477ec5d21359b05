using DataTrust.Core.Catalog;
using DataTrust.Node.Query;
using DataTrust.Node.Query.Internal;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using ColumnType = DataTrust.Core.Catalog.ColumnType;
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Node.Release;

/// <summary>
/// What one dataset releases for a join: exactly the columns the join spec needs from it (its join key, its filter
/// columns, its group-by and measure columns, in that order, each once) and its own filters, which the node applies so
/// that only matching rows leave. Built from the on-chain spec and the on-chain policy only, so every refusal of
/// <see cref="Build"/> depends on the job alone.
/// </summary>
public sealed class ReleasePlan
{
    private ReleasePlan(DatasetDescriptor dataset, IReadOnlyList<ColumnDefinition> columns, IReadOnlyList<PlannedFilter> filters)
    {
        Dataset = dataset;
        Columns = columns;
        Filters = filters;
        Schema = new DatasetSchema(columns);
    }

    /// <summary>The node's copy of the dataset.</summary>
    public DatasetDescriptor Dataset { get; }

    /// <summary>The columns the join needs from this dataset, in release order.</summary>
    public IReadOnlyList<ColumnDefinition> Columns { get; }

    /// <summary>The schema of the released CSV (the columns above).</summary>
    public DatasetSchema Schema { get; }

    /// <summary>The dataset's own filters, validated against its schema.</summary>
    internal IReadOnlyList<PlannedFilter> Filters { get; }

    /// <summary>
    /// The release plan of <paramref name="dataset"/> for <paramref name="query"/> under the on-chain
    /// <paramref name="policy"/>, or the refusal: the dataset is not an input of the join; the policy (on chain, or the
    /// node's own, stricter) forbids joins; a column is unknown, a join key lacks JOIN_KEY, a JOIN_KEY column is grouped
    /// or measured, a group-by column lacks GROUP_BY, a measured column AGGREGATE or a filter column FILTER; or a filter
    /// literal does not fit its column. Messages name schema columns and field paths, never literals.
    /// </summary>
    public static (ReleasePlan? Plan, QueryRefusal? Refusal) Build(JoinQuery query, DatasetDescriptor dataset, DatasetPolicy policy, QueryLimits limits)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(limits);
        var id = dataset.Id;
        var inputIndex = -1;
        for (var i = 0; i < query.Inputs.Count; i++)
        {
            if (string.Equals(query.Inputs[i].DatasetId, id, StringComparison.Ordinal))
            {
                if (inputIndex >= 0)
                {
                    return Refuse(ErrorReason.MalformedRequest, $"inputs[{i}].dataset_id", $"inputs[{i}].dataset_id: dataset '{id}' is an input of the join twice.");
                }

                inputIndex = i;
            }
        }

        if (inputIndex < 0)
        {
            return Refuse(ErrorReason.UnknownDataset, "inputs", $"inputs: dataset '{id}' is not an input of this join.");
        }

        if (!policy.AllowedKinds.Allows(ComputationKind.EnclaveJoin) || !dataset.Policy.AllowedKinds.Allows(ComputationKind.EnclaveJoin))
        {
            return Refuse(ErrorReason.KindNotAllowed, $"inputs[{inputIndex}].dataset_id", $"inputs[{inputIndex}].dataset_id: dataset '{id}' does not allow ENCLAVE_JOIN computations (its policy forbids joins).");
        }

        var input = query.Inputs[inputIndex];
        var columns = new List<ColumnDefinition>();
        void Add(ColumnDefinition column)
        {
            if (!columns.Contains(column))
            {
                columns.Add(column);
            }
        }

        // The join key: a JOIN_KEY column; it leaves the node only sealed to the enclave, and is never output.
        var keyField = $"inputs[{inputIndex}].join_key";
        var key = dataset.Schema.Find(input.JoinKey);
        if (key is null)
        {
            return Refuse(ErrorReason.UnknownColumn, keyField, $"{keyField}: dataset '{id}' has no column of that name (names are matched exactly).");
        }

        if (!policy.For(key.Name).Permissions.HasFlag(ColumnPermissions.JoinKey))
        {
            return Refuse(ErrorReason.ColumnNotPermitted, keyField, $"{keyField}: column '{key.Name}' lacks the JOIN_KEY permission; only a JOIN_KEY column may match records across domains.");
        }

        Add(key);

        var filters = new List<PlannedFilter>();
        if (input.Filters.Count > limits.MaxFilters)
        {
            return Refuse(ErrorReason.QueryTooLarge, $"inputs[{inputIndex}].filters", $"inputs[{inputIndex}].filters: at most {limits.MaxFilters} filters are allowed; split the query.");
        }

        for (var f = 0; f < input.Filters.Count; f++)
        {
            var field = $"inputs[{inputIndex}].filters[{f}]";
            var refusal = CheckFilter(dataset, policy, input.Filters[f], field, limits, out var planned);
            if (refusal is not null)
            {
                return (null, refusal);
            }

            filters.Add(planned!);
            Add(planned!.Column);
        }

        for (var g = 0; g < query.GroupBy.Count; g++)
        {
            var column = query.GroupBy[g];
            if (column is null || !string.Equals(column.DatasetId, id, StringComparison.Ordinal))
            {
                continue;
            }

            var refusal = Resolve(dataset, policy, column.Column, $"group_by[{g}].column", ColumnPermissions.GroupBy, out var resolved);
            if (refusal is not null)
            {
                return (null, refusal);
            }

            Add(resolved!);
        }

        for (var m = 0; m < query.Measures.Count; m++)
        {
            var column = query.Measures[m].Column;
            if (column is null || !string.Equals(column.DatasetId, id, StringComparison.Ordinal))
            {
                continue;
            }

            var refusal = Resolve(dataset, policy, column.Column, $"measures[{m}].column.column", ColumnPermissions.Aggregate, out var resolved);
            if (refusal is not null)
            {
                return (null, refusal);
            }

            Add(resolved!);
        }

        return (new ReleasePlan(dataset, columns, filters), null);
    }

    private static QueryRefusal? CheckFilter(DatasetDescriptor dataset, DatasetPolicy policy, Filter filter, string field, QueryLimits limits, out PlannedFilter? planned)
    {
        planned = null;
        var columnField = field + ".column";
        var column = dataset.Schema.Find(filter.Column);
        if (column is null)
        {
            return new(ErrorReason.UnknownColumn, columnField, $"{columnField}: dataset '{dataset.Id}' has no column of that name (names are matched exactly).");
        }

        var permissions = policy.For(column.Name).Permissions;
        if (permissions.HasFlag(ColumnPermissions.JoinKey))
        {
            return new(ErrorReason.ColumnNotPermitted, columnField, $"{columnField}: column '{column.Name}' is JOIN_KEY and may never be filtered on (a key filter would single out records).");
        }

        if (!permissions.HasFlag(ColumnPermissions.Filter))
        {
            return new(ErrorReason.ColumnNotPermitted, columnField, $"{columnField}: column '{column.Name}' lacks the FILTER permission.");
        }

        var count = filter.Values.Count;
        var ok = filter.Operator switch
        {
            FilterOperator.Eq or FilterOperator.Ne or FilterOperator.Lt or FilterOperator.Le or FilterOperator.Gt or FilterOperator.Ge => count == 1,
            FilterOperator.In => count >= 1 && count <= limits.MaxInValues,
            FilterOperator.Between => count == 2,
            _ => false,
        };
        if (!ok)
        {
            return new(ErrorReason.InvalidOperator, field + ".operator", $"{field}.operator: choose =, <>, <, <=, >, >= (one value), IN (1 to {limits.MaxInValues} values) or BETWEEN (two values, low first).");
        }

        var values = new List<object>(count);
        for (var j = 0; j < count; j++)
        {
            var value = Literals.TryConvert(filter.Values[j], column.Type, limits.MaxTextLiteralBytes, out var expected);
            if (value is null)
            {
                return new(ErrorReason.LiteralTypeMismatch, $"{field}.values[{j}]", $"{field}.values[{j}]: column '{column.Name}' {expected}.");
            }

            values.Add(value);
        }

        planned = new PlannedFilter(column, filter.Operator, values);
        return null;
    }

    private static QueryRefusal? Resolve(DatasetDescriptor dataset, DatasetPolicy policy, string name, string field, ColumnPermissions needed, out ColumnDefinition? column)
    {
        column = name.Length == 0 ? null : dataset.Schema.Find(name);
        if (column is null)
        {
            return new(ErrorReason.UnknownColumn, field, $"{field}: dataset '{dataset.Id}' has no column of that name (names are matched exactly).");
        }

        var permissions = policy.For(column.Name).Permissions;
        if (permissions.HasFlag(ColumnPermissions.JoinKey))
        {
            var use = needed == ColumnPermissions.GroupBy ? "a group-by column" : "a measure";
            return new(ErrorReason.JoinKeyInOutput, field, $"{field}: column '{column.Name}' is JOIN_KEY and may never be {use}; a join key never appears in any output.");
        }

        if (!permissions.HasFlag(needed))
        {
            var what = needed == ColumnPermissions.GroupBy ? "GROUP_BY" : "AGGREGATE";
            return new(ErrorReason.ColumnNotPermitted, field, $"{field}: column '{column.Name}' lacks the {what} permission.");
        }

        if (needed == ColumnPermissions.Aggregate && column.Type is not (ColumnType.Int or ColumnType.Decimal))
        {
            return new(ErrorReason.InvalidMeasure, field, $"{field}: column '{column.Name}' is {column.Type}; SUM and AVG take INT or DECIMAL columns.");
        }

        return null;
    }

    private static (ReleasePlan?, QueryRefusal?) Refuse(ErrorReason reason, string field, string message) => (null, new QueryRefusal(reason, field, message));
}
