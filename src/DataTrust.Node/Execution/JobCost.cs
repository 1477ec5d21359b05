using DataTrust.Core.Catalog;
using DataTrust.Node.Query;
using DataTrust.Protos.V1;
using Google.Protobuf.Collections;

namespace DataTrust.Node.Execution;

/// <summary>
/// What a job would cost the node, computed from its spec and the policy alone (no row is read), so that a job over a
/// limit is refused before it touches the data. Groups come from the group-by columns' public domains; a column without
/// one (possible only on OPEN data) counts as one group, and such a job is bounded by the wall time alone.
/// </summary>
/// <param name="Cells">Result groups: the product of the group-by columns' domain sizes (1 without group-by).</param>
/// <param name="CellMeasures">Groups × measures.</param>
/// <param name="HistogramBins">Groups × the bins of every histogram measure.</param>
/// <param name="HeRows">Rows the node encrypts for an HE job: scored subjects, weighted groups, or this part's groups; 0 for an aggregate.</param>
public sealed record JobCost(long Cells, long CellMeasures, long HistogramBins, long HeRows)
{
    /// <summary>The cost of an aggregate query under <paramref name="policy"/>.</summary>
    public static JobCost OfQuery(AggregateQuery query, DatasetPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(policy);
        var cells = query.GroupItems.Count > 0 ? GroupItems(query.GroupItems, policy) : Groups(query.GroupBy, policy);
        var bins = query.Measures.Where(m => m.Function == MeasureFunction.Histogram).Sum(m => (long)Math.Max(0, m.BinEdges.Count - 1));
        return new JobCost(cells, Saturate(cells, query.Measures.Count), Saturate(cells, bins), 0);
    }

    /// <summary>The cost of a job spec under <paramref name="policy"/> (for a cross-domain sum, of part <paramref name="partIndex"/>).</summary>
    public static JobCost Of(JobSpec spec, DatasetPolicy policy, int partIndex = -1)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(policy);
        switch (spec.PayloadCase)
        {
            case JobSpec.PayloadOneofCase.Aggregate:
                return OfQuery(spec.Aggregate, policy);
            case JobSpec.PayloadOneofCase.HeWeightedAggregate:
                var weighted = spec.HeWeightedAggregate;
                var groups = Groups(weighted.GroupBy, policy);
                return new JobCost(groups, Saturate(groups, Math.Max(1, weighted.Model?.Features.Count ?? 1)), 0, groups);
            case JobSpec.PayloadOneofCase.HeScoring:
                var subjects = spec.HeScoring.Subjects.Count;
                return new JobCost(subjects, subjects, 0, subjects);
            case JobSpec.PayloadOneofCase.HeCrossDomainSum:
                var parts = spec.HeCrossDomainSum.Parts;
                if (partIndex < 0 || partIndex >= parts.Count)
                {
                    return new JobCost(1, 1, 0, 1);
                }

                var part = OfQuery(parts[partIndex], policy);
                return part with { HeRows = part.Cells };
            default:
                return new JobCost(1, 1, 0, 0);
        }
    }

    /// <summary>Groups of bucketed keys: a bucketed key counts its public buckets (1 without a public range), as the validator does.</summary>
    private static long GroupItems(RepeatedField<GroupItem> items, DatasetPolicy policy)
    {
        var cells = 1L;
        foreach (var item in items)
        {
            var column = policy.For(item.Column);
            var count = item.Bucket is null
                ? Math.Max(1, column.Domain?.Count ?? 1)
                : Query.Internal.BucketCount.Of(item, column);
            cells = Saturate(cells, count);
        }

        return cells;
    }

    /// <summary>The first limit this cost is over, as a refusal that names the limit, or null when within every limit.</summary>
    public QueryRefusal? Check(JobCostLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return Over(CellMeasures, limits.MaxCellMeasures, "spec", "cells × measures", "Node:CostLimits:MaxCellMeasures (--max-cell-measures)")
            ?? Over(HistogramBins, limits.MaxHistogramBins, "spec", "histogram bins (groups × bins)", "Node:CostLimits:MaxHistogramBins (--max-histogram-bins)")
            ?? Over(HeRows, limits.MaxHeRows, "spec", "HE rows (subjects or groups encrypted)", "Node:CostLimits:MaxHeRows (--max-he-rows)");
    }

    /// <summary>The cost as Explain reports it.</summary>
    public JobCostReport ToReport() => new()
    {
        Cells = (ulong)Cells,
        CellMeasures = (ulong)CellMeasures,
        HistogramBins = (ulong)HistogramBins,
        HeRows = (ulong)HeRows,
    };

    private static QueryRefusal? Over(long value, long limit, string field, string what, string setting) =>
        limit > 0 && value > limit
            ? new QueryRefusal(ErrorReason.JobTooCostly, field, $"{field}: the job's {what} come to {value}, over this node's limit of {limit} ({setting}); it was refused before any row was read.")
            : null;

    private static long Groups(RepeatedField<string> groupBy, DatasetPolicy policy)
    {
        var cells = 1L;
        foreach (var column in groupBy)
        {
            var domain = policy.Columns.FirstOrDefault(c => string.Equals(c.Column, column, StringComparison.Ordinal))?.Domain;
            cells = Saturate(cells, Math.Max(1, domain?.Count ?? 1));
        }

        return cells;
    }

    private static long Saturate(long a, long b) => a == 0 || b <= long.MaxValue / a ? a * b : long.MaxValue;
}

/// <summary>
/// Per-job cost limits of a node (section <c>Node:CostLimits</c>); 0 turns a limit off. Every limit but the wall time is
/// checked before any row is read, so a job over one is failed on chain with a refund.
/// </summary>
public sealed class JobCostLimits
{
    /// <summary>Most groups × measures in one result (default 50,000; a 10,000-group query may carry 5 measures).</summary>
    public long MaxCellMeasures { get; set; } = 50_000;

    /// <summary>Most histogram bins over all groups (default 50,000).</summary>
    public long MaxHistogramBins { get; set; } = 50_000;

    /// <summary>Most rows (scored subjects or groups) an HE job encrypts (default 4,096, the spec's own cap on subjects).</summary>
    public long MaxHeRows { get; set; } = 4_096;

    /// <summary>
    /// Longest a job's computation may run (default 120 s). Past it the computation is cancelled; rows were read, so the
    /// job is not failed on chain (a refund would make the timing a free answer): it stays pending, charged, until its
    /// requester cancels it after the deployment's deadline (refunded: the known gap of docs/threat-model.md §4).
    /// </summary>
    public TimeSpan MaxWallTime { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>The limits as Explain reports them.</summary>
    public JobCostReport ToReport() => new()
    {
        CellMeasures = (ulong)Math.Max(0, MaxCellMeasures),
        HistogramBins = (ulong)Math.Max(0, MaxHistogramBins),
        HeRows = (ulong)Math.Max(0, MaxHeRows),
        WallTimeMs = (ulong)Math.Max(0, MaxWallTime.TotalMilliseconds),
    };
}
