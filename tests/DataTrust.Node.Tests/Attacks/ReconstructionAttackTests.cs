using System.Globalization;
using System.Numerics;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Protos.V1;
using Xunit.Abstractions;

namespace DataTrust.Node.Tests.Attacks;

/// <summary>
/// Reconstruction from many exact answers: margins of group-bys (linear reconstruction), random subset sums
/// (Dinur–Nissim 2003), and the integer program over bounded values that an LP decoder approximates (Cohen–Nissim
/// 2020). The attacker keeps every released figure and solves them all together.
/// </summary>
[Collection(AttackNodesCollection.Name)]
public sealed class ReconstructionAttackTests(AttackNodes nodes, ITestOutputHelper output)
{
    private const int K = 3;

    /// <summary>40 firms with random public attributes over the domains: many cells of the finer tables hold one or two.</summary>
    private static List<Firm> SmallCells(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, 40).Select(i => new Firm(
            Table.Code(i),
            Table.Districts[random.Next(Table.Districts.Length)],
            Table.Industries[random.Next(Table.Industries.Length)],
            int.Parse(Table.Years[random.Next(Table.Years.Length)], CultureInfo.InvariantCulture),
            random.Next(5) == 0 ? "revoked" : "active",
            10 * (1 + i),
            50 + random.Next(100),
            100_000m + (random.Next(20_000_000) / 100m)))];
    }

    /// <summary>Every 0-, 1-, 2- and 3-key group-by, each plain and under status and size filters, then every single cell alone.</summary>
    private static List<AggregateQuery> Margins(string dataset)
    {
        string[][] groupings = [[], ["district"], ["industry"], ["year"], ["district", "industry"], ["district", "year"], ["industry", "year"], ["district", "industry", "year"]];
        var filters = new List<Filter?> { null, F("status", FilterOperator.Eq, Q.Str("active")), F("status", FilterOperator.Ne, Q.Str("active")) };
        filters.AddRange(new[] { 100, 200, 300 }.Select(t => F("employees", FilterOperator.Lt, Q.Int(t))));
        var queries = new List<AggregateQuery>();
        foreach (var by in groupings)
        {
            foreach (var filter in filters)
            {
                var query = Q.Query(dataset, Q.Count(), Q.Sum("revenue")).GroupBy(by);
                if (filter is not null)
                {
                    query.Filters.Add(filter);
                }

                queries.Add(query);
            }
        }

        // Single cells, each asked alone, so no complementary suppression within a result protects it.
        foreach (var by in groupings.Where(g => g.Length > 0))
        {
            IEnumerable<string[]> keys = [[]];
            foreach (var column in by)
            {
                var domain = column switch { "district" => Table.Districts, "industry" => Table.Industries, _ => Table.Years };
                keys = keys.SelectMany(k => domain.Select(v => k.Append(v).ToArray())).ToList();
            }

            foreach (var key in keys)
            {
                var query = Q.Query(dataset, Q.Count(), Q.Sum("revenue"));
                for (var c = 0; c < by.Length; c++)
                {
                    query.Filters.Add(by[c] == "year"
                        ? F(by[c], FilterOperator.Eq, Q.Int(long.Parse(key[c], CultureInfo.InvariantCulture)))
                        : F(by[c], FilterOperator.Eq, Q.Str(key[c])));
                }

                queries.Add(query);
            }
        }

        return queries;
    }

    [Fact]
    public async Task Linear_reconstruction_from_margins_determines_no_row_and_no_small_cell()
    {
        // Arrange
        var table = Table.Of(SmallCells(21), ProtectionGrade.Restricted, k: K);
        await nodes.PublishAsync("margins", table);
        await nodes.PublishAsync("margins_open", table.As(ProtectionGrade.Open));
        var license = await nodes.LicenseAsync(nodes.BankA, "margins");
        var queries = Margins("margins");

        // Act: every query on the OPEN twin (the unprotected exact answers), then on the RESTRICTED dataset.
        var open = new Attacker(table, "revenue");
        var attacker = new Attacker(table, "revenue");
        foreach (var query in queries)
        {
            var twin = DifferencingAttackTests.Twin(query, "margins_open");
            open.Learn(twin, await nodes.RunOpenAsync(twin), measure: 1);
            attacker.Learn(query, await nodes.RunAsync(nodes.BankA, license, query), measure: 1);
        }

        // Without the audit: the attacker solves the margins for rows and small cells alike.
        var small = attacker.Asked.Where(m => m.Length is > 0 and < K).DistinctBy(m => string.Join(",", m)).ToList();
        var openRows = open.DeterminedRows();
        var openSmall = small.Count(open.Solver.Determines);
        Assert.NotEmpty(openRows);
        Assert.All(openRows, r => Assert.Equal(open.Truth(r.Key), r.Value));
        output.WriteLine($"{queries.Count} queries, {small.Count} distinct small cells (1..{K - 1} rows) among the cells asked.");
        output.WriteLine($"Without the audit (OPEN twin, every cell exact): {openRows.Count} of {table.Rows.Count} rows and {openSmall} of {small.Count} small cells determined; rank {open.Solver.Rank}.");

        // With it.
        var rows = attacker.DeterminedRows();
        var smallDetermined = small.Where(attacker.Solver.Determines).ToList();
        output.WriteLine($"With the audit: {attacker.Released} cells released, {attacker.Withheld} withheld; rank {attacker.Solver.Rank}; {rows.Count} rows and {smallDetermined.Count} small cells determined.");
        foreach (var cell in smallDetermined.Take(3))
        {
            output.WriteLine($"Small cell of {cell.Length} rows [{string.Join(", ", cell)}] = {attacker.Solver.ValueOf(cell)} (true {cell.Aggregate(BigInteger.Zero, (s, i) => s + attacker.Truth(i))}), from:\n{attacker.Solver.Explain(cell)}");
        }

        Assert.Empty(rows);
        Assert.Empty(smallDetermined);
    }

    [Fact]
    public async Task Dinur_Nissim_random_subset_sums_determine_no_row()
    {
        // Arrange (Dinur and Nissim 2003): every firm has its own size on the public grid, so an IN list over sizes picks
        // any subset of firms; 3n random subsets, each firm in each with probability 1/2, answered exactly.
        var rows = SmallCells(22).Take(24).ToList();
        var table = Table.Of(rows, ProtectionGrade.Restricted, k: K);
        await nodes.PublishAsync("subsets", table);
        await nodes.PublishAsync("subsets_open", table.As(ProtectionGrade.Open));
        var license = await nodes.LicenseAsync(nodes.BankA, "subsets");
        var queries = RandomSubsets("subsets", rows, 3 * rows.Count, new Random(5), Q.Sum("revenue"));

        // Act
        var open = new Attacker(table, "revenue");
        var attacker = new Attacker(table, "revenue");
        foreach (var query in queries)
        {
            var twin = DifferencingAttackTests.Twin(query, "subsets_open");
            open.Learn(twin, await nodes.RunOpenAsync(twin));
            attacker.Learn(query, await nodes.RunAsync(nodes.BankA, license, query));
        }

        // Assert: without the audit every row is reconstructed exactly; with it, none is.
        var openRows = open.DeterminedRows();
        Assert.Equal(rows.Count, openRows.Count);
        Assert.All(openRows, r => Assert.Equal(open.Truth(r.Key), r.Value));
        output.WriteLine($"Without the audit: {openRows.Count} of {rows.Count} rows reconstructed from {queries.Count} subset sums (rank {open.Solver.Rank}).");
        output.WriteLine($"With the audit: {attacker.Released} released, {attacker.Withheld} withheld, rank {attacker.Solver.Rank}, {attacker.DeterminedRows().Count} rows determined.");
        Assert.Empty(attacker.DeterminedRows());
    }

    [Fact]
    public async Task Dinur_Nissim_on_SENSITIVE_is_stopped_by_the_cap_before_reconstruction()
    {
        // Arrange: the same subset sums of a 0/1 column on a SENSITIVE register with a dataset cap of 1, ε = 0.05 each.
        // Reconstruction needs about n answers with noise o(√n) (Dinur–Nissim); the cap allows 1 / 0.05 = 20 < n = 24.
        var random = new Random(6);
        var rows = SmallCells(23).Take(24).Select(f => f with { Flag = random.Next(2) }).ToList();
        var table = Table.Of(rows, ProtectionGrade.Sensitive, cap: "1", k: K);
        await nodes.PublishAsync("subsets_dp", table);
        var license = await nodes.LicenseAsync(nodes.BankA, "subsets_dp", epsilon: "100");
        var queries = RandomSubsets("subsets_dp", rows, 3 * rows.Count, new Random(7), Q.Sum("flag"));

        // Act: ask until the ledger refuses.
        var answered = new List<(AggregateQuery Query, AggregateResult Result)>();
        ContractRevertedException? refusal = null;
        foreach (var query in queries)
        {
            try
            {
                answered.Add((query, await nodes.RunAsync(nodes.BankA, license, query, "0.05")));
            }
            catch (ContractRevertedException e)
            {
                refusal = e;
                break;
            }
        }

        // Assert: 20 answers, then DatasetCapExceeded with nothing left under the cap.
        Assert.Equal(20, answered.Count);
        Assert.NotNull(refusal);
        Assert.Equal("DatasetCapExceeded", refusal.ErrorName);
        Assert.Equal(50_000L, (long)refusal.Error.Arguments.GetBigInteger("requested"));
        Assert.Equal(0L, (long)refusal.Error.Arguments.GetBigInteger("remaining"));
        Assert.Equal(Epsilon.Parse("1"), await nodes.SpentAsync("subsets_dp"));

        // Even if those 20 answers were exact, 20 equations leave at least 4 of the 24 rows undetermined...
        var exact = new ExactSolver(rows.Count);
        foreach (var (query, _) in answered)
        {
            var members = table.Cells(query)[0].Members;
            exact.Add(members, members.Aggregate(BigInteger.Zero, (s, i) => s + rows[i].Flag));
        }

        Assert.True(rows.Count - exact.DeterminedUnknowns().Count >= rows.Count - answered.Count);

        // ...and each answer's noise is far above the o(√n) the decoder needs.
        var deviation = answered[0].Result.Noise.Measures.Single().StandardDeviation;
        output.WriteLine($"{answered.Count} answers before DatasetCapExceeded; each with noise std {deviation:F1} (√n = {Math.Sqrt(rows.Count):F1}); {exact.DeterminedUnknowns().Count} rows determined even from exact answers.");
        Assert.True(deviation > 5 * Math.Sqrt(rows.Count));
    }

    [Fact]
    public async Task Linear_program_reconstruction_of_bounded_values_determines_no_row()
    {
        // Arrange (Cohen and Nissim 2020, "Linear program reconstruction in practice"): a 0/1 column (AGGREGATE, public
        // bounds 0..1) and exact subset sums over it. An LP decoder solves the released equations with 0 ≤ x_i ≤ 1 and
        // rounds; with 20 rows the attacker can afford the exact integer program instead: every 0/1 assignment
        // consistent with every released figure. A row is determined when all consistent assignments agree on it.
        var random = new Random(8);
        var rows = SmallCells(24).Take(20).Select(f => f with { Flag = random.Next(2) }).ToList();
        var table = Table.Of(rows, ProtectionGrade.Restricted, k: K);
        await nodes.PublishAsync("lp", table);
        await nodes.PublishAsync("lp_open", table.As(ProtectionGrade.Open));
        var license = await nodes.LicenseAsync(nodes.BankA, "lp");
        var queries = RandomSubsets("lp", rows, 3 * rows.Count, new Random(9), Q.Sum("flag"));
        queries.Insert(0, Q.Query("lp", Q.Sum("flag")));

        // Act
        var open = new List<(int[] Members, int Sum)>();
        var released = new List<(int[] Members, int Sum)>();
        foreach (var query in queries)
        {
            var members = table.Cells(query)[0].Members;
            var twin = DifferencingAttackTests.Twin(query, "lp_open");
            open.Add((members, (int)(Released.Units((await nodes.RunOpenAsync(twin)).Rows[0].Cells[0])!.Value / 10_000)));
            var cell = (await nodes.RunAsync(nodes.BankA, license, query)).Rows[0].Cells[0];
            if (!cell.Suppressed)
            {
                released.Add((members, (int)(Released.Units(cell)!.Value / 10_000)));
            }
        }

        // Assert: without the audit every bit is reconstructed; with it, none may be.
        var openBits = ConsistentBits(rows.Count, open);
        Assert.Equal(rows.Count, openBits.Count);
        Assert.All(openBits, b => Assert.Equal(rows[b.Key].Flag, b.Value));
        var bits = ConsistentBits(rows.Count, released);
        Assert.All(bits, b => Assert.Equal(rows[b.Key].Flag, b.Value));
        var linear = new ExactSolver(rows.Count);
        foreach (var (members, sum) in released)
        {
            linear.Add(members, sum);
        }

        output.WriteLine($"Without the audit: {openBits.Count} of {rows.Count} bits. With it: {released.Count} of {queries.Count} sums released (rank {linear.Rank}), " +
            $"{linear.DeterminedUnknowns().Count} rows determined linearly, {bits.Count} determined by the integer program: rows [{string.Join(", ", bits.Keys.Order())}].");
        foreach (var (members, sum) in released)
        {
            output.WriteLine($"  released: SUM(flag) over rows [{string.Join(",", members)}] = {sum}");
        }

        Assert.Empty(linear.DeterminedUnknowns());
        Assert.Empty(bits);
    }

    /// <summary>SUM queries over random subsets of firms, each firm picked with probability 1/2, by an IN list over sizes.</summary>
    private static List<AggregateQuery> RandomSubsets(string dataset, IReadOnlyList<Firm> rows, int count, Random random, Measure measure)
    {
        var queries = new List<AggregateQuery>();
        while (queries.Count < count)
        {
            var picked = rows.Where(_ => random.Next(2) == 0).Select(r => Q.Int(r.Employees)).ToArray();
            if (picked.Length > 0)
            {
                queries.Add(Q.Query(dataset, measure.Clone()).Where("employees", FilterOperator.In, picked));
            }
        }

        return queries;
    }

    /// <summary>
    /// The bits that every 0/1 assignment satisfying all the equations gives the same value (exhaustive: the exact
    /// feasibility set an LP decoder approximates).
    /// </summary>
    private static Dictionary<int, int> ConsistentBits(int n, IReadOnlyList<(int[] Members, int Sum)> equations)
    {
        var masks = equations.Select(e => (Mask: e.Members.Aggregate(0UL, (m, i) => m | (1UL << i)), e.Sum)).ToArray();
        ulong ones = ~0UL, zeros = ~0UL;
        var feasible = 0;
        for (var x = 0UL; x < 1UL << n; x++)
        {
            var ok = true;
            foreach (var (mask, sum) in masks)
            {
                if (BitOperations.PopCount(x & mask) != sum)
                {
                    ok = false;
                    break;
                }
            }

            if (ok)
            {
                feasible++;
                ones &= x;
                zeros &= ~x;
            }
        }

        Assert.True(feasible > 0, "the true assignment satisfies every released figure");
        var bits = new Dictionary<int, int>();
        for (var i = 0; i < n; i++)
        {
            if ((ones >> i & 1) == 1)
            {
                bits[i] = 1;
            }
            else if ((zeros >> i & 1) == 1)
            {
                bits[i] = 0;
            }
        }

        return bits;
    }

    private static Filter F(string column, FilterOperator op, params Value[] values)
    {
        var filter = new Filter { Column = column, Operator = op };
        filter.Values.AddRange(values);
        return filter;
    }
}
