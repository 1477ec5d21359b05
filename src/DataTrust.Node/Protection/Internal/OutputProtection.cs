using System.Numerics;
using DataTrust.Core.Catalog;
using DataTrust.Core.Privacy;
using DataTrust.Node.Query.Internal;
using DataTrust.Protos.V1;

namespace DataTrust.Node.Protection.Internal;

/// <summary>
/// Output protection of an aggregate, by the dataset's protection grade. Produces the only form in which a result
/// leaves the node.
/// </summary>
/// <remarks>
/// <para><b>OPEN.</b> Exact values, no suppression: the data is public.</para>
/// <para><b>Any job that spends ε (SENSITIVE always).</b> Every released figure is a noisy integer or fixed-point value
/// from the exact discrete Laplace mechanism (<see cref="DiscreteLaplace"/>); no cell is suppressed, because a suppression
/// decision made on true counts would itself leak. Groups are the public domains' values, never the values found in the
/// data. ε is split evenly over noise <i>components</i>: COUNT 1, SUM 1, AVG 2 (its sum and its count), HISTOGRAM 1 (a row
/// falls in one bin). Each component gets ⌊ε_micros / components⌋ micro-units. Sensitivities (add or remove one row):
/// count 1, sum max(|lower|, |upper|) in units of 10⁻⁴ (the stored scale), histogram 1; contributions are clamped to the
/// public bounds in SQL. Groups are disjoint, so every group uses the same shares (parallel composition). Noisy counts
/// are floored at 0 and AVG = noisy sum / max(1, noisy count) clamped to the bounds: post-processing, no extra cost.</para>
/// <para><b>RESTRICTED, exact.</b> Primary suppression (a group of fewer than k rows; a SUM or AVG cell whose n largest
/// contributions exceed p% of its absolute total; a histogram bin of 1..k−1 rows), complementary suppression within the
/// result (every one-dimensional line has zero or at least two withheld cells; the complement chosen to withhold the
/// fewest rows, then cells, <see cref="LineComplement"/>), then the node's cross-query audit, which withholds any further
/// cell that would, with everything released on the dataset before, determine a small or dominated atom. Every withheld cell is marked WITHHELD, whatever the reason, and empty groups of the public domain look the same
/// as small ones.</para>
/// </remarks>
internal static class OutputProtection
{
    /// <summary>Scale of fixed-point sums under noise: the stored DECIMAL scale, so the clamped sum is an exact integer.</summary>
    private const int FixedPointDigits = ColumnTypes.DecimalScale;

    public static int NoiseComponents(IEnumerable<PlannedMeasure> measures) => measures.Sum(m => m.Function switch
    {
        MeasureFunction.Avg => 2,
        MeasureFunction.Min or MeasureFunction.Max => 0,
        _ => 1,
    });

    /// <summary>
    /// Protects <paramref name="found"/> (the groups the SQL returned). <paramref name="audit"/>, for RESTRICTED exact
    /// answers, may withhold further cells: it sees the groups and the rules decided so far and marks more.
    /// </summary>
    /// <param name="plan">The validated query.</param>
    /// <param name="found">The groups the SQL returned.</param>
    /// <param name="random">Noise randomness.</param>
    /// <param name="audit">A hook that may withhold further cells (RESTRICTED exact answers); ignored when <paramref name="run"/> is given.</param>
    /// <param name="run">
    /// The cross-query audit run: it decides as <paramref name="audit"/> would, and, when it can rewind, the result is
    /// decided twice (least-loss line complements, then the older greedy ones, each through the audit) and the choice that
    /// withholds fewer rows, then fewer cells, is kept (<see cref="WithheldCost"/>).
    /// </param>
    /// <param name="leastLoss">False for the older greedy line complements alone (the baseline).</param>
    public static AggregateResult Protect(QueryPlan plan, IReadOnlyList<RawRow> found, IRandomSource random, CellAudit? audit = null, AuditRun? run = null, bool leastLoss = true)
    {
        var rows = Groups(plan, found);
        if (!plan.Epsilon.IsZero)
        {
            return Render(plan, rows, null, null, random);
        }

        if (plan.Policy.Grade == ProtectionGrade.Open)
        {
            return Render(plan, rows, new SuppressionRule[rows.Count, plan.Measures.Count], Bins(plan, rows), random);
        }

        var (rules, binRules) = Suppress(plan, rows, leastLoss);
        if (run is null || !leastLoss || !run.CanRewind)
        {
            (run is null ? audit : run.Decide)?.Invoke(rows, rules, binRules);
            return Render(plan, rows, rules, binRules, random);
        }

        var before = run.Save();
        run.Decide(rows, rules, binRules);
        var (greedyRules, greedyBins) = Suppress(plan, rows, leastLoss: false);
        if (!Same(rules, greedyRules))
        {
            var cost = WithheldCost(plan, rows, rules, binRules);
            var after = run.Save();
            run.Restore(before);
            run.Decide(rows, greedyRules, greedyBins);
            if (cost.CompareTo(WithheldCost(plan, rows, greedyRules, greedyBins)) < 0)
            {
                run.Restore(after);
            }
            else
            {
                (rules, binRules) = (greedyRules, greedyBins);
            }
        }

        return Render(plan, rows, rules, binRules, random);
    }

    /// <summary>
    /// What a choice withholds: the rows of every withheld figure (a group's rows for a scalar cell or a histogram withheld
    /// whole, a bin's rows for a bin), summed over the measures, then the number of withheld figures. The objective the
    /// least-loss choice minimises, in that order.
    /// </summary>
    internal static (long Rows, long Cells) WithheldCost(QueryPlan plan, IReadOnlyList<RawRow> rows, SuppressionRule[,] rules, SuppressionRule[,][] binRules)
    {
        long withheldRows = 0;
        long cells = 0;
        for (var r = 0; r < rows.Count; r++)
        {
            for (var m = 0; m < plan.Measures.Count; m++)
            {
                if (rules[r, m] != SuppressionRule.Unspecified)
                {
                    withheldRows += rows[r].Count;
                    cells++;
                    continue;
                }

                var bins = binRules[r, m];
                for (var b = 0; b < (bins?.Length ?? 0); b++)
                {
                    if (bins![b] != SuppressionRule.Unspecified)
                    {
                        withheldRows += rows[r].Cells[m].Bins[b];
                        cells++;
                    }
                }
            }
        }

        return (withheldRows, cells);
    }

    private static bool Same(SuppressionRule[,] a, SuppressionRule[,] b)
    {
        for (var r = 0; r < a.GetLength(0); r++)
        {
            for (var m = 0; m < a.GetLength(1); m++)
            {
                if (a[r, m] != b[r, m])
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// The groups of the result: for RESTRICTED and SENSITIVE datasets every combination of the group-by columns' public
    /// domains, in domain order, with the rows found for it (an empty group where none were); for OPEN ones, the groups found.
    /// Rows whose key lies outside a domain are in no group.
    /// </summary>
    internal static IReadOnlyList<RawRow> Groups(QueryPlan plan, IReadOnlyList<RawRow> found)
    {
        if (plan.GroupBy.Count == 0)
        {
            return found.Count > 0 ? found : [Empty(plan, [])];
        }

        if (plan.Policy.Grade == ProtectionGrade.Open)
        {
            return found;
        }

        var domains = plan.GroupBy.Select((c, d) => Admitted(plan, d, found)).ToArray();
        var byKey = new Dictionary<string, RawRow>(StringComparer.Ordinal);
        foreach (var row in found)
        {
            byKey.TryAdd(KeyOf(row.Keys), row);
        }

        var rows = new List<RawRow>();
        var index = new int[domains.Length];
        if (domains.Any(d => d.Count == 0))
        {
            return rows;
        }

        while (true)
        {
            var key = index.Select((i, d) => domains[d][i]).ToArray();
            rows.Add(byKey.TryGetValue(KeyText(key!), out var row)
                ? row
                : Empty(plan, [.. key.Select((text, d) => plan.BucketOf(d) is null ? Literals.FromCanonical(text, plan.GroupBy[d].Type) : new Value { StringValue = text })]));
            var d = domains.Length - 1;
            while (d >= 0 && ++index[d] == domains[d].Count)
            {
                index[d] = 0;
                d--;
            }

            if (d < 0)
            {
                return rows;
            }
        }
    }

    /// <summary>
    /// The domain values of group-by column <paramref name="d"/> that the query's own filters on that column admit: a
    /// value the filters exclude can hold no row, so leaving it out depends on the query and the public domain only. A
    /// value is kept whenever the rows found hold it, so a comparison this code cannot make exactly never drops data.
    /// </summary>
    private static IReadOnlyList<string> Admitted(QueryPlan plan, int d, IReadOnlyList<RawRow> found)
    {
        if (plan.BucketOf(d) is { } bucket)
        {
            return AdmittedBuckets(plan, d, bucket, found);
        }

        var column = plan.GroupBy[d];
        var domain = plan.Policy.For(column.Name).Domain ?? [];
        var filters = plan.Filters.Where(f => f.Column.Name == column.Name).ToList();
        if (filters.Count == 0)
        {
            return domain;
        }

        var present = found.Select(r => Literals.Canonical(r.Keys[d])).ToHashSet(StringComparer.Ordinal);
        return [.. domain.Where(text => present.Contains(text) || filters.All(f => Admits(f, text, column.Type) != false))];
    }

    /// <summary>
    /// The public buckets of group key <paramref name="d"/> that the query's filters on the same column admit: a bucket
    /// [start, end) is left out only when no value in it could pass a filter, which depends on the query and the policy's
    /// range alone. A bucket the rows found hold is always kept.
    /// </summary>
    private static IReadOnlyList<string> AdmittedBuckets(QueryPlan plan, int d, PlannedBucket bucket, IReadOnlyList<RawRow> found)
    {
        var domain = bucket.Domain ?? [];
        var filters = plan.Filters.Where(f => f.Column.Name == bucket.Column.Name).ToList();
        if (filters.Count == 0)
        {
            return [.. domain.Select(c => c.Label)];
        }

        var present = found.Select(r => Literals.Canonical(r.Keys[d])).ToHashSet(StringComparer.Ordinal);
        return [.. domain.Where(c => present.Contains(c.Label) || filters.All(f => Overlaps(f, c))).Select(c => c.Label)];
    }

    /// <summary>
    /// Whether some value in the bucket could pass the filter, treating values as continuous (so a bucket is kept when in
    /// doubt). A bucketed filter's literal v stands for its bucket [v, end(v)).
    /// </summary>
    private static bool Overlaps(PlannedFilter filter, BucketCell cell)
    {
        var b = filter.Bucket;
        decimal V(int i) => PlannedBucket.Comparable(filter.Values[i]);
        decimal E(int i) => b!.EndOf(filter.Values[i]);

        // Each interval is (low, low inclusive, high, high inclusive); null ends are unbounded.
        var intervals = new List<(decimal? Low, bool LowIn, decimal? High, bool HighIn)>();
        switch (filter.Operator)
        {
            case FilterOperator.Eq:
                intervals.Add(b is null ? (V(0), true, V(0), true) : (V(0), true, E(0), false));
                break;
            case FilterOperator.Ne:
                intervals.Add((null, false, V(0), false));
                intervals.Add(b is null ? (V(0), false, null, false) : (E(0), true, null, false));
                break;
            case FilterOperator.Lt:
                intervals.Add((null, false, V(0), false));
                break;
            case FilterOperator.Le:
                intervals.Add(b is null ? (null, false, V(0), true) : (null, false, E(0), false));
                break;
            case FilterOperator.Gt:
                intervals.Add(b is null ? (V(0), false, null, false) : (E(0), true, null, false));
                break;
            case FilterOperator.Ge:
                intervals.Add((V(0), true, null, false));
                break;
            case FilterOperator.In:
                for (var i = 0; i < filter.Values.Count; i++)
                {
                    intervals.Add(b is null ? (V(i), true, V(i), true) : (V(i), true, E(i), false));
                }

                break;
            case FilterOperator.Between:
                intervals.Add(b is null ? (V(0), true, V(1), true) : (V(0), true, E(1), false));
                break;
            default:
                return true;
        }

        foreach (var (low, lowIn, high, highIn) in intervals)
        {
            // [cell.Start, cell.End) ∩ the interval is non-empty.
            var (l, lIn) = low is { } lo && lo > cell.Start ? (lo, lowIn) : (cell.Start, true);
            var (h, hIn) = high is { } hi && hi < cell.End ? (hi, highIn) : (cell.End, false);
            if (l < h || (l == h && lIn && hIn))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a filter admits a domain value: true, false, or null when it cannot tell exactly.</summary>
    private static bool? Admits(PlannedFilter filter, string text, Core.Catalog.ColumnType type)
    {
        if (filter.Bucket is not null)
        {
            return null; // a bucketed filter stands for ranges; keep the value
        }

        int? Compare(object literal) => (type, literal) switch
        {
            (Core.Catalog.ColumnType.Text, string s) => string.CompareOrdinal(text, s),
            (Core.Catalog.ColumnType.Int, long l) when long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var v) => v.CompareTo(l),
            _ => null,
        };

        var c = filter.Values.Select(Compare).ToList();
        if (c.Any(x => x is null))
        {
            return null;
        }

        return filter.Operator switch
        {
            FilterOperator.Eq => c[0] == 0,
            FilterOperator.Ne => c[0] != 0,
            FilterOperator.Lt => c[0] < 0,
            FilterOperator.Le => c[0] <= 0,
            FilterOperator.Gt => c[0] > 0,
            FilterOperator.Ge => c[0] >= 0,
            FilterOperator.In => c.Any(x => x == 0),
            FilterOperator.Between when c.Count == 2 => c[0] >= 0 && c[1] <= 0,
            _ => null,
        };
    }

    /// <summary>One string for a group's key values (canonical text), to match groups across queries and pieces.</summary>
    internal static string KeyOf(IEnumerable<Value> keys) => KeyText(keys.Select(Literals.Canonical));

    private static string KeyText(IEnumerable<string?> parts) => string.Join('\u001f', parts.Select(p => p ?? "\u0000"));

    private static RawRow Empty(QueryPlan plan, Value[] keys) => new()
    {
        Keys = keys,
        Count = 0,
        Cells = [.. plan.Measures.Select(m => new RawCell { Bins = m.Function == MeasureFunction.Histogram ? new long[m.Edges.Count - 1] : [] })],
    };

    private static SuppressionRule[,][] Bins(QueryPlan plan, IReadOnlyList<RawRow> rows)
    {
        var bins = new SuppressionRule[rows.Count, plan.Measures.Count][];
        for (var r = 0; r < rows.Count; r++)
        {
            for (var m = 0; m < plan.Measures.Count; m++)
            {
                bins[r, m] = new SuppressionRule[rows[r].Cells[m].Bins.Length];
            }
        }

        return bins;
    }

    private static (SuppressionRule[,] Rules, SuppressionRule[,][] BinRules) Suppress(QueryPlan plan, IReadOnlyList<RawRow> rows, bool leastLoss)
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
                if (rows[r].Count < k || rows[r].Count == 0)
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
                        if (cell.Bins[b] < k)
                        {
                            bins[b] = SuppressionRule.MinGroupSize;
                        }
                    }

                    ComplementWithin(bins, cell.Bins);
                    binRules[r, m] = bins;
                }
            }
        }

        // Complementary suppression, per measure, over every one-dimensional line: the least-loss choice, or the older
        // greedy one when that withholds no more.
        var lines = Lines(rows, plan.GroupBy.Count);
        for (var m = 0; m < measureCount; m++)
        {
            var primary = new bool[rows.Count];
            for (var r = 0; r < rows.Count; r++)
            {
                primary[r] = rules[r, m] != SuppressionRule.Unspecified;
            }

            foreach (var r in leastLoss ? LineComplement(rows, lines, primary, plan.GroupBy.Count) : GreedyLineComplement(rows, lines, primary))
            {
                rules[r, m] = SuppressionRule.Complementary;
            }
        }

        return (rules, binRules);
    }

    /// <summary>Cells of one measure up to which the least-loss line complement is searched; beyond it the greedy rule alone decides.</summary>
    internal const int LineSearchLimit = 300;

    /// <summary>
    /// The complementary cells of one measure so that every line (one-dimensional, of more than one cell) holds zero or at
    /// least two withheld cells, chosen to withhold the fewest rows, then the fewest cells. The candidates: the older
    /// greedy rule (<see cref="GreedyLineComplement"/>); for two group-by columns, the cheapest rectangles
    /// (<see cref="RectangleComplement"/>); and, up to <see cref="LineSearchLimit"/> cells, <see cref="ComplementSearch"/>
    /// (exact for small tables). The cheapest wins; on a tie the older rule's choice is kept.
    /// </summary>
    internal static IReadOnlyList<int> LineComplement(IReadOnlyList<RawRow> rows, List<List<int>> lines, bool[] primary, int dimensions)
    {
        var greedy = GreedyLineComplement(rows, lines, primary);
        if (greedy.Count == 0)
        {
            return greedy;
        }

        (long, int) Cost(IReadOnlyList<int> cells) => (cells.Sum(r => rows[r].Count), cells.Count);
        IReadOnlyList<int> best = greedy;
        if (dimensions == 2 && RectangleComplement(rows, lines, primary) is { } rectangles && Cost(rectangles).CompareTo(Cost(best)) < 0)
        {
            best = rectangles;
        }

        var candidates = Enumerable.Range(0, rows.Count).Where(r => !primary[r]).ToArray();
        if (candidates.Length > LineSearchLimit)
        {
            return best;
        }

        var index = new int[rows.Count];
        Array.Fill(index, -1);
        for (var i = 0; i < candidates.Length; i++)
        {
            index[candidates[i]] = i;
        }

        var linesOf = LinesOf(rows.Count, lines);
        int Withheld(bool[] flags, List<int> line) => line.Count(r => primary[r] || flags[index[r]]);
        bool Sufficient(bool[] flags) => lines.All(line => line.Count < 2 || Withheld(flags, line) != 1);
        int Gain(bool[] flags, int i)
        {
            var gain = 0;
            foreach (var l in linesOf[candidates[i]])
            {
                // A line it repairs counts; a line it opens is left to the next steps and the pruning pass.
                gain += lines[l].Count >= 2 && Withheld(flags, lines[l]) == 1 ? 1 : 0;
            }

            return gain;
        }

        var least = ComplementSearch.Cheapest([.. candidates.Select(r => rows[r].Count)], Sufficient, Gain);
        if (least is not null)
        {
            var chosen = Enumerable.Range(0, candidates.Length).Where(i => least[i]).Select(i => candidates[i]).ToList();
            if (Cost(chosen).CompareTo(Cost(best)) < 0)
            {
                best = chosen;
            }
        }

        return best;
    }

    private static List<int>[] LinesOf(int cells, List<List<int>> lines)
    {
        var linesOf = new List<int>[cells];
        for (var r = 0; r < cells; r++)
        {
            linesOf[r] = [];
        }

        for (var l = 0; l < lines.Count; l++)
        {
            foreach (var r in lines[l])
            {
                linesOf[r].Add(l);
            }
        }

        return linesOf;
    }

    /// <summary>
    /// For a two-way table: while some line holds exactly one withheld cell p = (i, j), withhold the cheapest rectangle
    /// through it — (i, j′), (i′, j), (i′, j′), counting cells already withheld as free — which repairs both lines through p
    /// and opens none; then drop, costliest first, every chosen cell the lines do not need. Null when some line cannot be
    /// repaired this way (the caller then keeps another choice). Time: O(cells) per rectangle.
    /// </summary>
    internal static List<int>? RectangleComplement(IReadOnlyList<RawRow> rows, List<List<int>> lines, bool[] primary)
    {
        // Coordinates: a cell's line of each direction (Lines lists the lines with dimension 0 free first).
        var linesOf = LinesOf(rows.Count, lines);
        if (linesOf.Any(l => l.Count != 2))
        {
            return null;
        }

        var at = new Dictionary<(int, int), int>();
        for (var r = 0; r < rows.Count; r++)
        {
            at[(linesOf[r][0], linesOf[r][1])] = r;
        }

        var withheld = (bool[])primary.Clone();
        var chosen = new List<int>();
        int Count(List<int> line) => line.Count(r => withheld[r]);
        while (lines.FirstOrDefault(line => line.Count > 1 && Count(line) == 1) is { } open)
        {
            var p = open.First(r => withheld[r]);
            var (column, row) = (linesOf[p][0], linesOf[p][1]);
            (long Cost, int Cells, int[] Cells3)? best = null;
            foreach (var a in lines[row])
            {
                // a = (i, j′): same row line as p, another column line.
                if (a == p)
                {
                    continue;
                }

                foreach (var b in lines[column])
                {
                    // b = (i′, j): same column line as p, another row line; the fourth corner is (i′, j′).
                    if (b == p || !at.TryGetValue((linesOf[a][0], linesOf[b][1]), out var corner))
                    {
                        continue;
                    }

                    int[] three = [a, b, corner];
                    var cost = three.Where(c => !withheld[c]).Sum(c => rows[c].Count);
                    var cells = three.Count(c => !withheld[c]);
                    if (best is null || (cost, cells).CompareTo((best.Value.Cost, best.Value.Cells)) < 0)
                    {
                        best = (cost, cells, three);
                    }
                }
            }

            if (best is null)
            {
                return null;
            }

            foreach (var c in best.Value.Cells3.Where(c => !withheld[c]))
            {
                withheld[c] = true;
                chosen.Add(c);
            }
        }

        bool Sufficient() => lines.All(line => line.Count < 2 || Count(line) != 1);
        foreach (var c in chosen.OrderByDescending(c => rows[c].Count).ThenByDescending(c => c).ToList())
        {
            withheld[c] = false;
            if (Sufficient())
            {
                chosen.Remove(c);
            }
            else
            {
                withheld[c] = true;
            }
        }

        return chosen;
    }

    /// <summary>
    /// The older rule, kept as the baseline and fallback: while some line holds exactly one withheld cell, withhold that
    /// line's smallest other cell (ties: the first).
    /// </summary>
    internal static List<int> GreedyLineComplement(IReadOnlyList<RawRow> rows, List<List<int>> lines, bool[] primary)
    {
        var withheld = (bool[])primary.Clone();
        var picked = new List<int>();
        var changed = true;
        while (changed)
        {
            changed = false;
            foreach (var line in lines)
            {
                if (line.Count(r => withheld[r]) != 1)
                {
                    continue;
                }

                var candidates = line.Where(r => !withheld[r]).ToList();
                if (candidates.Count == 0)
                {
                    continue;
                }

                var pick = candidates.OrderBy(r => rows[r].Count).ThenBy(r => r).First();
                withheld[pick] = true;
                picked.Add(pick);
                changed = true;
            }
        }

        return picked;
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

    internal static List<List<int>> Lines(IReadOnlyList<RawRow> rows, int dimensions)
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
        SuppressionRule[,]? rules,
        SuppressionRule[,][]? binRules,
        IRandomSource random)
    {
        var result = new AggregateResult
        {
            DatasetId = plan.Dataset.Id,
            MinGroupSize = (uint)plan.Policy.MinGroupSize,
            SnapshotCommitment = Google.Protobuf.ByteString.CopyFrom(plan.Dataset.SnapshotCommitment.Bytes),
            Noise = new NoiseInfo { Mechanism = NoiseMechanism.None, Grade = (uint)plan.Policy.Grade },
        };
        for (var i = 0; i < plan.GroupBy.Count; i++)
        {
            result.Columns.Add(new ResultColumn { Name = plan.KeyName(i), Role = ResultColumnRole.GroupKey, SourceColumn = plan.GroupBy[i].Name });
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
                    // The same constructor both samples and reports: the calibration shown is the one used.
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
                var withheld = rules is not null && rules[r, m] != SuppressionRule.Unspecified;
                var cell = new Cell();
                if (withheld)
                {
                    // One mark for every reason: the reason itself would say something about the data.
                    cell.Suppressed = true;
                    cell.SuppressedBy = SuppressionRule.Withheld;
                    result.Suppressed.Add(new SuppressedCell { Row = r, Measure = m, Bin = -1, Rule = SuppressionRule.Withheld });
                }
                else if (measure.Function == MeasureFunction.Histogram)
                {
                    cell.Histogram = RenderHistogram(measure, rows[r].Cells[m], binRules?[r, m], noisy ? mechanisms[(m, "histogram")] : null, random, r, m, result);
                }
                else
                {
                    cell.Value = noisy ? RenderNoisy(measure, rows[r].Cells[m], m, mechanisms, random) : RenderExact(measure, rows[r].Cells[m]);
                }

                row.Cells.Add(cell);
            }

            result.Rows.Add(row);
        }

        result.Loss = Loss(plan, rows, rules, binRules);
        return result;
    }

    /// <summary>
    /// The information loss of a result: its figures, those withheld (primary: small, empty or dominated; complementary:
    /// the rest) and, for exact answers, the rows the released figures cover. Noisy answers report no rows: a sum of true
    /// counts would void the noise.
    /// </summary>
    internal static ResultLoss Loss(QueryPlan plan, IReadOnlyList<RawRow> rows, SuppressionRule[,]? rules, SuppressionRule[,][]? binRules)
    {
        var loss = new ResultLoss { DatasetRows = (ulong)Math.Max(0, plan.Dataset.RowCount), RowsReported = plan.Epsilon.IsZero };
        static bool Primary(SuppressionRule rule) => rule is SuppressionRule.MinGroupSize or SuppressionRule.Dominance;
        for (var m = 0; m < plan.Measures.Count; m++)
        {
            var measure = new MeasureLoss { Measure = (uint)m };
            long released = 0;
            void Count(SuppressionRule rule, long covered)
            {
                measure.Cells++;
                if (rule == SuppressionRule.Unspecified)
                {
                    released += covered;
                    return;
                }

                measure.WithheldCells++;
                if (Primary(rule))
                {
                    measure.PrimaryCells++;
                }
                else
                {
                    measure.ComplementaryCells++;
                }
            }

            for (var r = 0; r < rows.Count; r++)
            {
                var rule = rules?[r, m] ?? SuppressionRule.Unspecified;
                var bins = rows[r].Cells[m].Bins;
                if (plan.Measures[m].Function != MeasureFunction.Histogram || rule != SuppressionRule.Unspecified)
                {
                    Count(rule, rows[r].Count);
                    continue;
                }

                for (var b = 0; b < bins.Length; b++)
                {
                    Count(binRules?[r, m]?[b] ?? SuppressionRule.Unspecified, bins[b]);
                }
            }

            if (loss.RowsReported)
            {
                measure.ReleasedRows = (ulong)released;
                measure.UnreleasedRows = loss.DatasetRows - Math.Min(loss.DatasetRows, (ulong)released);
            }

            loss.Cells += measure.Cells;
            loss.WithheldCells += measure.WithheldCells;
            loss.PrimaryCells += measure.PrimaryCells;
            loss.ComplementaryCells += measure.ComplementaryCells;
            loss.Measures.Add(measure);
        }

        return loss;
    }

    /// <summary>Each noise component of a measure: its name, its L1 sensitivity in integer units, and the units per value unit.</summary>
    private static IEnumerable<(string Component, BigInteger Sensitivity, double Unit)> Components(PlannedMeasure measure)
    {
        var unit = Pow10(FixedPointDigits);
        var bound = Math.Max(Math.Abs(measure.LowerBound), Math.Abs(measure.UpperBound));
        var sum = BigInteger.Max(BigInteger.One, new BigInteger(decimal.Ceiling(bound * (decimal)unit)));
        return measure.Function switch
        {
            MeasureFunction.Count => [("count", BigInteger.One, 1.0)],
            MeasureFunction.Sum => [("sum", sum, (double)unit)],
            MeasureFunction.Avg => [("sum", sum, (double)unit), ("count", BigInteger.One, 1.0)],
            MeasureFunction.Histogram => [("histogram", BigInteger.One, 1.0)],
            _ => [],
        };
    }

    private static Value RenderExact(PlannedMeasure measure, RawCell cell) => measure.Function switch
    {
        MeasureFunction.Count => new Value { IntValue = cell.Count },
        MeasureFunction.Sum => Literals.DecimalValue(cell.Sum),
        MeasureFunction.Avg => cell.Count == 0 ? new Value() : new Value { DoubleValue = (double)(cell.Sum / cell.Count) },
        _ => cell.Extreme ?? new Value(),
    };

    private static Value RenderNoisy(PlannedMeasure measure, RawCell cell, int m, Dictionary<(int, string), DiscreteLaplace> mechanisms, IRandomSource random)
    {
        switch (measure.Function)
        {
            case MeasureFunction.Count:
                return new Value { IntValue = NoisyCount(cell.Count, mechanisms[(m, "count")], random) };
            case MeasureFunction.Sum:
                return Literals.DecimalValue(NoisySum(cell.Sum, mechanisms[(m, "sum")], random));
            case MeasureFunction.Avg:
                var sum = NoisySum(cell.Sum, mechanisms[(m, "sum")], random);
                var count = NoisyCount(cell.Count, mechanisms[(m, "count")], random);
                var average = Math.Clamp(sum / Math.Max(1, count), measure.LowerBound, measure.UpperBound);
                return new Value { DoubleValue = (double)average };
            default:
                throw new InvalidOperationException("MIN and MAX are refused when epsilon > 0.");
        }
    }

    private static Histogram RenderHistogram(
        PlannedMeasure measure,
        RawCell cell,
        SuppressionRule[]? binRules,
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
            if (binRules is not null && binRules[b] != SuppressionRule.Unspecified)
            {
                bin.Suppressed = true;
                bin.SuppressedBy = SuppressionRule.Withheld;
                result.Suppressed.Add(new SuppressedCell { Row = row, Measure = measureIndex, Bin = b, Rule = SuppressionRule.Withheld });
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
    private static decimal NoisySum(decimal sum, DiscreteLaplace noise, IRandomSource random)
    {
        var unit = Pow10(FixedPointDigits);
        var scaled = new BigInteger(decimal.Round(sum * unit));
        var released = noise.Release(scaled, random);
        return (decimal)released / unit;
    }

    private static decimal Pow10(int digits)
    {
        var value = 1m;
        for (var i = 0; i < digits; i++)
        {
            value *= 10;
        }

        return value;
    }
}

/// <summary>The cross-query audit's hook: sees the result's groups and the cells withheld so far, and withholds more.</summary>
internal delegate void CellAudit(IReadOnlyList<RawRow> rows, SuppressionRule[,] rules, SuppressionRule[,][] binRules);
