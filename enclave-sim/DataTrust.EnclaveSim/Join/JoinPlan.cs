using System.Numerics;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Protos.V1;
using CoreColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.EnclaveSim.Join;

/// <summary>One column a dataset releases to the enclave, with its on-chain type.</summary>
/// <param name="Name">Column name in the dataset's schema.</param>
/// <param name="Type">Its type on chain.</param>
public sealed record ReleasedColumn(string Name, CoreColumnType Type);

/// <summary>One input of a planned join: the dataset and exactly the columns it must release, join key first.</summary>
/// <param name="DatasetId">Catalog id of the dataset.</param>
/// <param name="JoinKey">Its JOIN_KEY column (also <c>Columns[0]</c>).</param>
/// <param name="Columns">The columns the enclave asks its node for, in request order.</param>
/// <param name="Filters">The filters its node applies before release.</param>
/// <param name="Grade">Its protection grade on chain.</param>
public sealed record JoinInputPlan(string DatasetId, string JoinKey, IReadOnlyList<ReleasedColumn> Columns, IReadOnlyList<Filter> Filters, ProtectionGrade Grade);

/// <summary>A group-by column of a join and its public domain (the groups of the result).</summary>
/// <param name="Input">Index of the input it belongs to.</param>
/// <param name="Column">The column.</param>
/// <param name="Domain">Its public domain in canonical text, from the on-chain policy.</param>
public sealed record JoinGroupPlan(int Input, ReleasedColumn Column, IReadOnlyList<string> Domain);

/// <summary>A measure of a join, with the on-chain clamp bounds of its column.</summary>
/// <param name="Function">COUNT, SUM or AVG.</param>
/// <param name="Input">Index of the input its column belongs to (−1 for COUNT of rows).</param>
/// <param name="Column">Its column (null for COUNT of rows).</param>
/// <param name="LowerBound">Smallest contribution, in the column's unit.</param>
/// <param name="UpperBound">Largest contribution, in the column's unit.</param>
public sealed record JoinMeasurePlan(MeasureFunction Function, int Input, ReleasedColumn? Column, BigInteger LowerBound, BigInteger UpperBound);

/// <summary>
/// A join query checked against the on-chain policies of its datasets: what each node must release, the groups (public
/// domains only) and the measures with their bounds. Everything is decided from the query and the chain, never from rows.
/// </summary>
public sealed class JoinPlan
{
    /// <summary>Most inputs of a join (as on chain).</summary>
    public const int MaxInputs = 8;

    /// <summary>Most group-by columns.</summary>
    public const int MaxGroupBy = 4;

    /// <summary>Most measures.</summary>
    public const int MaxMeasures = 8;

    /// <summary>Most groups (product of the domains).</summary>
    public const int MaxGroups = 65_536;

    private JoinPlan(JoinQuery query, IReadOnlyList<JoinInputPlan> inputs, IReadOnlyList<JoinGroupPlan> groupBy, IReadOnlyList<JoinMeasurePlan> measures, Epsilon epsilon)
    {
        Query = query;
        Inputs = inputs;
        GroupBy = groupBy;
        Measures = measures;
        Epsilon = epsilon;
    }

    /// <summary>The query as submitted.</summary>
    public JoinQuery Query { get; }

    /// <summary>The inputs, in query order.</summary>
    public IReadOnlyList<JoinInputPlan> Inputs { get; }

    /// <summary>The group-by columns, in output order.</summary>
    public IReadOnlyList<JoinGroupPlan> GroupBy { get; }

    /// <summary>The measures, in output order.</summary>
    public IReadOnlyList<JoinMeasurePlan> Measures { get; }

    /// <summary>The ε the job spends (on every input's license).</summary>
    public Epsilon Epsilon { get; }

    /// <summary>The strictest protection grade among the inputs.</summary>
    public ProtectionGrade Grade => Inputs.Max(i => i.Grade);

    /// <summary>
    /// Checks <paramref name="query"/> against the on-chain specs of its datasets (<paramref name="datasets"/>, by catalog id)
    /// and the job's ε. Every refusal depends only on the job and the chain, so the caller may fail the job on chain.
    /// </summary>
    public static JoinPlanResult Create(JoinQuery query, IReadOnlyDictionary<string, DatasetSpec> datasets, Epsilon jobEpsilon)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(datasets);
        if (query.Inputs.Count < 2 || query.Inputs.Count > MaxInputs)
        {
            return JoinPlanResult.Refuse("inputs", $"a join takes 2 to {MaxInputs} inputs, not {query.Inputs.Count}.");
        }

        if (query.EpsilonMicros == 0)
        {
            return JoinPlanResult.Refuse("epsilon_micros", "a join is differentially private: set ε > 0.");
        }

        if (query.EpsilonMicros != (ulong)jobEpsilon.Micros)
        {
            return JoinPlanResult.Refuse("epsilon_micros", $"the query's ε ({query.EpsilonMicros} micros) differs from the ε the job pays for ({jobEpsilon.Micros} micros).");
        }

        if (query.Measures.Count == 0)
        {
            return JoinPlanResult.Refuse("measures", "a join needs at least one measure.");
        }

        if (query.Measures.Count > MaxMeasures || query.GroupBy.Count > MaxGroupBy)
        {
            return JoinPlanResult.Refuse("measures", $"a join takes at most {MaxGroupBy} group-by columns and {MaxMeasures} measures.");
        }

        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var specs = new List<DatasetSpec>();
        var columns = new List<List<ReleasedColumn>>();
        CoreColumnType? keyType = null;
        for (var i = 0; i < query.Inputs.Count; i++)
        {
            var input = query.Inputs[i];
            var field = $"inputs[{i}]";
            if (!datasets.TryGetValue(input.DatasetId, out var spec))
            {
                return JoinPlanResult.Refuse(field + ".dataset_id", $"dataset '{input.DatasetId}' is not in the job.");
            }

            if (!index.TryAdd(input.DatasetId, i))
            {
                return JoinPlanResult.Refuse(field + ".dataset_id", $"dataset '{input.DatasetId}' is joined twice; a join names distinct datasets.");
            }

            if (!spec.AllowedKinds.Allows(Core.Catalog.ComputationKind.EnclaveJoin))
            {
                return JoinPlanResult.Refuse(field + ".dataset_id", $"the policy of dataset '{input.DatasetId}' does not allow enclave joins.");
            }

            var key = spec.Columns.FirstOrDefault(c => c.Name == input.JoinKey);
            if (key is null)
            {
                return JoinPlanResult.Refuse(field + ".join_key", $"dataset '{input.DatasetId}' has no column '{input.JoinKey}'.");
            }

            if (!key.Permissions.HasFlag(ColumnPermissions.JoinKey))
            {
                return JoinPlanResult.Refuse(field + ".join_key", $"column '{input.DatasetId}.{input.JoinKey}' lacks the JOIN_KEY permission.");
            }

            if (keyType is { } expected && expected != key.Type)
            {
                return JoinPlanResult.Refuse(field + ".join_key", $"join key '{input.DatasetId}.{input.JoinKey}' is {key.Type}, the first input's is {expected}; join keys must have one type.");
            }

            keyType = key.Type;
            var released = new List<ReleasedColumn> { new(key.Name, key.Type) };
            for (var f = 0; f < input.Filters.Count; f++)
            {
                var filter = input.Filters[f];
                var column = spec.Columns.FirstOrDefault(c => c.Name == filter.Column);
                if (column is null || !column.Permissions.HasFlag(ColumnPermissions.Filter))
                {
                    return JoinPlanResult.Refuse($"{field}.filters[{f}]", $"column '{input.DatasetId}.{filter.Column}' does not exist or lacks the FILTER permission.");
                }

                Add(released, column);
            }

            specs.Add(spec);
            columns.Add(released);
        }

        var groups = new List<JoinGroupPlan>();
        long product = 1;
        for (var g = 0; g < query.GroupBy.Count; g++)
        {
            var reference = query.GroupBy[g];
            var field = $"group_by[{g}]";
            if (!index.TryGetValue(reference.DatasetId, out var i))
            {
                return JoinPlanResult.Refuse(field, $"dataset '{reference.DatasetId}' is not an input of the join.");
            }

            var column = specs[i].Columns.FirstOrDefault(c => c.Name == reference.Column);
            if (column is null)
            {
                return JoinPlanResult.Refuse(field, $"dataset '{reference.DatasetId}' has no column '{reference.Column}'.");
            }

            if (column.Permissions.HasFlag(ColumnPermissions.JoinKey))
            {
                return JoinPlanResult.Refuse(field, $"column '{reference.DatasetId}.{reference.Column}' is JOIN_KEY and may never be output.");
            }

            if (!column.Permissions.HasFlag(ColumnPermissions.GroupBy))
            {
                return JoinPlanResult.Refuse(field, $"column '{reference.DatasetId}.{reference.Column}' lacks the GROUP_BY permission.");
            }

            if (column.Domain is not { Count: > 0 } domain)
            {
                return JoinPlanResult.Refuse(field, $"column '{reference.DatasetId}.{reference.Column}' has no public domain on chain; a join's groups are public domain values only.");
            }

            product *= domain.Count;
            if (product > MaxGroups)
            {
                return JoinPlanResult.Refuse(field, $"the join would have more than {MaxGroups} groups.");
            }

            groups.Add(new JoinGroupPlan(i, Add(columns[i], column), domain));
        }

        var measures = new List<JoinMeasurePlan>();
        for (var m = 0; m < query.Measures.Count; m++)
        {
            var measure = query.Measures[m];
            var field = $"measures[{m}]";
            switch (measure.Function)
            {
                case MeasureFunction.Count when measure.Column is null || (measure.Column.DatasetId.Length == 0 && measure.Column.Column.Length == 0):
                    measures.Add(new JoinMeasurePlan(MeasureFunction.Count, -1, null, BigInteger.Zero, BigInteger.Zero));
                    continue;
                case MeasureFunction.Count:
                    return JoinPlanResult.Refuse(field, "a join's COUNT counts joined rows and takes no column.");
                case MeasureFunction.Sum or MeasureFunction.Avg:
                    break;
                default:
                    return JoinPlanResult.Refuse(field, $"a join measures COUNT, SUM or AVG, not {measure.Function}.");
            }

            if (measure.Column is null || !index.TryGetValue(measure.Column.DatasetId, out var i))
            {
                return JoinPlanResult.Refuse(field, $"{measure.Function} needs a column of an input of the join.");
            }

            var column = specs[i].Columns.FirstOrDefault(c => c.Name == measure.Column.Column);
            if (column is null)
            {
                return JoinPlanResult.Refuse(field, $"dataset '{measure.Column.DatasetId}' has no column '{measure.Column.Column}'.");
            }

            if (column.Permissions.HasFlag(ColumnPermissions.JoinKey))
            {
                return JoinPlanResult.Refuse(field, $"column '{measure.Column.DatasetId}.{measure.Column.Column}' is JOIN_KEY and may never be output.");
            }

            if (!column.Permissions.HasFlag(ColumnPermissions.Aggregate) || !column.Type.IsNumeric())
            {
                return JoinPlanResult.Refuse(field, $"column '{measure.Column.DatasetId}.{measure.Column.Column}' is not a numeric AGGREGATE column.");
            }

            if (column.LowerBound.IsZero && column.UpperBound.IsZero || column.LowerBound > column.UpperBound)
            {
                return JoinPlanResult.Refuse(field, $"column '{measure.Column.DatasetId}.{measure.Column.Column}' has no clamp bounds on chain, so its sensitivity is unbounded.");
            }

            measures.Add(new JoinMeasurePlan(measure.Function, i, Add(columns[i], column), column.LowerBound, column.UpperBound));
        }

        var inputs = query.Inputs.Select((input, i) => new JoinInputPlan(input.DatasetId, input.JoinKey, columns[i], [.. input.Filters], specs[i].Grade)).ToList();
        return JoinPlanResult.Accept(new JoinPlan(query, inputs, groups, measures, jobEpsilon));
    }

    private static ReleasedColumn Add(List<ReleasedColumn> released, ColumnSpec column)
    {
        var existing = released.FirstOrDefault(c => c.Name == column.Name);
        if (existing is not null)
        {
            return existing;
        }

        var added = new ReleasedColumn(column.Name, column.Type);
        released.Add(added);
        return added;
    }
}

/// <summary>The outcome of planning a join: the plan, or the refusal (a field path and a sentence naming no value).</summary>
/// <param name="Plan">The plan when accepted.</param>
/// <param name="Field">The refused field's path.</param>
/// <param name="Reason">Why it was refused.</param>
public sealed record JoinPlanResult(JoinPlan? Plan, string Field, string Reason)
{
    /// <summary>True when the query was accepted.</summary>
    public bool Accepted => Plan is not null;

    internal static JoinPlanResult Accept(JoinPlan plan) => new(plan, string.Empty, string.Empty);

    internal static JoinPlanResult Refuse(string field, string reason) => new(null, field, $"{field}: {reason}");
}
