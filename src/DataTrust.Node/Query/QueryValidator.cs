using System.Globalization;
using System.Numerics;
using DataTrust.Core.Catalog;
using DataTrust.Node.Protection.Internal;
using DataTrust.Node.Query.Internal;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using ColumnType = DataTrust.Core.Catalog.ColumnType;
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Node.Query;

/// <summary>
/// Checks a typed query against a dataset's schema and column policy before any SQL exists: every identifier must be a
/// schema column whose permissions allow its use (GROUP_BY only as a group key, AGGREGATE only inside a measure, FILTER
/// only in a filter, JOIN_KEY never, no permission nowhere), every literal must match its column's type, and the query
/// must be within the limits. Refusal messages name schema columns and field paths, never literals or unknown names
/// from the request.
/// </summary>
public static class QueryValidator
{
    /// <summary>Checks <paramref name="query"/> against <paramref name="dataset"/> with <paramref name="policy"/> (the dataset's own when null).</summary>
    /// <param name="dataset">The dataset named by the query, or null when the node has none by that id.</param>
    /// <param name="query">The typed query.</param>
    /// <param name="epsilon">The ε the job pays for; a query that states a different ε is refused.</param>
    /// <param name="limits">Size limits.</param>
    /// <param name="policy">The policy to enforce (for example the on-chain one); the dataset's stored policy when null.</param>
    /// <param name="use">What the plan's output is: a released statistic (the default), or the rows HE scoring scores under consent.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="use"/> is not a defined value.</exception>
    public static PolicyCheck Validate(
        DatasetDescriptor? dataset,
        AggregateQuery query,
        Epsilon epsilon,
        QueryLimits limits,
        DatasetPolicy? policy = null,
        PlanUse use = PlanUse.Release)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(limits);
        if (!Enum.IsDefined(use))
        {
            throw new ArgumentOutOfRangeException(nameof(use), use, "Use PlanUse.Release or PlanUse.ConsentedScoring.");
        }

        var refusal = Check(dataset, query, epsilon, limits, policy, use, out var plan);
        return refusal is null ? PolicyCheck.Pass(plan!) : PolicyCheck.Fail(refusal, epsilon);
    }

    private static QueryRefusal? Check(
        DatasetDescriptor? dataset,
        AggregateQuery query,
        Epsilon epsilon,
        QueryLimits limits,
        DatasetPolicy? policyOverride,
        PlanUse use,
        out QueryPlan? plan)
    {
        plan = null;
        if (dataset is null || !string.Equals(dataset.Id, query.DatasetId, StringComparison.Ordinal))
        {
            return new(ErrorReason.UnknownDataset, "dataset_id", "dataset_id: this node holds no dataset with that id.");
        }

        var policy = policyOverride ?? dataset.Policy;
        try
        {
            policy.Validate(dataset.Schema);
        }
        catch (CatalogException)
        {
            return new(ErrorReason.Internal, "dataset_id", $"dataset_id: the policy of dataset '{dataset.Id}' does not fit its schema; the operator must fix the catalog entry.");
        }

        if (!policy.AllowedKinds.Allows(ComputationKind.Aggregate))
        {
            return new(ErrorReason.KindNotAllowed, "dataset_id", $"dataset_id: dataset '{dataset.Id}' does not allow AGGREGATE computations.");
        }

        if (query.HasEpsilonMicros && (query.EpsilonMicros > long.MaxValue || (long)query.EpsilonMicros != epsilon.Micros))
        {
            return new(ErrorReason.InvalidEpsilon, "epsilon_micros", "epsilon_micros: the query states an epsilon different from the one the job spends.");
        }

        if (query.Measures.Count == 0)
        {
            return new(ErrorReason.QueryEmpty, "measures", "measures: a query needs at least one measure.");
        }

        if (query.Filters.Count > limits.MaxFilters)
        {
            return TooLarge("filters", $"at most {limits.MaxFilters} filters are allowed");
        }

        if (query.GroupBy.Count > 0 && query.GroupItems.Count > 0)
        {
            return new(ErrorReason.MalformedRequest, "group_items", "group_items: give the group keys either in group_by or in group_items, not both.");
        }

        if (query.GroupItems.Count > limits.MaxGroupBy)
        {
            return TooLarge("group_items", $"at most {limits.MaxGroupBy} group-by columns are allowed");
        }

        if (query.GroupBy.Count > limits.MaxGroupBy)
        {
            return TooLarge("group_by", $"at most {limits.MaxGroupBy} group-by columns are allowed");
        }

        if (query.Measures.Count > limits.MaxMeasures)
        {
            return TooLarge("measures", $"at most {limits.MaxMeasures} measures are allowed");
        }

        var groupBy = new List<ColumnDefinition>();
        var buckets = new List<PlannedBucket?>();
        var items = query.GroupItems.Count > 0
            ? query.GroupItems.Select((g, i) => (g.Column, Bucket: (Bucket?)g.Bucket, Field: $"group_items[{i}]")).ToList()
            : query.GroupBy.Select((c, i) => (Column: c, Bucket: (Bucket?)null, Field: $"group_by[{i}]")).ToList();
        foreach (var (name, bucketSpec, field) in items)
        {
            var refusal = Resolve(dataset, policy, name, field + (query.GroupItems.Count > 0 ? ".column" : string.Empty), ColumnPermissions.GroupBy, "may never be output", out var column, out var columnPolicy);
            if (refusal is not null)
            {
                return refusal;
            }

            if (groupBy.Contains(column!))
            {
                return new(ErrorReason.MalformedRequest, field, $"{field}: column '{column!.Name}' is already a group key; list each once.");
            }

            PlannedBucket? bucket = null;
            if (bucketSpec is not null)
            {
                refusal = CheckBucket(bucketSpec, column!, columnPolicy!, field + ".bucket", out bucket);
                if (refusal is not null)
                {
                    return refusal;
                }

                if (policy.Grade != ProtectionGrade.Open)
                {
                    // The groups are the public buckets of the policy's range (validated to exist on a graded GROUP_BY column).
                    var cells = bucket!.Cells(columnPolicy!.Bucket!, limits.MaxCells);
                    if (cells is null)
                    {
                        return TooLarge(field + ".bucket", $"the public range of column '{column!.Name}' holds more than {limits.MaxCells} buckets of this size; use a coarser bucket");
                    }

                    bucket.WithDomain(cells);
                }
            }
            else if (policy.Grade != ProtectionGrade.Open && !columnPolicy!.HasDomain)
            {
                var units = columnPolicy.Bucket is { } allowed
                    ? allowed.IsNumeric ? $"a width that is a multiple of {allowed.Width}" : string.Join(", ", BucketPolicy.NamesOf(allowed.Units))
                    : "none";
                return new(ErrorReason.ColumnNotPermitted, field,
                    $"{field}: column '{column!.Name}' has no public domain of its own values, only a bucketed one; group it by a bucket (the policy allows {units}).");
            }

            groupBy.Add(column!);
            buckets.Add(bucket);
        }

        if (policy.Grade != ProtectionGrade.Open)
        {
            // Groups come from the public domains, so the result has one row per combination of domain values.
            var cells = 1L;
            for (var i = 0; i < groupBy.Count; i++)
            {
                cells *= Math.Max(1, buckets[i]?.Domain?.Count ?? policy.For(groupBy[i].Name).Domain?.Count ?? 1);
                cells = Math.Min(cells, (long)limits.MaxCells + 1);
            }

            if (cells > limits.MaxCells)
            {
                return TooLarge("group_by", $"the group-by columns' public domains make {cells} groups and at most {limits.MaxCells} are allowed");
            }
        }

        var measures = new List<PlannedMeasure>();
        for (var i = 0; i < query.Measures.Count; i++)
        {
            var refusal = CheckMeasure(dataset, policy, query.Measures[i], $"measures[{i}]", epsilon, limits, out var measure);
            if (refusal is not null)
            {
                return refusal;
            }

            measures.Add(measure!);
        }

        if (!epsilon.IsZero && epsilon.Micros < OutputProtection.NoiseComponents(measures))
        {
            return new(ErrorReason.InvalidEpsilon, "epsilon_micros",
                "epsilon_micros: epsilon is too small to split over the measures (one micro-unit per noise component at least).");
        }

        var filters = new List<PlannedFilter>();
        for (var i = 0; i < query.Filters.Count; i++)
        {
            var refusal = CheckFilter(dataset, policy, query.Filters[i], $"filters[{i}]", limits, out var filter);
            if (refusal is not null)
            {
                return refusal;
            }

            filters.Add(filter!);
        }

        // HE scoring under consent is the one exact use of a SENSITIVE dataset (the ledger's Licenses.consume lets it spend
        // ε = 0): it releases no statistic, only each consenting subject's scores, and the chain gate has checked each consent.
        if (policy.Grade == ProtectionGrade.Sensitive && epsilon.IsZero && use != PlanUse.ConsentedScoring)
        {
            return new(ErrorReason.ExactAnswerRefused, "epsilon_micros",
                $"epsilon_micros: dataset '{dataset.Id}' is SENSITIVE and answers only with differential-privacy noise; spend an epsilon above 0.");
        }

        plan = new QueryPlan(dataset, policy, filters, groupBy, measures, epsilon)
        {
            Buckets = buckets.Any(b => b is not null) ? buckets : [],
        };
        return null;
    }

    private static QueryRefusal? CheckMeasure(
        DatasetDescriptor dataset,
        DatasetPolicy policy,
        Measure measure,
        string field,
        Epsilon epsilon,
        QueryLimits limits,
        out PlannedMeasure? planned)
    {
        planned = null;
        var function = measure.Function;
        if (!Enum.IsDefined(function) || function == MeasureFunction.Unspecified)
        {
            return new(ErrorReason.InvalidMeasure, field + ".function", $"{field}.function: choose COUNT, SUM, AVG, MIN, MAX or HISTOGRAM.");
        }

        if (function != MeasureFunction.Histogram && measure.BinEdges.Count > 0)
        {
            return new(ErrorReason.InvalidBins, field + ".bin_edges", $"{field}.bin_edges: only HISTOGRAM measures take bin edges.");
        }

        if (function == MeasureFunction.Count && measure.Column.Length == 0)
        {
            planned = new PlannedMeasure(function, null, 0, 0, [], []);
            return null;
        }

        if (measure.Column.Length == 0)
        {
            return new(ErrorReason.InvalidMeasure, field + ".column", $"{field}.column: {function.ToString().ToUpperInvariant()} needs an AGGREGATE column.");
        }

        if ((function is MeasureFunction.Min or MeasureFunction.Max) && !epsilon.IsZero)
        {
            return new(ErrorReason.MeasureNotPrivate, field + ".function",
                $"{field}.function: {function.ToString().ToUpperInvariant()} has no bounded sensitivity and is refused when epsilon > 0; use AVG or HISTOGRAM, or run without epsilon.");
        }

        var refusal = Resolve(dataset, policy, measure.Column, field + ".column", ColumnPermissions.Aggregate, "may never be aggregated or output", out var column, out var columnPolicy);
        if (refusal is not null)
        {
            return refusal;
        }

        if (!column!.Type.IsNumeric())
        {
            return new(ErrorReason.ColumnNotPermitted, field + ".column", $"{field}.column: column '{column.Name}' is not numeric and cannot be aggregated.");
        }

        if ((function is MeasureFunction.Min or MeasureFunction.Max) && policy.Grade != ProtectionGrade.Open
            && !columnPolicy!.Permissions.HasFlag(ColumnPermissions.MinMax))
        {
            return new(ErrorReason.MeasureNotPrivate, field + ".function",
                $"{field}.function: {function.ToString().ToUpperInvariant()} would output one row's exact value; the policy does not mark column '{column.Name}' as MIN_MAX (extremes not disclosive).");
        }

        var lower = Representable(columnPolicy!.LowerBound!.Value, column.Type);
        var upper = Representable(columnPolicy.UpperBound!.Value, column.Type);
        if (function != MeasureFunction.Histogram)
        {
            planned = new PlannedMeasure(function, column, lower, upper, [], []);
            return null;
        }

        var edgeField = field + ".bin_edges";
        if (measure.BinEdges.Count < 2)
        {
            return new(ErrorReason.InvalidBins, edgeField, $"{edgeField}: a histogram needs at least two increasing edges.");
        }

        if (measure.BinEdges.Count - 1 > limits.MaxHistogramBins)
        {
            return TooLarge(edgeField, $"at most {limits.MaxHistogramBins} bins are allowed");
        }

        var edges = new List<object>();
        for (var j = 0; j < measure.BinEdges.Count; j++)
        {
            var edge = Literals.TryConvert(measure.BinEdges[j], column, limits.MaxTextLiteralBytes, out var expected);
            if (edge is null)
            {
                return new(ErrorReason.InvalidBins, $"{edgeField}[{j}]", $"{edgeField}[{j}]: column '{column.Name}' {expected}.");
            }

            if (j > 0 && Convert.ToDecimal(edge, CultureInfo.InvariantCulture) <= Convert.ToDecimal(edges[^1], CultureInfo.InvariantCulture))
            {
                return new(ErrorReason.InvalidBins, $"{edgeField}[{j}]", $"{edgeField}[{j}]: bin edges must be strictly increasing.");
            }

            edges.Add(edge);
        }

        planned = new PlannedMeasure(function, column, lower, upper, edges, measure.BinEdges.ToArray());
        return null;
    }

    private static QueryRefusal? CheckFilter(
        DatasetDescriptor dataset,
        DatasetPolicy policy,
        Filter filter,
        string field,
        QueryLimits limits,
        out PlannedFilter? planned)
    {
        planned = null;
        var refusal = Resolve(dataset, policy, filter.Column, field + ".column", ColumnPermissions.Filter, "may never be filtered on", out var column, out var columnPolicy);
        if (refusal is not null)
        {
            return refusal;
        }

        PlannedBucket? bucket = null;
        if (filter.Bucket is not null)
        {
            refusal = CheckBucket(filter.Bucket, column!, columnPolicy!, field + ".bucket", out bucket);
            if (refusal is not null)
            {
                return refusal;
            }
        }

        var op = filter.Operator;
        var count = filter.Values.Count;
        var opField = field + ".operator";
        switch (op)
        {
            case FilterOperator.Eq or FilterOperator.Ne or FilterOperator.Lt or FilterOperator.Le or FilterOperator.Gt or FilterOperator.Ge:
                if (count != 1)
                {
                    return new(ErrorReason.InvalidOperator, field + ".values", $"{field}.values: {op.ToString().ToUpperInvariant()} takes exactly one value.");
                }

                break;
            case FilterOperator.In:
                if (count == 0)
                {
                    return new(ErrorReason.InvalidOperator, field + ".values", $"{field}.values: IN takes at least one value.");
                }

                if (count > limits.MaxInValues)
                {
                    return TooLarge(field + ".values", $"an IN list holds at most {limits.MaxInValues} values");
                }

                break;
            case FilterOperator.Between:
                if (count != 2)
                {
                    return new(ErrorReason.InvalidOperator, field + ".values", $"{field}.values: BETWEEN takes exactly two values, low first.");
                }

                break;
            default:
                return new(ErrorReason.InvalidOperator, opField, $"{opField}: choose =, <>, <, <=, >, >=, IN or BETWEEN.");
        }

        var values = new List<object>(count);
        for (var j = 0; j < count; j++)
        {
            var value = Literals.TryConvert(filter.Values[j], column!, limits.MaxTextLiteralBytes, out var expected);
            if (value is null)
            {
                return new(ErrorReason.LiteralTypeMismatch, $"{field}.values[{j}]", $"{field}.values[{j}]: column '{column!.Name}' {expected}.");
            }

            if (bucket is not null)
            {
                // A bucketed filter's literal is a bucket start: the bucket grid is the filter grid.
                if (!bucket.IsStart(value))
                {
                    var (start, next) = bucket.Around(value);
                    return new(ErrorReason.OffGrid, $"{field}.values[{j}]",
                        $"{field}.values[{j}]: a filter on {bucket.Name} compares bucket starts; use the start of a bucket, such as {start} or {next}.");
                }

                values.Add(value);
                continue;
            }

            var gridRefusal = CheckGridAndDomain(policy, column!, op, value, $"{field}.values[{j}]");
            if (gridRefusal is not null)
            {
                return gridRefusal;
            }

            values.Add(value);
        }

        planned = new PlannedFilter(column!, op, values, bucket);
        return null;
    }

    /// <summary>
    /// On RESTRICTED and SENSITIVE datasets a numeric literal must lie on the column's public grid, and an equality
    /// literal of a column with a public domain must be one of its values: a refusal then cannot be walked one unit at a time.
    /// </summary>
    private static QueryRefusal? CheckGridAndDomain(DatasetPolicy policy, ColumnDefinition column, FilterOperator op, object value, string field)
    {
        if (policy.Grade == ProtectionGrade.Open)
        {
            return null;
        }

        var columnPolicy = policy.For(column.Name);
        if (column.Type.IsNumeric() && columnPolicy.GridStep is { } step && step > 0)
        {
            var number = Convert.ToDecimal(value, CultureInfo.InvariantCulture);
            var stepValue = (decimal)step;
            if (number % stepValue != 0)
            {
                var below = Math.Floor(number / stepValue) * stepValue;
                return new(ErrorReason.OffGrid, field,
                    $"{field}: column '{column.Name}' is filtered on a public grid of step {step}; use a multiple of it, such as {ColumnValues.Canonical(below)} or {ColumnValues.Canonical(below + stepValue)}.");
            }
        }

        if (columnPolicy.Domain is { Count: > 0 } domain && op is FilterOperator.Eq or FilterOperator.Ne or FilterOperator.In
            && !domain.Contains(Literals.Canonical(value) ?? string.Empty, StringComparer.Ordinal))
        {
            return new(ErrorReason.OutsideDomain, field, $"{field}: the value is not in column '{column.Name}''s public domain; the policy lists the values it may take.");
        }

        return null;
    }

    /// <summary>
    /// Checks a bucket against its column's type and the column's bucket policy: one of unit and width, a unit that fits
    /// the type and that the policy lists, a width that is a positive multiple of the policy's and an origin on its grid.
    /// </summary>
    private static QueryRefusal? CheckBucket(Bucket spec, ColumnDefinition column, ColumnPolicy columnPolicy, string field, out PlannedBucket? bucket)
    {
        bucket = null;
        var hasUnit = spec.Unit != BucketUnit.Unspecified;
        var hasWidth = spec.Width is not null;
        if (hasUnit == hasWidth || (!hasWidth && spec.Origin is not null))
        {
            return new(ErrorReason.BucketInvalid, field, $"{field}: give a time unit or a numeric width (with an optional origin), exactly one of them.");
        }

        if (hasUnit && !Enum.IsDefined(spec.Unit))
        {
            return new(ErrorReason.BucketInvalid, field + ".unit", $"{field}.unit: choose YEAR, QUARTER, MONTH, WEEK, DAY or HOUR.");
        }

        var typeName = column.Type.ToString().ToUpperInvariant();
        if (hasUnit)
        {
            var unit = (BucketUnits)(1 << ((int)spec.Unit - 1));
            if (!BucketPolicy.IsTimeType(column.Type))
            {
                return new(ErrorReason.BucketTypeMismatch, field + ".unit",
                    $"{field}.unit: column '{column.Name}' is {typeName}; time units fit DATE and TIMESTAMP columns ({(column.Type.IsNumeric() ? "bucket a number by a width" : "this type takes no bucket")}).");
            }

            if (unit == BucketUnits.Hour && column.Type == ColumnType.Date)
            {
                return new(ErrorReason.BucketTypeMismatch, field + ".unit", $"{field}.unit: column '{column.Name}' is a DATE and has no hours; use DAY or a coarser unit.");
            }

            if (columnPolicy.Bucket is not { IsNumeric: false } allowed || !allowed.Units.HasFlag(unit))
            {
                var listed = columnPolicy.Bucket is { IsNumeric: false } p ? "only " + string.Join(", ", BucketPolicy.NamesOf(p.Units)) : "no buckets";
                return new(ErrorReason.BucketNotAllowed, field + ".unit",
                    $"{field}.unit: the policy of column '{column.Name}' does not allow {BucketPolicy.NameOf(unit)} buckets (it allows {listed}).");
            }

            bucket = PlannedBucket.Time(column, unit);
            return null;
        }

        if (!column.Type.IsNumeric())
        {
            return new(ErrorReason.BucketTypeMismatch, field + ".width",
                $"{field}.width: column '{column.Name}' is {typeName}; a width fits INT and DECIMAL columns ({(BucketPolicy.IsTimeType(column.Type) ? "bucket a time by a unit" : "this type takes no bucket")}).");
        }

        if (columnPolicy.Bucket is not { Width: { } baseWidth } numeric)
        {
            return new(ErrorReason.BucketNotAllowed, field + ".width", $"{field}.width: the policy of column '{column.Name}' allows no numeric buckets.");
        }

        var width = Literals.TryConvert(spec.Width!, column, 64, out _) is { } w ? Convert.ToDecimal(w, CultureInfo.InvariantCulture) : (decimal?)null;
        if (width is null)
        {
            return new(ErrorReason.BucketInvalid, field + ".width", $"{field}.width: send the width as a number of column '{column.Name}''s type.");
        }

        var origin = (decimal)numeric.Origin;
        if (spec.Origin is not null)
        {
            if (Literals.TryConvert(spec.Origin, column, 64, out _) is not { } o)
            {
                return new(ErrorReason.BucketInvalid, field + ".origin", $"{field}.origin: send the origin as a number of column '{column.Name}''s type.");
            }

            origin = Convert.ToDecimal(o, CultureInfo.InvariantCulture);
        }

        var step = (decimal)baseWidth;
        if (width <= 0 || width.Value % step != 0)
        {
            return new(ErrorReason.BucketWidthOffGrid, field + ".width",
                $"{field}.width: column '{column.Name}' is bucketed by multiples of {baseWidth}; use a width such as {ColumnValues.Canonical(step)} or {ColumnValues.Canonical(step * Math.Max(2, Math.Ceiling(Math.Abs(width.Value) / step)))}.");
        }

        if ((origin - (decimal)numeric.Origin) % step != 0)
        {
            return new(ErrorReason.BucketWidthOffGrid, field + ".origin",
                $"{field}.origin: bucket edges of column '{column.Name}' lie on the grid {numeric.Origin} + a multiple of {baseWidth}; use an origin on it.");
        }

        // The origin is on the policy's grid and the width a multiple of its step, so every bucket edge is a grid point.
        bucket = PlannedBucket.Numeric(column, width.Value, origin);
        return null;
    }

    private static QueryRefusal? Resolve(
        DatasetDescriptor dataset,
        DatasetPolicy policy,
        string name,
        string field,
        ColumnPermissions needed,
        string joinKeyConsequence,
        out ColumnDefinition? column,
        out ColumnPolicy? columnPolicy)
    {
        columnPolicy = null;
        column = name.Length == 0 ? null : dataset.Schema.Find(name);
        if (column is null)
        {
            return new(ErrorReason.UnknownColumn, field, $"{field}: dataset '{dataset.Id}' has no column of that name (names are matched exactly).");
        }

        columnPolicy = policy.For(column.Name);
        var permissions = columnPolicy.Permissions;
        if (permissions.HasFlag(ColumnPermissions.JoinKey))
        {
            return new(ErrorReason.ColumnNotPermitted, field, $"{field}: column '{column.Name}' is JOIN_KEY and {joinKeyConsequence}.");
        }

        if (!permissions.HasFlag(needed))
        {
            var what = needed switch
            {
                ColumnPermissions.GroupBy => "GROUP_BY",
                ColumnPermissions.Aggregate => "AGGREGATE",
                _ => "FILTER",
            };
            var has = permissions == ColumnPermissions.None ? "no permissions (unusable)" : "permissions " + Describe(permissions);
            return new(ErrorReason.ColumnNotPermitted, field, $"{field}: column '{column.Name}' lacks the {what} permission (it has {has}).");
        }

        return null;
    }

    private static string Describe(ColumnPermissions permissions)
    {
        var names = new List<string>();
        if (permissions.HasFlag(ColumnPermissions.GroupBy))
        {
            names.Add("GROUP_BY");
        }

        if (permissions.HasFlag(ColumnPermissions.Aggregate))
        {
            names.Add("AGGREGATE");
        }

        if (permissions.HasFlag(ColumnPermissions.Filter))
        {
            names.Add("FILTER");
        }

        return string.Join(", ", names);
    }

    /// <summary>An int256 bound limited to the values the column can hold, which leaves clamping unchanged.</summary>
    private static decimal Representable(BigInteger bound, ColumnType type)
    {
        // DOUBLE contributions are rounded to the engine's fixed-point unit (10^-4) as DECIMAL(38,4); their bounds are
        // limited like DECIMAL(18,4)'s.
        var limit = type == ColumnType.Int ? new BigInteger(long.MaxValue) : new BigInteger(99_999_999_999_999m);
        return (decimal)BigInteger.Clamp(bound, -limit - (type == ColumnType.Int ? 1 : 0), limit);
    }

    private static QueryRefusal TooLarge(string field, string limit) =>
        new(ErrorReason.QueryTooLarge, field, $"{field}: {limit}; split the query.");
}
