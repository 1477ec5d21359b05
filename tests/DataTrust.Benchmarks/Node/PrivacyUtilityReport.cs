using System.Diagnostics;
using System.Globalization;
using DataTrust.Core.Catalog;
using DataTrust.Core.Privacy;
using DataTrust.Node.Protection.Internal;
using DataTrust.Node.Query;
using DataTrust.Node.Query.Internal;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;

namespace DataTrust.Benchmarks.Node;

/// <summary>
/// The utility report of the cross-query audit: replays <see cref="OutputPrivacyWorkload.Sequence"/> through the node's
/// executor (the real path: validation, SQL, suppression, Audit Expert, commit) and, beside it, simulates on the same
/// data the per-result rules alone and the stricter fallback rule, printing atoms, the span's size, time per query and
/// the share of figures withheld.
/// </summary>
/// <remarks>
/// <para>Run with <c>dotnet run -c Release --project tests/DataTrust.Benchmarks -- privacy-utility [--rows N] [--queries N]
/// [--folder DIR] [--no-node]</c>. The folder keeps the node database, so a finished run leaves exactly the state that
/// <see cref="OutputPrivacyBenchmarks"/> starts from (it copies it).</para>
/// <para>The simulations work on micro-cells: rows with the same month, district, industry and headcount class (a grid
/// value g = 10j itself, or the open interval between two grid values, or above 500). Every cell of the sequence is a
/// union of micro-cells (its filters and bin edges are grid values up to 500), so the in-memory group sums are exactly
/// the node's — the report checks every released node figure against them.</para>
/// <para>The fallback rule keeps its own partition into atoms (rows in the same released cells so far, under its own
/// release history) and releases a cell only if every atom the cell cuts leaves two pieces of at least k rows, each
/// passing the dominance rule. Every atom then stays safe, so whatever the released cells determine is safe: it is sound
/// without any span.</para>
/// </remarks>
internal static class PrivacyUtilityReport
{
    public static int Run(string[] args)
    {
        var rows = 10_000_000;
        var queries = 1_000;
        var folder = DefaultFolder(rows);
        var node = true;
        var check = false;
        var rule = AuditRule.NoSmallAtoms;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rows":
                    rows = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    folder = DefaultFolder(rows);
                    break;
                case "--queries":
                    queries = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--folder":
                    folder = args[++i];
                    break;
                case "--no-node":
                    node = false;
                    break;
                case "--rule":
                    rule = Enum.Parse<AuditRule>(args[++i], ignoreCase: true);
                    break;
                case "--check":
                    check = true;
                    break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}; use --rows N, --queries N, --folder DIR, --no-node, --rule NoSmallAtoms|AuditExpert");
                    return 2;
            }
        }

        var clock = Stopwatch.StartNew();
        if (node && !check && File.Exists(Path.Combine(folder, DatasetStore.DatabaseFileName)) && File.Exists(Marker(folder)))
        {
            Console.Error.WriteLine($"{folder} already holds an answered sequence; delete it to replay the node path.");
            return 2;
        }

        if (check)
        {
            return CheckSums(folder, rows, queries);
        }

        using var store = OutputPrivacyWorkload.OpenOrCreate(folder, rows);
        Console.WriteLine($"# dataset: {rows:N0} rows in {folder} (ready after {clock.Elapsed.TotalSeconds:F1} s)");
        var dataset = store.Find(OutputPrivacyWorkload.DatasetId)!;
        var micro = MicroCells.Load(store);
        Console.WriteLine($"# micro-cells: {micro.Count:N0} non-empty (month × district × industry × headcount class)");

        AggregateExecutor.UseAuditRule(store, rule);
        Console.WriteLine($"# the node audits by {rule}");
        var executor = new AggregateExecutor(store);
        var sequence = OutputPrivacyWorkload.Sequence(queries);
        var fallback = new FallbackRule(micro, OutputPrivacyWorkload.MinGroupSize, dataset.Policy.Dominance);
        var totals = new Figures[3]; // per-result rules only, Audit Expert (node), fallback
        var block = new Figures[3];
        var times = new List<double>();
        var blockTimes = new List<double>();
        var mismatches = 0;
        var byTemplate = new Dictionary<string, Figures[]>(StringComparer.Ordinal);

        Console.WriteLine();
        Console.WriteLine($"| queries | node atoms | span rank | span non-zeros | ms/query (mean, p50, max) | withheld: per-result only | node ({rule}) | fallback | fallback atoms |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (var q = 0; q < sequence.Count; q++)
        {
            var (label, query) = sequence[q];
            var plan = QueryValidator.Validate(dataset, query, Epsilon.Zero, QueryLimits.Default).Plan
                ?? throw new InvalidOperationException($"query {q} ({label}) was refused");
            var raw = micro.Aggregate(plan, out var members);
            var baseline = OutputProtection.Protect(plan, raw, CryptoRandomSource.Instance);
            var simulated = OutputProtection.Protect(plan, raw, CryptoRandomSource.Instance, (r, rules, bins) => fallback.Decide(plan, r, rules, bins, members));
            var figures = new[] { Count(baseline), default, Count(simulated) };
            if (node)
            {
                var started = Stopwatch.GetTimestamp();
                var outcome = executor.Execute(query, Epsilon.Zero);
                var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                times.Add(ms);
                blockTimes.Add(ms);
                var result = outcome.Result ?? throw new InvalidOperationException($"query {q} ({label}) was refused: {outcome.Refusal!.Message}");
                figures[1] = Count(result);
                var wrong = Mismatches(result, baseline);
                if (wrong > 0 && mismatches < 20)
                {
                    Console.WriteLine($"<!-- query {q} ({label}): {wrong} released figures differ from memory -->");
                }

                mismatches += wrong;
            }

            var template = TemplateOf(query);
            var perTemplate = byTemplate.TryGetValue(template, out var t) ? t : byTemplate[template] = new Figures[3];
            for (var f = 0; f < 3; f++)
            {
                totals[f] += figures[f];
                block[f] += figures[f];
                perTemplate[f] += figures[f];
            }

            perTemplate[0].Queries++;
            if ((q + 1) % 100 == 0 || q + 1 == sequence.Count)
            {
                var state = executor.Audit?.StateOf(OutputPrivacyWorkload.DatasetId);
                var timing = blockTimes.Count == 0 ? "-" : $"{blockTimes.Average():F0}, {Percentile(blockTimes, 0.5):F0}, {blockTimes.Max():F0}";
                Console.WriteLine(
                    $"| {q + 1} | {(node ? state?.Atoms.Count.ToString("N0", CultureInfo.InvariantCulture) : "-")} | {(node ? state?.Span.Rank.ToString("N0", CultureInfo.InvariantCulture) : "-")} | {(node ? state?.Span.NonZeros.ToString("N0", CultureInfo.InvariantCulture) : "-")} | {timing} "
                    + $"| {totals[0].Share} | {(node ? totals[1].Share : "-")} | {totals[2].Share} | {fallback.Atoms:N0} |");
                blockTimes.Clear();
                block = new Figures[3];
            }
        }

        Console.WriteLine();
        Console.WriteLine($"Figures released or withheld over the sequence: {totals[0].Total:N0} (withheld = cumulative share; empty and small groups of the public domains count as withheld).");
        Console.WriteLine($"Withheld beyond the per-result rules: node ({rule}) {(node ? (totals[1].Withheld - totals[0].Withheld).ToString("N0", CultureInfo.InvariantCulture) : "-")}, fallback {totals[2].Withheld - totals[0].Withheld:N0}.");
        if (node)
        {
            Console.WriteLine($"Node time per query: mean {times.Average():F0} ms, p50 {Percentile(times, 0.5):F0} ms, p90 {Percentile(times, 0.9):F0} ms, max {times.Max():F0} ms, total {times.Sum() / 1000:F0} s.");
            Console.WriteLine($"Released node figures that differ from the in-memory sums: {mismatches} (0 expected).");
        }

        Console.WriteLine();
        Console.WriteLine($"| query shape | queries | figures | per-result only | node ({rule}) | fallback |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (template, f) in byTemplate.OrderByDescending(p => p.Value[0].Queries))
        {
            Console.WriteLine($"| {template} | {f[0].Queries} | {f[0].Total:N0} | {f[0].Share} | {(node ? f[1].Share : "-")} | {f[2].Share} |");
        }

        Console.WriteLine();
        Console.WriteLine($"# done in {clock.Elapsed.TotalMinutes:F1} min");
        if (node && queries == 1_000)
        {
            File.WriteAllText(Marker(folder), $"{queries} queries answered at {DateTimeOffset.UtcNow:O}\n");
        }

        return mismatches == 0 ? 0 : 1;
    }

    /// <summary>
    /// <c>--check</c>: runs each query's SQL as the executor builds it (no protection, no audit, no writes) and compares
    /// the raw group figures with the in-memory ones, printing the first differences.
    /// </summary>
    private static int CheckSums(string folder, int rows, int queries)
    {
        using var store = OutputPrivacyWorkload.OpenOrCreate(folder, rows);
        var dataset = store.Find(OutputPrivacyWorkload.DatasetId)!;
        var micro = MicroCells.Load(store);
        using var connection = store.OpenConnection();
        var differences = 0;
        var sequence = OutputPrivacyWorkload.Sequence(queries);
        for (var q = 0; q < sequence.Count; q++)
        {
            var (label, query) = sequence[q];
            var plan = QueryValidator.Validate(dataset, query, Epsilon.Zero, QueryLimits.Default).Plan!;
            var memory = micro.Aggregate(plan, out _).ToDictionary(r => OutputProtection.KeyOf(r.Keys), StringComparer.Ordinal);
            var sql = SqlPlan.Build(plan);
            using var command = connection.CreateCommand();
            command.CommandText = sql.Text;
            foreach (var parameter in sql.Parameters)
            {
                command.Parameters.Add(new DuckDB.NET.Data.DuckDBParameter(parameter));
            }

            using var reader = command.ExecuteReader();
            var seen = 0;
            while (reader.Read())
            {
                seen++;
                var keys = plan.GroupBy.Select((c, i) => Literals.ToValue(reader.GetValue(i), c.Type)).ToArray();
                var key = OutputProtection.KeyOf(keys);
                var figures = new List<(string What, object? Store, object? Memory)>();
                if (!memory.TryGetValue(key, out var expected))
                {
                    figures.Add(("group", key, null));
                }
                else
                {
                    figures.Add(("rows", Convert.ToInt64(reader.GetValue(sql.GroupCountColumn), CultureInfo.InvariantCulture), expected.Count));
                    for (var m = 0; m < plan.Measures.Count; m++)
                    {
                        var layout = sql.Layout[m];
                        var cell = expected.Cells[m];
                        if (plan.Measures[m].Function is MeasureFunction.Sum or MeasureFunction.Avg)
                        {
                            figures.Add(($"m{m} sum", reader.GetDecimal(layout.Value), cell.Sum));
                            figures.Add(($"m{m} top", reader.GetDecimal(layout.TopN), cell.TopN));
                        }
                        else if (plan.Measures[m].Function == MeasureFunction.Histogram)
                        {
                            for (var b = 0; b < cell.Bins.Length; b++)
                            {
                                figures.Add(($"m{m} bin{b}", Convert.ToInt64(reader.GetValue(layout.FirstBin + b), CultureInfo.InvariantCulture), cell.Bins[b]));
                            }
                        }
                    }
                }

                foreach (var (what, actual, wanted) in figures.Where(f => !Equals(f.Store, f.Memory)))
                {
                    if (++differences <= 20)
                    {
                        Console.WriteLine($"query {q} ({label}) group {key.Replace('\u001f', '|')} {what}: store {actual}, memory {wanted}");
                    }
                }
            }

            if (seen != memory.Count)
            {
                differences++;
                Console.WriteLine($"query {q} ({label}): {seen} groups in the store, {memory.Count} in memory");
            }
        }

        Console.WriteLine($"{differences} differences over {queries} queries");
        return differences == 0 ? 0 : 1;
    }

    public static string DefaultFolder(int rows) =>
        Path.Combine(Path.GetTempPath(), $"datatrust-bench-privacy-{rows}");

    /// <summary>Written once the node has answered the full sequence: the folder is then the benchmark's starting state.</summary>
    public static string Marker(string folder) => Path.Combine(folder, "sequence-answered.txt");

    private static string TemplateOf(AggregateQuery query)
    {
        var text = "by " + string.Join("×", query.GroupBy);
        foreach (var filter in query.Filters)
        {
            text += $", {filter.Column} {filter.Operator.ToString().ToUpperInvariant()}";
        }

        return query.Measures.Any(m => m.Function == MeasureFunction.Histogram) ? text + ", HISTOGRAM" : text;
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Floor(p * sorted.Count))];
    }

    /// <summary>Figures of a result: one per group and scalar measure, one per histogram bin; and how many are withheld.</summary>
    private static Figures Count(AggregateResult result)
    {
        var figures = default(Figures);
        var measures = result.Columns.Where(c => c.Role == ResultColumnRole.Measure).ToList();
        foreach (var row in result.Rows)
        {
            for (var m = 0; m < row.Cells.Count; m++)
            {
                var cell = row.Cells[m];
                if (measures[m].Function == MeasureFunction.Histogram && cell.Histogram is { } histogram)
                {
                    figures.Total += histogram.Bins.Count;
                    figures.Withheld += histogram.Bins.Count(b => b.Suppressed);
                }
                else
                {
                    figures.Total++;
                    figures.Withheld += cell.Suppressed ? 1 : 0;
                }
            }
        }

        return figures;
    }

    /// <summary>Released node figures that differ from the same figure computed in memory (baseline renders every non-withheld one).</summary>
    private static int Mismatches(AggregateResult node, AggregateResult memory)
    {
        var mismatches = 0;
        for (var r = 0; r < node.Rows.Count; r++)
        {
            for (var m = 0; m < node.Rows[r].Cells.Count; m++)
            {
                var released = node.Rows[r].Cells[m];
                var expected = memory.Rows[r].Cells[m];
                if (released.Suppressed)
                {
                    continue;
                }

                if (released.Histogram is { } histogram && expected.Histogram is { } wanted)
                {
                    // The audit may withhold single bins; compare the bins it released.
                    mismatches += histogram.Bins.Where((b, i) => !b.Suppressed && !b.Equals(wanted.Bins[i])).Count();
                }
                else if (!released.Equals(expected))
                {
                    mismatches++;
                }
            }
        }

        return mismatches;
    }

    private struct Figures
    {
        public long Total;
        public long Withheld;
        public int Queries;

        public readonly string Share => Total == 0 ? "-" : (100.0 * Withheld / Total).ToString("F1", CultureInfo.InvariantCulture) + " %";

        public static Figures operator +(Figures a, Figures b) =>
            new() { Total = a.Total + b.Total, Withheld = a.Withheld + b.Withheld, Queries = a.Queries + b.Queries };
    }
}

/// <summary>The non-empty micro-cells of the dataset with their statistics, read once from the node's table.</summary>
internal sealed class MicroCells
{
    // Headcount class c: 2j for h = 10j (j ≤ 50), 2j + 1 for 10j < h < 10j + 10, 101 for h > 500; a representative value each.
    private const int AboveClass = 101;

    private readonly int[] month;
    private readonly int[] district;
    private readonly int[] industry;
    private readonly long[] representative;

    private MicroCells(int count)
    {
        month = new int[count];
        district = new int[count];
        industry = new int[count];
        representative = new long[count];
        Rows = new long[count];
        SumHeadcount = new decimal[count];
        MaxHeadcount = new decimal[count];
        SumContribution = new decimal[count];
        MaxContribution = new decimal[count];
    }

    public int Count => Rows.Length;

    public long[] Rows { get; }

    public decimal[] SumHeadcount { get; }

    public decimal[] MaxHeadcount { get; }

    public decimal[] SumContribution { get; }

    public decimal[] MaxContribution { get; }

    public static MicroCells Load(DatasetStore store)
    {
        using var connection = store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT month, district, industry,
              CASE WHEN headcount > {OutputPrivacyWorkload.MaxThreshold} THEN {AboveClass}
                   WHEN headcount % 10 = 0 THEN (headcount // 10) * 2 ELSE (headcount // 10) * 2 + 1 END AS c,
              count(*), CAST(sum(headcount) AS DECIMAL(38,4)), CAST(max(headcount) AS DECIMAL(38,4)),
              CAST(sum(contribution) AS DECIMAL(38,4)), CAST(max(contribution) AS DECIMAL(38,4))
            FROM ds_{OutputPrivacyWorkload.DatasetId} GROUP BY ALL ORDER BY ALL
            """;
        var list = new List<(int, int, int, long, long, decimal, decimal, decimal, decimal)>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var c = Convert.ToInt32(reader.GetValue(3), CultureInfo.InvariantCulture);
                list.Add((
                    Array.IndexOf(OutputPrivacyWorkload.Months, reader.GetString(0)),
                    Array.IndexOf(OutputPrivacyWorkload.Districts, reader.GetString(1)),
                    Array.IndexOf(OutputPrivacyWorkload.Industries, reader.GetString(2)),
                    c == AboveClass ? OutputPrivacyWorkload.MaxThreshold + 1 : (c / 2 * 10) + (c % 2 * 5),
                    Convert.ToInt64(reader.GetValue(4), CultureInfo.InvariantCulture),
                    reader.GetDecimal(5), reader.GetDecimal(6), reader.GetDecimal(7), reader.GetDecimal(8)));
            }
        }

        var cells = new MicroCells(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            var (m, d, n, h, rows, sumH, maxH, sumC, maxC) = list[i];
            if (m < 0 || d < 0 || n < 0)
            {
                throw new InvalidOperationException("A row lies outside the public domains.");
            }

            (cells.month[i], cells.district[i], cells.industry[i], cells.representative[i]) = (m, d, n, h);
            (cells.Rows[i], cells.SumHeadcount[i], cells.MaxHeadcount[i], cells.SumContribution[i], cells.MaxContribution[i]) = (rows, sumH, maxH, sumC, maxC);
        }

        return cells;
    }

    /// <summary>
    /// The query's groups as the store computes them (<see cref="RawRow"/>s, as in the executor), and per group key the
    /// micro-cells it holds, each with its histogram bins.
    /// </summary>
    public List<RawRow> Aggregate(QueryPlan plan, out Dictionary<string, List<(int Cell, int[] Bins)>> members)
    {
        foreach (var filter in plan.Filters.Where(f => f.Column.Name == "headcount"))
        {
            if (filter.Values.Any(v => (long)v % OutputPrivacyWorkload.GridStep != 0 || (long)v > OutputPrivacyWorkload.MaxThreshold))
            {
                throw new InvalidOperationException("A headcount literal is off the simulated grid.");
            }
        }

        var groups = new Dictionary<long, List<int>>();
        for (var i = 0; i < Count; i++)
        {
            if (plan.Filters.All(f => Passes(f, i)))
            {
                var code = 0L;
                foreach (var column in plan.GroupBy)
                {
                    code = (code * 32) + Coordinate(column.Name, i);
                }

                (groups.TryGetValue(code, out var list) ? list : groups[code] = []).Add(i);
            }
        }

        members = new Dictionary<string, List<(int, int[])>>(StringComparer.Ordinal);
        var rows = new List<RawRow>();
        foreach (var (_, cells) in groups.OrderBy(g => g.Key))
        {
            var first = cells[0];
            var keys = plan.GroupBy.Select(c => new Value { StringValue = Text(c.Name, first) }).ToArray();
            var measures = new RawCell[plan.Measures.Count];
            for (var m = 0; m < measures.Length; m++)
            {
                var measure = plan.Measures[m];
                var name = measure.Column?.Name;
                var (sums, maxima) = name == "headcount" ? (SumHeadcount, MaxHeadcount) : (SumContribution, MaxContribution);
                measures[m] = measure.Function switch
                {
                    MeasureFunction.Count => new RawCell { Count = cells.Sum(c => Rows[c]) },
                    MeasureFunction.Sum or MeasureFunction.Avg => new RawCell
                    {
                        Sum = cells.Sum(c => sums[c]),
                        Count = measure.Function == MeasureFunction.Avg ? cells.Sum(c => Rows[c]) : 0,
                        TopN = cells.Max(c => maxima[c]),
                        AbsTotal = cells.Sum(c => sums[c]),
                    },
                    MeasureFunction.Histogram => new RawCell
                    {
                        Bins = [.. Enumerable.Range(0, measure.Edges.Count - 1).Select(b => cells.Where(c => Bin(measure, c) == b).Sum(c => Rows[c]))],
                    },
                    _ => throw new InvalidOperationException("MIN and MAX are not simulated."),
                };
            }

            var histograms = Enumerable.Range(0, plan.Measures.Count).Where(m => plan.Measures[m].Function == MeasureFunction.Histogram).ToList();
            members[OutputProtection.KeyOf(keys)] = [.. cells.Select(c => (c, histograms.Select(h => Bin(plan.Measures[h], c)).ToArray()))];
            rows.Add(new RawRow { Keys = keys, Count = cells.Sum(c => Rows[c]), Cells = measures });
        }

        return rows;
    }

    private int Coordinate(string column, int cell) => column switch
    {
        "month" => month[cell],
        "district" => district[cell],
        "industry" => industry[cell],
        _ => throw new InvalidOperationException($"{column} is not a simulated group key."),
    };

    private string Text(string column, int cell) => column switch
    {
        "month" => OutputPrivacyWorkload.Months[month[cell]],
        "district" => OutputPrivacyWorkload.Districts[district[cell]],
        "industry" => OutputPrivacyWorkload.Industries[industry[cell]],
        _ => throw new InvalidOperationException($"{column} is not a simulated group key."),
    };

    private bool Passes(PlannedFilter filter, int cell)
    {
        int Compare(object literal) => filter.Column.Name == "headcount"
            ? representative[cell].CompareTo((long)literal)
            : string.CompareOrdinal(Text(filter.Column.Name, cell), (string)literal);

        return filter.Operator switch
        {
            FilterOperator.Eq => Compare(filter.Values[0]) == 0,
            FilterOperator.Ne => Compare(filter.Values[0]) != 0,
            FilterOperator.Lt => Compare(filter.Values[0]) < 0,
            FilterOperator.Le => Compare(filter.Values[0]) <= 0,
            FilterOperator.Gt => Compare(filter.Values[0]) > 0,
            FilterOperator.Ge => Compare(filter.Values[0]) >= 0,
            FilterOperator.In => filter.Values.Any(v => Compare(v) == 0),
            FilterOperator.Between => Compare(filter.Values[0]) >= 0 && Compare(filter.Values[1]) <= 0,
            _ => throw new InvalidOperationException("Unknown operator."),
        };
    }

    // As the audit's bin expression: [e_b, e_b+1), the last bin closed; −1 outside every bin.
    private int Bin(PlannedMeasure measure, int cell)
    {
        var h = representative[cell];
        for (var b = 0; b + 1 < measure.Edges.Count; b++)
        {
            var low = Convert.ToInt64(measure.Edges[b], CultureInfo.InvariantCulture);
            var high = Convert.ToInt64(measure.Edges[b + 1], CultureInfo.InvariantCulture);
            if (h >= low && (b + 2 == measure.Edges.Count ? h <= high : h < high))
            {
                return b;
            }
        }

        return -1;
    }
}

/// <summary>
/// The stricter fallback: never split an atom into a piece of fewer than k rows (or one failing dominance). It keeps its
/// own atoms over the micro-cells and decides cells in the same order as the Audit Expert (groups largest first, then bins).
/// </summary>
internal sealed class FallbackRule
{
    private readonly MicroCells cells;
    private readonly int k;
    private readonly DominanceRule dominance;
    private readonly int[] atomOf;
    private readonly Dictionary<int, List<int>> atoms = [];
    private int next = 1;

    public FallbackRule(MicroCells cells, int k, DominanceRule dominance)
    {
        this.cells = cells;
        this.k = k;
        this.dominance = dominance;
        atomOf = new int[cells.Count];
        atoms[0] = [.. Enumerable.Range(0, cells.Count)];
    }

    public int Atoms => atoms.Count;

    public void Decide(QueryPlan plan, IReadOnlyList<RawRow> rows, SuppressionRule[,] rules, SuppressionRule[,][] binRules, Dictionary<string, List<(int Cell, int[] Bins)>> members)
    {
        var scalar = Enumerable.Range(0, plan.Measures.Count).Where(m => plan.Measures[m].Function != MeasureFunction.Histogram).ToList();
        var histograms = Enumerable.Range(0, plan.Measures.Count).Where(m => plan.Measures[m].Function == MeasureFunction.Histogram).ToList();
        List<(int Cell, int[] Bins)> Of(int r) => members.GetValueOrDefault(OutputProtection.KeyOf(rows[r].Keys)) ?? [];

        var groupCells = Enumerable.Range(0, rows.Count)
            .Where(r => scalar.Any(m => rules[r, m] == SuppressionRule.Unspecified))
            .OrderByDescending(r => rows[r].Count).ThenBy(r => r).ToList();
        foreach (var r in groupCells)
        {
            if (!TryRelease([.. Of(r).Select(p => p.Cell)]))
            {
                foreach (var m in scalar)
                {
                    rules[r, m] = rules[r, m] == SuppressionRule.Unspecified ? SuppressionRule.Withheld : rules[r, m];
                }
            }
        }

        var binCells = new List<(int Row, int Measure, int Histogram, int Bin, long Rows)>();
        for (var h = 0; h < histograms.Count; h++)
        {
            var m = histograms[h];
            for (var r = 0; r < rows.Count; r++)
            {
                if (rules[r, m] != SuppressionRule.Unspecified)
                {
                    continue;
                }

                for (var b = 0; b < binRules[r, m].Length; b++)
                {
                    if (binRules[r, m][b] == SuppressionRule.Unspecified)
                    {
                        binCells.Add((r, m, h, b, rows[r].Cells[m].Bins[b]));
                    }
                }
            }
        }

        foreach (var (r, m, h, b, _) in binCells.OrderByDescending(c => c.Rows).ThenBy(c => c.Row).ThenBy(c => c.Bin))
        {
            if (!TryRelease([.. Of(r).Where(p => p.Bins[h] == b).Select(p => p.Cell)]))
            {
                binRules[r, m][b] = SuppressionRule.Withheld;
            }
        }
    }

    private bool TryRelease(List<int> members)
    {
        var cuts = new List<(int Atom, List<int> Inside)>();
        foreach (var group in members.GroupBy(c => atomOf[c]))
        {
            var atom = atoms[group.Key];
            var inside = group.ToList();
            if (inside.Count == atom.Count)
            {
                continue; // the cell holds the whole atom: no split
            }

            var set = inside.ToHashSet();
            if (!IsSafe(inside) || !IsSafe([.. atom.Where(c => !set.Contains(c))]))
            {
                return false;
            }

            cuts.Add((group.Key, inside));
        }

        foreach (var (atom, inside) in cuts)
        {
            var set = inside.ToHashSet();
            atoms[atom].RemoveAll(set.Contains);
            var child = next++;
            atoms[child] = inside;
            foreach (var c in inside)
            {
                atomOf[c] = child;
            }
        }

        return true;
    }

    private bool IsSafe(List<int> piece)
    {
        if (piece.Sum(c => cells.Rows[c]) < k)
        {
            return false;
        }

        return Passes(piece, cells.SumHeadcount, cells.MaxHeadcount) && Passes(piece, cells.SumContribution, cells.MaxContribution);
    }

    private bool Passes(List<int> piece, decimal[] sums, decimal[] maxima)
    {
        if (!dominance.IsEnabled)
        {
            return true;
        }

        var total = piece.Sum(c => sums[c]);
        return total <= 0 || piece.Max(c => maxima[c]) * 100m <= dominance.Percent * total;
    }
}
