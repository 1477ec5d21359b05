using System.Globalization;
using DataTrust.Core.Catalog;
using DataTrust.Node.Samples;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using DuckDB.NET.Data;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Benchmarks.Node;

/// <summary>
/// The output-privacy workload: a RESTRICTED social-security-like table (one row per employer and month) and a fixed,
/// seeded sequence of analyst queries over it. Shared by <see cref="OutputPrivacyBenchmarks"/> and <see cref="PrivacyUtilityReport"/>.
/// </summary>
/// <remarks>
/// <para>Rows are generated inside DuckDB from <c>hash()</c> of the row index with fixed salts (so the data is the same on
/// every run of the same DuckDB version), written to Parquet and imported through <see cref="DatasetStore.Import"/>.
/// Employers have a district and an industry drawn with the sample dataset's weights (<see cref="SampleDataset"/>), a
/// log-normal headcount (median 15, σ = 1, as in the sample social-security generator) that drifts by ±1 a month, and
/// are active for a contiguous run of months, so the monthly counts differ and some district × industry × month cells
/// hold only a handful of rows.</para>
/// <para>Every filter literal on <c>headcount</c> is a multiple of the grid step (10) and at most 500, and every bin edge
/// too, so every released cell is a union of the "micro-cells" (month, district, industry, headcount class) that
/// <see cref="PrivacyUtilityReport"/> reasons over.</para>
/// </remarks>
internal static class OutputPrivacyWorkload
{
    public const string DatasetId = "ss_bench";

    public const int MinGroupSize = 10;

    public const int GridStep = 10;

    public const int MaxThreshold = 500;

    /// <summary>Seed of the query sequence.</summary>
    public const int QuerySeed = 20_261_124;

    public static readonly string[] Months =
        [.. Enumerable.Range(0, 24).Select(m => new DateOnly(2023, 11, 1).AddMonths(m).ToString("yyyy-MM", CultureInfo.InvariantCulture))];

    public static readonly string[] Districts = [.. SampleDataset.Districts.Select(d => d.Name)];

    public static readonly string[] Industries =
        ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S", "T"];

    // The sample dataset's weights (SampleDataset.DistrictWeights / IndustryWeights).
    private static readonly int[] DistrictWeights = [6, 6, 14, 8, 3, 14, 2, 4, 7, 6, 8, 7, 2, 2, 2, 1];

    private static readonly int[] IndustryWeights = [2, 1, 14, 1, 1, 8, 24, 5, 9, 3, 6, 4, 8, 2, 3, 1, 2, 3, 2, 1];

    public static DatasetSchema Schema { get; } = new([
        new ColumnDefinition("month", ColumnType.Text),
        new ColumnDefinition("district", ColumnType.Text),
        new ColumnDefinition("industry", ColumnType.Text),
        new ColumnDefinition("headcount", ColumnType.Int),
        new ColumnDefinition("contribution", ColumnType.Decimal),
    ]);

    public static DatasetPolicy Policy { get; } = new(MinGroupSize, new DominanceRule(1, 85), ProtectionGrade.Restricted, ComputationKindSet.Aggregate, [
        new ColumnPolicy("month", ColumnPermissions.GroupBy | ColumnPermissions.Filter, Domain: Months),
        new ColumnPolicy("district", ColumnPermissions.GroupBy | ColumnPermissions.Filter, Domain: Districts),
        new ColumnPolicy("industry", ColumnPermissions.GroupBy | ColumnPermissions.Filter, Domain: Industries),
        new ColumnPolicy("headcount", ColumnPermissions.Aggregate | ColumnPermissions.Filter, 0, MaxThreshold, GridStep: GridStep),
        new ColumnPolicy("contribution", ColumnPermissions.Aggregate, 0, 5_000_000),
    ]);

    /// <summary>Creates the store in <paramref name="folder"/> and imports <paramref name="rows"/> generated rows, unless already there.</summary>
    public static DatasetStore OpenOrCreate(string folder, int rows)
    {
        var store = new DatasetStore(folder);
        if (store.Find(DatasetId) is { } existing)
        {
            if (existing.RowCount != rows)
            {
                store.Dispose();
                throw new InvalidOperationException($"{folder} holds {existing.RowCount} rows, not {rows}; delete the folder.");
            }

            return store;
        }

        var parquet = Path.Combine(folder, DatasetId + ".parquet");
        using (var connection = new DuckDBConnection("Data Source=:memory:"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = GeneratorSql(rows, parquet);
            command.ExecuteNonQuery();
        }

        var imported = store.Import(new DatasetImport(DatasetId, parquet, ImportFormat.Parquet, Policy, Schema));
        File.Delete(parquet);
        if (imported.RowCount != rows)
        {
            store.Dispose();
            throw new InvalidOperationException($"The generator produced {imported.RowCount} rows, not {rows}; raise its employer count.");
        }

        return store;
    }

    private static string GeneratorSql(int rows, string parquet)
    {
        static string Weighted(string[] names, int[] weights) =>
            "[" + string.Join(", ", names.SelectMany((n, i) => Enumerable.Repeat($"'{n}'", weights[i]))) + "]";

        var districts = Weighted(Districts, DistrictWeights);
        var industries = Weighted(Industries, IndustryWeights);

        // Employers: 1/3 active from the first month, the rest start later; each stays 6 to 24 months (clipped at the end).
        // More employer-months are generated than needed, and the first `rows` rows (by employer, month) are kept.
        var employers = (rows / 8) + 1000; // about 11.7 active months each, so about 1.46 × rows candidates
        return $"""
            COPY (
              WITH e AS (
                SELECT e,
                  {districts}[1 + CAST(hash(e * 8 + 1) % {DistrictWeights.Sum()} AS INTEGER)] AS district,
                  {industries}[1 + CAST(hash(e * 8 + 2) % {IndustryWeights.Sum()} AS INTEGER)] AS industry,
                  (CAST(hash(e * 8 + 3) % 1000000 AS DOUBLE) + 0.5) / 1000000 AS u1,
                  (CAST(hash(e * 8 + 4) % 1000000 AS DOUBLE) + 0.5) / 1000000 AS u2,
                  greatest(0, CAST(hash(e * 8 + 5) % 36 AS INTEGER) - 12) AS first_month,
                  6 + CAST(hash(e * 8 + 6) % 19 AS INTEGER) AS months_active
                FROM range({employers}) t(e)),
              r AS (
                SELECT e.e, m.m, district, industry,
                  greatest(1, CAST(round(exp(ln(15) + sqrt(-2 * ln(u1)) * cos(2 * pi() * u2))) AS BIGINT)
                    + CAST(hash(e.e * 32 + m.m) % 3 AS BIGINT) - 1) AS headcount,
                  (CAST(hash(e.e * 32 + m.m + 7) % 10000 AS DOUBLE)) / 10000 AS u3
                FROM e, range(24) m(m)
                WHERE m.m >= first_month AND m.m < first_month + months_active)
              SELECT strftime(DATE '2023-11-01' + to_months(CAST(m AS INTEGER)), '%Y-%m') AS month, district, industry,
                greatest(1, headcount) AS headcount,
                CAST(round(greatest(1, headcount) * (6000 + 6000 * u3), 2) AS DECIMAL(18,4)) AS contribution
              FROM r ORDER BY e, m LIMIT {rows}
            ) TO '{parquet.Replace("'", "''", StringComparison.Ordinal)}' (FORMAT parquet)
            """;
    }

    /// <summary>The benchmark's query: COUNT, SUM(contribution), AVG(headcount) by district × industry (320 groups).</summary>
    public static AggregateQuery BenchmarkQuery(long epsilonMicros = 0)
    {
        var query = new AggregateQuery { DatasetId = DatasetId };
        query.GroupBy.Add("district");
        query.GroupBy.Add("industry");
        query.Measures.Add(new Measure { Function = MeasureFunction.Count });
        query.Measures.Add(new Measure { Function = MeasureFunction.Sum, Column = "contribution" });
        query.Measures.Add(new Measure { Function = MeasureFunction.Avg, Column = "headcount" });
        if (epsilonMicros > 0)
        {
            query.EpsilonMicros = (ulong)epsilonMicros;
        }

        return query;
    }

    /// <summary>The same aggregate as plain SQL on the node's table, for DuckDB alone.</summary>
    public const string DirectSql = """
        SELECT district, industry, count(*), sum(contribution), avg(headcount)
        FROM ds_ss_bench GROUP BY district, industry ORDER BY district, industry
        """;

    /// <summary>The fixed sequence of <paramref name="count"/> analyst queries (exact answers), with a short label each.</summary>
    public static List<(string Label, AggregateQuery Query)> Sequence(int count)
    {
        var random = new Random(QuerySeed);
        var thresholds = new[] { 10, 20, 50, 100, 200, 300, 500 };
        var quarters = Enumerable.Range(0, 8).Select(q => (Months[q * 3], Months[(q * 3) + 2])).ToArray();
        var years = new[] { (Months[2], Months[13]), (Months[14], Months[23]) }; // 2024 and 2025 (to October)

        // Measure sets an analyst picks: counts, headcount and contribution totals, average contribution.
        Measure[][] measureSets =
        [
            [Count()],
            [Count(), Sum("headcount")],
            [Sum("contribution")],
            [Count(), Sum("headcount"), Sum("contribution")],
            [Avg("contribution")],
        ];

        // Recent months are asked about more often than old ones.
        string RecentMonth() => Months[23 - Math.Min(23, (int)Math.Floor(-Math.Log(1 - random.NextDouble()) * 5))];
        string District() => Districts[random.Next(Districts.Length)];
        string Industry() => Industries[random.Next(Industries.Length)];
        int Threshold() => thresholds[random.Next(thresholds.Length)];
        string OneKey() => new[] { "month", "district", "industry" }[random.Next(3)];

        // (weight, template) — the template adds group-by columns and filters to the query and returns its label.
        (int Weight, Func<AggregateQuery, AggregateQuery> Build)[] templates =
        [
            (8, q => Group(q, "month")),
            (6, q => Group(q, "district")),
            (6, q => Group(q, "industry")),
            (10, q => Where(Group(q, "month"), "district", FilterOperator.Eq, Str(District()))),
            (8, q => Where(Group(q, "month"), "industry", FilterOperator.Eq, Str(Industry()))),
            (8, q => Group(q, "district", "industry")),
            (6, q => Where(Group(q, "district", "industry"), "month", FilterOperator.Eq, Str(RecentMonth()))),
            (5, q => Group(q, "month", "district")),
            (5, q => Group(q, "month", "industry")),
            (8, q => Where(Group(q, "industry"), "district", FilterOperator.Eq, Str(District()))),
            (6, q => Where(Group(q, "district"), "industry", FilterOperator.Eq, Str(Industry()))),
            (8, q => Where(Group(q, OneKey()), "headcount", FilterOperator.Ge, Int(Threshold()))),
            (4, q => Where(Group(q, "industry"), "headcount", FilterOperator.Lt, Int(thresholds[random.Next(2)]))),
            (5, q => Where(Where(Group(q, "month"), "district", FilterOperator.Eq, Str(District())), "headcount", FilterOperator.Ge, Int(Threshold()))),
            (5, q =>
            {
                var (from, to) = random.Next(3) == 0 ? years[random.Next(2)] : quarters[random.Next(quarters.Length)];
                return Where(Group(q, random.Next(2) == 0 ? "district" : "industry"), "month", FilterOperator.Between, Str(from), Str(to));
            }),
            (4, q =>
            {
                var picked = Districts.OrderBy(_ => random.Next()).Take(3 + random.Next(3)).Order(StringComparer.Ordinal).Select(Str).ToArray();
                return Where(Group(q, "industry"), "district", FilterOperator.In, picked);
            }),
            (4, q =>
            {
                q.Measures.Clear();
                var histogram = new Measure { Function = MeasureFunction.Histogram, Column = "headcount" };
                histogram.BinEdges.AddRange([Int(0), Int(10), Int(50), Int(100), Int(MaxThreshold)]);
                q.Measures.Add(histogram);
                return Group(q, random.Next(2) == 0 ? "district" : "industry");
            }),
            (4, q => Where(Group(q, "district", "industry"), "headcount", FilterOperator.Ge, Int(Threshold()))),
        ];

        var total = templates.Sum(t => t.Weight);
        var sequence = new List<(string, AggregateQuery)>(count);
        for (var i = 0; i < count; i++)
        {
            var query = new AggregateQuery { DatasetId = DatasetId };
            query.Measures.AddRange(measureSets[random.Next(measureSets.Length)].Select(m => m.Clone()));
            var pick = random.Next(total);
            var t = 0;
            while (pick >= templates[t].Weight)
            {
                pick -= templates[t].Weight;
                t++;
            }

            templates[t].Build(query);
            sequence.Add((Describe(query), query));
        }

        return sequence;
    }

    /// <summary>A short description of a query for reports.</summary>
    public static string Describe(AggregateQuery query)
    {
        var text = "by " + (query.GroupBy.Count == 0 ? "-" : string.Join("×", query.GroupBy));
        foreach (var filter in query.Filters)
        {
            text += $" where {filter.Column} {filter.Operator.ToString().ToUpperInvariant()} {string.Join(",", filter.Values.Select(v => v.KindCase == Value.KindOneofCase.IntValue ? v.IntValue.ToString(CultureInfo.InvariantCulture) : v.StringValue))}";
        }

        return text + " [" + string.Join(",", query.Measures.Select(m => m.Function.ToString().ToUpperInvariant() + (m.Column.Length > 0 ? "(" + m.Column + ")" : string.Empty))) + "]";
    }

    private static AggregateQuery Group(AggregateQuery query, params string[] columns)
    {
        query.GroupBy.AddRange(columns);
        return query;
    }

    private static AggregateQuery Where(AggregateQuery query, string column, FilterOperator op, params Value[] values)
    {
        var filter = new Filter { Column = column, Operator = op };
        filter.Values.AddRange(values);
        query.Filters.Add(filter);
        return query;
    }

    private static Measure Count() => new() { Function = MeasureFunction.Count };

    private static Measure Sum(string column) => new() { Function = MeasureFunction.Sum, Column = column };

    private static Measure Avg(string column) => new() { Function = MeasureFunction.Avg, Column = column };

    private static Value Str(string value) => new() { StringValue = value };

    private static Value Int(long value) => new() { IntValue = value };
}
