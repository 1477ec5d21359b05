using System.Numerics;
using DataTrust.Core.Catalog;
using DataTrust.Core.Privacy;
using DataTrust.Node.Query.Internal;
using DataTrust.Protos.V1;

namespace DataTrust.Node.Protection.Internal;

/// <summary>
/// Statistical disclosure control of an aggregate: primary suppression (minimum group size k, dominance (n, p%)),
/// complementary suppression, then exact discrete Laplace noise when ε &gt; 0. Produces the only form in which a result leaves the node.
/// </summary>
/// <remarks>
/// <para><b>Primary suppression.</b> Every cell of a group with fewer than k rows (MIN_GROUP_SIZE). A SUM or AVG cell
/// whose n largest absolute contributions exceed p% of the sum of absolute contributions (DOMINANCE); AVG is included
/// because AVG × COUNT would give the SUM back. A histogram bin holding 1..k−1 rows (MIN_GROUP_SIZE).</para>
/// <para><b>Complementary suppression.</b> For each measure separately, a <i>line</i> is a set of groups that agree on
/// every group key but one (with one group-by column: all groups; with two: every row and every column of the
/// table). Until no line changes: a line with exactly one suppressed cell gets a second one, the published cell of
/// that line with the fewest rows (COMPLEMENTARY). Within a histogram, a cell with exactly one suppressed bin gets its
/// smallest published bin suppressed too.</para>
/// <para><b>Guarantee.</b> For one- and two-dimensional group-bys, no suppressed cell equals a line total (obtainable
/// from a query with one group-by column fewer) minus published cells of the same result: every line has zero or at
/// least two suppressed cells. A line with a single cell cannot be protected this way, but its total is a group of the
/// lower-dimensional query with the same rows, where the same primary rule suppresses it. Not guaranteed: attacks that
/// combine several results (different filters or groupings, linear-programming interval attacks), higher-dimensional
/// margins with three or more group-by columns, and the dominance/k tests use the true (not noisy) values, which is
/// itself a (small) leak when ε &gt; 0.</para>
/// <para><b>Noise.</b> With ε &gt; 0 each AGGREGATE contribution is clamped to the column's [lower, upper] bounds in SQL.
/// ε is split evenly over noise <i>components</i>: COUNT 1, SUM 1, AVG 2 (its sum and its count), HISTOGRAM 1 (a row
/// falls in one bin, so all bins together cost one share). Each component gets ⌊ε_micros / components⌋ micro-units
/// (the remainder is not spent). The mechanism is the exact discrete Laplace (<see cref="DiscreteLaplace"/>), sampled
/// with integer arithmetic only, so no floating-point artefact carries the true value (Mironov 2012): counts are integers,
/// and sums are released in fixed point of 10⁻⁴ (the stored DECIMAL scale), where the clamped sum is an exact integer.
/// Sensitivities (add or remove one row): count 1, sum max(|lower|, |upper|)·10⁴ units, histogram 1. Groups are disjoint,
/// so every group uses the same shares (parallel composition). δ = 0. Noisy counts are floored at 0; AVG = noisy sum /
/// max(1, noisy count), clamped to the bounds (post-processing). Which groups exist, and which are suppressed, is decided
/// on true counts and is not protected by the noise: that is a known leak, removed by the grade-aware protection
/// (public group domains, no suppression on the DP path) that replaces this class's noisy path next.</para>
/// </remarks>
internal static class OutputProtection
{
    /// <summary>Units per value unit of a noisy sum: 10⁴, the stored DECIMAL scale, so a clamped sum is an exact integer.</summary>
    private const decimal FixedPointUnit = 10_000m;

    public static int NoiseComponents(IEnumerable<PlannedMeasure> measures) => measures.Sum(m => m.Function switch
    {
        MeasureFunction.Avg => 2,
        MeasureFunction.Min or MeasureFunction.Max => 0,
        _ => 1,
    });

    public static AggregateResult Protect(QueryPlan plan, IReadOnlyList<RawRow> rows, IRandomSource random)
    {
        var k = plan.Policy.MinGroupSize;
        var measureCount = plan.Measures.Count;
        var rules = new SuppressionRule[rows.Count, measureCount];
        var binRules = new SuppressionRule[rows.Count, measureCount][];

        // Primary suppression.
        for (var r = 0; r < rows.Count; r++)
        {
            for (var m = 0; m < measureCount; m++)
            {
                var measure = plan.Measures[m];
                var cell = rows[r].Cells[m];
                if (rows[r].Count < k)
                {
                    rules[r, m] = SuppressionRule.MinGroupSize;
                }
                else if (measure.IsSumLike && plan.Policy.Dominance.IsEnabled && cell.AbsTotal > 0
                    && cell.TopN * 100m > plan.Policy.Dominance.Percent * cell.AbsTotal)
                {
                    rules[r, m] = SuppressionRule.Dominance;
                }

                if (measure.Function == MeasureFunction.Histogram)
                {
                    var bins = new SuppressionRule[cell.Bins.Length];
                    for (var b = 0; b < bins.Length; b++)
                    {
                        if (cell.Bins[b] > 0 && cell.Bins[b] < k)
                        {
                            bins[b] = SuppressionRule.MinGroupSize;
                        }
                    }

                    ComplementWithin(bins, cell.Bins);
                    binRules[r, m] = bins;
                }
            }
        }

        // Complementary suppression, per measure, over every one-dimensional line.
        var lines = Lines(rows, plan.GroupBy.Count);
        for (var m = 0; m < measureCount; m++)
        {
            var changed = true;
            while (changed)
            {
                changed = false;
                foreach (var line in lines)
                {
                    var suppressed = line.Count(r => rules[r, m] != SuppressionRule.Unspecified);
                    if (suppressed != 1)
                    {
                        continue;
                    }

                    var candidates = line.Where(r => rules[r, m] == SuppressionRule.Unspecified).ToList();
                    if (candidates.Count == 0)
                    {
                        continue;
                    }

                    var pick = candidates.OrderBy(r => rows[r].Count).ThenBy(r => r).First();
                    rules[pick, m] = SuppressionRule.Complementary;
                    changed = true;
                }
            }
        }

        return Render(plan, rows, rules, binRules, random);
    }

    private static void ComplementWithin(SuppressionRule[] bins, long[] counts)
    {
        if (bins.Count(b => b != SuppressionRule.Unspecified) != 1)
        {
            return;
        }

        var pick = -1;
        for (var b = 0; b < bins.Length; b++)
        {
            if (bins[b] == SuppressionRule.Unspecified && (pick < 0 || counts[b] < counts[pick]))
            {
                pick = b;
            }
        }

        if (pick >= 0)
        {
            bins[pick] = SuppressionRule.Complementary;
        }
    }

    private static List<List<int>> Lines(IReadOnlyList<RawRow> rows, int dimensions)
    {
        var lines = new List<List<int>>();
        for (var free = 0; free < dimensions; free++)
        {
            var byRest = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            for (var r = 0; r < rows.Count; r++)
            {
                var rest = string.Join('\u001f', rows[r].Keys.Where((_, d) => d != free).Select(v => v.ToString()));
                if (!byRest.TryGetValue(rest, out var line))
                {
                    line = [];
                    byRest.Add(rest, line);
                }

                line.Add(r);
            }

            lines.AddRange(byRest.Values);
        }

        return lines;
    }

    private static AggregateResult Render(
        QueryPlan plan,
        IReadOnlyList<RawRow> rows,
        SuppressionRule[,] rules,
        SuppressionRule[,][] binRules,
        IRandomSource random)
    {
        var result = new AggregateResult
        {
            DatasetId = plan.Dataset.Id,
            MinGroupSize = (uint)plan.Policy.MinGroupSize,
            SnapshotCommitment = Google.Protobuf.ByteString.CopyFrom(plan.Dataset.SnapshotCommitment.Bytes),
            Noise = new NoiseInfo { Mechanism = NoiseMechanism.None },
        };
        foreach (var key in plan.GroupBy)
        {
            result.Columns.Add(new ResultColumn { Name = key.Name, Role = ResultColumnRole.GroupKey, SourceColumn = key.Name });
        }

        foreach (var measure in plan.Measures)
        {
            var source = measure.Column?.Name ?? string.Empty;
            result.Columns.Add(new ResultColumn
            {
                Name = $"{measure.Function.ToString().ToLowerInvariant()}({(source.Length == 0 ? "*" : source)})",
                Role = ResultColumnRole.Measure,
                SourceColumn = source,
                Function = measure.Function,
            });
        }

        var noisy = !plan.Epsilon.IsZero;
        var share = noisy ? new Epsilon(plan.Epsilon.Micros / NoiseComponents(plan.Measures)) : Epsilon.Zero;
        var mechanisms = new Dictionary<(int Measure, string Component), DiscreteLaplace>();
        if (noisy)
        {
            result.Noise.Mechanism = NoiseMechanism.DiscreteLaplace;
            result.Noise.EpsilonMicros = (ulong)plan.Epsilon.Micros;
            result.Noise.Delta = 0;
            for (var m = 0; m < plan.Measures.Count; m++)
            {
                foreach (var (component, sensitivity, unit) in Components(plan.Measures[m]))
                {
                    // The same object samples and reports: the calibration shown is the one used.
                    var mechanism = DiscreteLaplace.Create(sensitivity, share);
                    mechanisms[(m, component)] = mechanism;
                    result.Noise.Measures.Add(new MeasureNoise
                    {
                        Measure = m,
                        Component = component,
                        EpsilonMicros = (ulong)share.Micros,
                        Sensitivity = (double)((decimal)sensitivity / (decimal)unit),
                        Scale = mechanism.Scale / unit,
                        StandardDeviation = mechanism.StandardDeviation / unit,
                    });
                }
            }
        }

        for (var r = 0; r < rows.Count; r++)
        {
            var row = new ResultRow();
            row.Keys.AddRange(rows[r].Keys);
            for (var m = 0; m < plan.Measures.Count; m++)
            {
                var measure = plan.Measures[m];
                var rule = rules[r, m];
                var cell = new Cell();
                if (rule != SuppressionRule.Unspecified)
                {
                    cell.Suppressed = true;
                    cell.SuppressedBy = rule;
                    result.Suppressed.Add(new SuppressedCell { Row = r, Measure = m, Bin = -1, Rule = rule });
                }
                else if (measure.Function == MeasureFunction.Histogram)
                {
                    cell.Histogram = RenderHistogram(measure, rows[r].Cells[m], binRules[r, m], noisy ? mechanisms[(m, "histogram")] : null, random, r, m, result);
                }
                else
                {
                    cell.Value = RenderScalar(measure, rows[r].Cells[m], m, noisy ? mechanisms : null, random);
                }

                row.Cells.Add(cell);
            }

            result.Rows.Add(row);
        }

        return result;
    }

    /// <summary>Each noise component of a measure: its name, its L1 sensitivity in integer units, and the units per value unit.</summary>
    private static IEnumerable<(string Component, BigInteger Sensitivity, double Unit)> Components(PlannedMeasure measure)
    {
        var bound = Math.Max(Math.Abs(measure.LowerBound), Math.Abs(measure.UpperBound));
        var sum = BigInteger.Max(BigInteger.One, new BigInteger(decimal.Ceiling(bound * FixedPointUnit)));
        return measure.Function switch
        {
            MeasureFunction.Count => [("count", BigInteger.One, 1.0)],
            MeasureFunction.Sum => [("sum", sum, (double)FixedPointUnit)],
            MeasureFunction.Avg => [("sum", sum, (double)FixedPointUnit), ("count", BigInteger.One, 1.0)],
            MeasureFunction.Histogram => [("histogram", BigInteger.One, 1.0)],
            _ => [],
        };
    }

    private static Value RenderScalar(PlannedMeasure measure, RawCell cell, int m, Dictionary<(int, string), DiscreteLaplace>? noise, IRandomSource random)
    {
        switch (measure.Function)
        {
            case MeasureFunction.Count:
                return new Value { IntValue = noise is null ? cell.Count : NoisyCount(cell.Count, noise[(m, "count")], random) };
            case MeasureFunction.Sum:
                return Literals.DecimalValue(noise is null ? cell.Sum : NoisySum(cell.Sum, noise[(m, "sum")], random));
            case MeasureFunction.Avg when noise is not null:
                var sum = NoisySum(cell.Sum, noise[(m, "sum")], random);
                var count = NoisyCount(cell.Count, noise[(m, "count")], random);
                var average = Math.Clamp(sum / Math.Max(1, count), measure.LowerBound, measure.UpperBound);
                return new Value { DoubleValue = (double)average };
            case MeasureFunction.Avg:
                return cell.Count == 0 ? new Value() : new Value { DoubleValue = (double)(cell.Sum / cell.Count) };
            default:
                return cell.Extreme ?? new Value();
        }
    }

    private static Histogram RenderHistogram(
        PlannedMeasure measure,
        RawCell cell,
        SuppressionRule[] binRules,
        DiscreteLaplace? noise,
        IRandomSource random,
        int row,
        int measureIndex,
        AggregateResult result)
    {
        var histogram = new Histogram();
        histogram.Edges.AddRange(measure.EdgeValues);
        for (var b = 0; b < cell.Bins.Length; b++)
        {
            var bin = new HistogramBin();
            if (binRules[b] != SuppressionRule.Unspecified)
            {
                bin.Suppressed = true;
                bin.SuppressedBy = binRules[b];
                result.Suppressed.Add(new SuppressedCell { Row = row, Measure = measureIndex, Bin = b, Rule = binRules[b] });
            }
            else
            {
                bin.Count = noise is null ? cell.Bins[b] : NoisyCount(cell.Bins[b], noise, random);
            }

            histogram.Bins.Add(bin);
        }

        return histogram;
    }

    private static long NoisyCount(long count, DiscreteLaplace noise, IRandomSource random) =>
        (long)BigInteger.Max(BigInteger.Zero, noise.Release(count, random));

    /// <summary>The clamped sum in fixed point (an exact integer of 10⁻⁴ units) plus integer noise, back in value units.</summary>
    private static decimal NoisySum(decimal sum, DiscreteLaplace noise, IRandomSource random) =>
        (decimal)noise.Release(new BigInteger(decimal.Round(sum * FixedPointUnit)), random) / FixedPointUnit;
}
