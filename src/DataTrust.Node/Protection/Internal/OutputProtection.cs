using DataTrust.Core.Privacy;
using DataTrust.Node.Query.Internal;
using DataTrust.Protos.V1;

namespace DataTrust.Node.Protection.Internal;

/// <summary>
/// Statistical disclosure control of an aggregate: primary suppression (minimum group size k, dominance (n, p%)),
/// complementary suppression, then Laplace noise when ε &gt; 0. Produces the only form in which a result leaves the node.
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
/// (the remainder is not spent). Sensitivities (add/remove one row): count 1, sum max(|lower|, |upper|), histogram 1.
/// Laplace scale = sensitivity / share. Groups are disjoint, so every group uses the same shares (parallel
/// composition). Noisy counts are rounded and floored at 0; AVG = noisy sum / max(1, noisy count), clamped to the
/// bounds. Which groups exist is not protected by noise, only by k.</para>
/// </remarks>
internal static class OutputProtection
{
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
        var shareMicros = noisy ? plan.Epsilon.Micros / NoiseComponents(plan.Measures) : 0;
        var share = shareMicros / 1_000_000.0;
        if (noisy)
        {
            result.Noise.Mechanism = NoiseMechanism.Laplace;
            result.Noise.EpsilonMicros = (ulong)plan.Epsilon.Micros;
            for (var m = 0; m < plan.Measures.Count; m++)
            {
                foreach (var (component, sensitivity) in Components(plan.Measures[m]))
                {
                    result.Noise.Measures.Add(new MeasureNoise
                    {
                        Measure = m,
                        Component = component,
                        EpsilonMicros = (ulong)shareMicros,
                        Sensitivity = sensitivity,
                        Scale = sensitivity / share,
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
                    cell.Histogram = RenderHistogram(measure, rows[r].Cells[m], binRules[r, m], noisy, share, random, r, m, result);
                }
                else
                {
                    cell.Value = RenderScalar(measure, rows[r].Cells[m], noisy, share, random);
                }

                row.Cells.Add(cell);
            }

            result.Rows.Add(row);
        }

        return result;
    }

    private static IEnumerable<(string Component, double Sensitivity)> Components(PlannedMeasure measure)
    {
        var sumSensitivity = (double)Math.Max(Math.Abs(measure.LowerBound), Math.Abs(measure.UpperBound));
        return measure.Function switch
        {
            MeasureFunction.Count => [("count", 1.0)],
            MeasureFunction.Sum => [("sum", sumSensitivity)],
            MeasureFunction.Avg => [("sum", sumSensitivity), ("count", 1.0)],
            MeasureFunction.Histogram => [("histogram", 1.0)],
            _ => [],
        };
    }

    private static Value RenderScalar(PlannedMeasure measure, RawCell cell, bool noisy, double share, IRandomSource random)
    {
        var sumSensitivity = (double)Math.Max(Math.Abs(measure.LowerBound), Math.Abs(measure.UpperBound));
        switch (measure.Function)
        {
            case MeasureFunction.Count:
                return new Value { IntValue = noisy ? NoisyCount(cell.Count, share, random) : cell.Count };
            case MeasureFunction.Sum:
                return noisy
                    ? new Value { DoubleValue = (double)cell.Sum + Noise(sumSensitivity, share, random) }
                    : Literals.DecimalValue(cell.Sum);
            case MeasureFunction.Avg when noisy:
                var noisySum = (double)cell.Sum + Noise(sumSensitivity, share, random);
                var noisyCount = cell.Count + Noise(1.0, share, random);
                var average = Math.Clamp(noisySum / Math.Max(1.0, noisyCount), (double)measure.LowerBound, (double)measure.UpperBound);
                return new Value { DoubleValue = average };
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
        bool noisy,
        double share,
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
                bin.Count = noisy ? NoisyCount(cell.Bins[b], share, random) : cell.Bins[b];
            }

            histogram.Bins.Add(bin);
        }

        return histogram;
    }

    private static long NoisyCount(long count, double share, IRandomSource random) =>
        Math.Max(0, (long)Math.Round(count + Noise(1.0, share, random)));

    private static double Noise(double sensitivity, double share, IRandomSource random) =>
        sensitivity == 0 ? 0 : Laplace.Sample(random, sensitivity / share);
}
