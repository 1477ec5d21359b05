using DataTrust.Core.Catalog;
using DataTrust.Protos.V1;

namespace DataTrust.Node.Tests.Attacks;

/// <summary>
/// Differencing (two answers one row apart), Denning's tracker and nested AVG, against a RESTRICTED register whose
/// exact answers are audited across queries. Each test first runs the attack on an OPEN twin of the same rows (no
/// audit, no suppression: what the attacker would learn without the defence), then on the RESTRICTED dataset.
/// </summary>
[Collection(AttackNodesCollection.Name)]
public sealed class DifferencingAttackTests(AttackNodes nodes)
{
    /// <summary>Ten firms a year, plus one large firm in 2024: the only one with 500 employees or more.</summary>
    private static (List<Firm> Rows, int Target) WithLargeFirm(int seed)
    {
        var rows = Register.Build(10, seed);
        rows.Add(new Firm(Table.Code(900), "D2", "B", 2024, "active", 600, 120, 254_321.17m, 31_000m));
        return (rows, rows.Count - 1);
    }

    [Fact]
    public async Task Differencing_one_row_apart_by_filter_learns_no_exact_value()
    {
        // Arrange: the attacker's two queries differ by one filter that drops exactly the target.
        var (rows, target) = WithLargeFirm(1);
        var table = Table.Of(rows, ProtectionGrade.Restricted);
        await nodes.PublishAsync("diff_filter", table);
        await nodes.PublishAsync("diff_filter_open", table.As(ProtectionGrade.Open));
        var all = Q.Query("diff_filter", Q.Sum("revenue")).Where("year", FilterOperator.Eq, Q.Int(2024));
        var allButOne = all.Clone().Where("employees", FilterOperator.Lt, Q.Int(500));

        // Without the defence: the difference of the two exact answers is the target's revenue.
        var open = new Attacker(table, "revenue");
        foreach (var query in new[] { all, allButOne })
        {
            var twin = Twin(query, "diff_filter_open");
            open.Learn(twin, await nodes.RunOpenAsync(twin));
        }

        Assert.Equal(open.Truth(target), open.DeterminedRows()[target]);

        // With it: the first answer is exact, the second is withheld, and so is every other way to close the gap.
        var license = await nodes.LicenseAsync(nodes.BankA, "diff_filter");
        var attacker = new Attacker(table, "revenue");
        var first = await nodes.RunAsync(nodes.BankA, license, all);
        var second = await nodes.RunAsync(nodes.BankA, license, allButOne);
        attacker.Learn(all, first);
        attacker.Learn(allButOne, second);
        foreach (var closing in new[]
        {
            all.Clone().Where("employees", FilterOperator.Ge, Q.Int(500)),
            Q.Query("diff_filter", Q.Sum("revenue")).Where("employees", FilterOperator.Ge, Q.Int(500)),
            Q.Query("diff_filter", Q.Sum("revenue")).Where("employees", FilterOperator.Lt, Q.Int(500)),
            Q.Query("diff_filter", Q.Sum("revenue")).Where("year", FilterOperator.Ne, Q.Int(2024)),
        })
        {
            attacker.Learn(closing, await nodes.RunAsync(nodes.BankA, license, closing));
        }

        Assert.False(first.Rows[0].Cells[0].Suppressed);
        Assert.Equal(Released.Units(first.Rows[0].Cells[0]), rows.Where(r => r.Year == 2024).Aggregate(System.Numerics.BigInteger.Zero, (s, r) => s + r.Units("revenue")));
        Assert.True(second.Rows[0].Cells[0].Suppressed);
        Assert.Equal(SuppressionRule.Withheld, second.Rows[0].Cells[0].SuppressedBy);
        Assert.Empty(attacker.DeterminedRows());
    }

    [Fact]
    public async Task Differencing_one_row_apart_by_IN_list_learns_no_exact_value()
    {
        // Arrange: district D4 holds a single firm; the IN list drops that one value.
        var rows = Register.Build(10, 2).Where(r => r.District != "D4").ToList();
        rows.Add(new Firm(Table.Code(901), "D4", "C", 2024, "active", 480, 90, 187_654.32m));
        var target = rows.Count - 1;
        var table = Table.Of(rows, ProtectionGrade.Restricted);
        await nodes.PublishAsync("diff_in", table);
        await nodes.PublishAsync("diff_in_open", table.As(ProtectionGrade.Open));
        var withTarget = Q.Query("diff_in", Q.Sum("revenue")).Where("district", FilterOperator.In, Q.Str("D1"), Q.Str("D3"), Q.Str("D4"));
        var withoutTarget = Q.Query("diff_in", Q.Sum("revenue")).Where("district", FilterOperator.In, Q.Str("D1"), Q.Str("D3"));

        // Without the defence.
        var open = new Attacker(table, "revenue");
        foreach (var query in new[] { withTarget, withoutTarget })
        {
            var twin = Twin(query, "diff_in_open");
            open.Learn(twin, await nodes.RunOpenAsync(twin));
        }

        Assert.Equal(open.Truth(target), open.DeterminedRows()[target]);

        // With it, in the order that releases the larger list first.
        var license = await nodes.LicenseAsync(nodes.BankA, "diff_in");
        var attacker = new Attacker(table, "revenue");
        var first = await nodes.RunAsync(nodes.BankA, license, withTarget);
        var second = await nodes.RunAsync(nodes.BankA, license, withoutTarget);
        attacker.Learn(withTarget, first);
        attacker.Learn(withoutTarget, second);
        var byDistrict = Q.Query("diff_in", Q.Sum("revenue")).GroupBy("district");
        attacker.Learn(byDistrict, await nodes.RunAsync(nodes.BankA, license, byDistrict));

        Assert.False(first.Rows[0].Cells[0].Suppressed);
        Assert.True(second.Rows[0].Cells[0].Suppressed);
        Assert.Empty(attacker.DeterminedRows());
    }

    [Fact]
    public async Task Tracker_padding_isolates_no_row()
    {
        // Arrange (Denning, Denning and Schwartz 1979): the target is the only revoked firm of 2024. The tracker pads
        // the small set "2024 and revoked" with its complement inside 2024, so every query the attacker asks is large:
        // q(2024 ∧ revoked) = q(2024) − q(2024 ∧ status <> revoked), or padded with the other statuses by an IN list.
        var rows = Register.Build(10, 3);
        rows.Add(new Firm(Table.Code(902), "D1", "A", 2024, "revoked", 250, 70, 143_210.55m));
        var target = rows.Count - 1;
        var table = Table.Of(rows, ProtectionGrade.Restricted);
        await nodes.PublishAsync("tracker", table);
        await nodes.PublishAsync("tracker_open", table.As(ProtectionGrade.Open));
        var year = Q.Query("tracker", Q.Sum("revenue")).Where("year", FilterOperator.Eq, Q.Int(2024));
        var padded = year.Clone().Where("status", FilterOperator.Ne, Q.Str("revoked"));
        var paddedByList = year.Clone().Where("status", FilterOperator.In, Q.Str("active"), Q.Str("deregistered"));
        var general = Q.Query("tracker", Q.Sum("revenue")).Where("status", FilterOperator.Ne, Q.Str("revoked"));
        var everything = Q.Query("tracker", Q.Sum("revenue"));
        var otherYears = Q.Query("tracker", Q.Sum("revenue")).Where("year", FilterOperator.Ne, Q.Int(2024));
        AggregateQuery[] tracker = [everything, year, padded, paddedByList, general, otherYears];

        // Without the defence: q(2024) − q(2024 ∧ ¬revoked) is the target's revenue.
        var open = new Attacker(table, "revenue");
        foreach (var query in tracker)
        {
            var twin = Twin(query, "tracker_open");
            open.Learn(twin, await nodes.RunOpenAsync(twin));
        }

        Assert.Equal(open.Truth(target), open.DeterminedRows()[target]);

        // With it: the audit judges each padded query against everything released before, not by its own size.
        var license = await nodes.LicenseAsync(nodes.BankA, "tracker");
        var attacker = new Attacker(table, "revenue");
        var results = new List<AggregateResult>();
        foreach (var query in tracker)
        {
            var result = await nodes.RunAsync(nodes.BankA, license, query);
            results.Add(result);
            attacker.Learn(query, result);
        }

        Assert.False(results[1].Rows[0].Cells[0].Suppressed); // q(2024) is released
        Assert.True(results[2].Rows[0].Cells[0].Suppressed); // its padded complement is not
        Assert.True(results[3].Rows[0].Cells[0].Suppressed);
        Assert.Empty(attacker.DeterminedRows());
    }

    [Fact]
    public async Task Nested_AVG_recovers_no_small_atom()
    {
        // Arrange: 13 firms in 2024, the target the only one with 500 employees or more; the attacker knows the counts
        // (13 and 12) and computes 13·AVG(all) − 12·AVG(all but the target).
        var rows = Register.Build(12, 4);
        rows.Add(new Firm(Table.Code(903), "D3", "C", 2024, "active", 700, 130, 222_222.22m));
        var target = rows.Count - 1;
        var table = Table.Of(rows, ProtectionGrade.Restricted);
        await nodes.PublishAsync("nested_avg", table);
        await nodes.PublishAsync("nested_avg_open", table.As(ProtectionGrade.Open));
        var thirteen = Q.Query("nested_avg", Q.Avg("revenue"), Q.Count()).Where("year", FilterOperator.Eq, Q.Int(2024));
        var twelve = thirteen.Clone().Where("employees", FilterOperator.Lt, Q.Int(500));
        var avgOnly = Q.Query("nested_avg", Q.Avg("revenue")).Where("year", FilterOperator.Eq, Q.Int(2024)).Where("employees", FilterOperator.Le, Q.Int(490));

        // Without the defence.
        var a13 = (await nodes.RunOpenAsync(Twin(thirteen, "nested_avg_open"))).Rows[0].Cells;
        var a12 = (await nodes.RunOpenAsync(Twin(twelve, "nested_avg_open"))).Rows[0].Cells;
        Assert.Equal((13L, 12L), (a13[1].Value.IntValue, a12[1].Value.IntValue));
        var recovered = Math.Round(((decimal)a13[0].Value.DoubleValue * 13) - ((decimal)a12[0].Value.DoubleValue * 12), 2);
        Assert.Equal(rows[target].Revenue, recovered);

        // With it: AVG is audited as its sum and its count, one cell.
        var license = await nodes.LicenseAsync(nodes.BankA, "nested_avg");
        var attacker = new Attacker(table, "revenue");
        foreach (var query in new[] { thirteen, twelve, avgOnly })
        {
            var result = await nodes.RunAsync(nodes.BankA, license, query);
            attacker.Learn(query, result);
            if (query == thirteen)
            {
                Assert.False(result.Rows[0].Cells[0].Suppressed);
            }
            else
            {
                Assert.All(result.Rows[0].Cells, c => Assert.True(c.Suppressed));
            }
        }

        Assert.Empty(attacker.DeterminedRows());
    }

    [Fact]
    public async Task Differencing_two_rows_apart_learns_no_small_cell_total()
    {
        // Arrange: two revoked firms in 2024, one small (20 employees) and one large (260). Asked directly, the cell
        // "2024 and revoked" has 2 < k rows. The attacker first asks an innocuous size threshold that puts the two firms
        // in different atoms, then differences 2024 against 2024-and-active.
        var rows = Register.Build(10, 5);
        rows.Add(new Firm(Table.Code(904), "D1", "A", 2024, "revoked", 20, 60, 123_456.78m));
        rows.Add(new Firm(Table.Code(905), "D2", "B", 2024, "revoked", 260, 140, 234_567.89m));
        int[] pair = [rows.Count - 2, rows.Count - 1];
        var table = Table.Of(rows, ProtectionGrade.Restricted);
        await nodes.PublishAsync("diff_pair", table);
        var small = Q.Query("diff_pair", Q.Sum("revenue")).Where("year", FilterOperator.Eq, Q.Int(2024)).Where("status", FilterOperator.Eq, Q.Str("revoked"));
        AggregateQuery[] sequence =
        [
            Q.Query("diff_pair", Q.Sum("revenue")).Where("employees", FilterOperator.Lt, Q.Int(100)),
            Q.Query("diff_pair", Q.Sum("revenue")).Where("year", FilterOperator.Eq, Q.Int(2024)),
            Q.Query("diff_pair", Q.Sum("revenue")).Where("year", FilterOperator.Eq, Q.Int(2024)).Where("status", FilterOperator.Eq, Q.Str("active")),
        ];
        var license = await nodes.LicenseAsync(nodes.BankA, "diff_pair");
        var attacker = new Attacker(table, "revenue");

        // Act: the node itself judges the two-firm cell too small to release...
        var direct = await nodes.RunAsync(nodes.BankA, license, small);
        Assert.True(direct.Rows[0].Cells[0].Suppressed);
        foreach (var query in sequence)
        {
            attacker.Learn(query, await nodes.RunAsync(nodes.BankA, license, query));
        }

        // Assert: ...so no combination of its answers may give that cell's total (with it, either firm's own revenue
        // gives the other's exactly).
        var truth = rows[pair[0]].Units("revenue") + rows[pair[1]].Units("revenue");
        var leaked = attacker.Solver.ValueOf(pair);
        Assert.True(leaked is null, $"FINDING: the total of the 2-firm cell (k = 3) is determined: {leaked} (true {truth}) =\n{attacker.Solver.Explain(pair)}");
    }

    /// <summary>The same query on another dataset id.</summary>
    internal static AggregateQuery Twin(AggregateQuery query, string datasetId)
    {
        var twin = query.Clone();
        twin.DatasetId = datasetId;
        return twin;
    }
}
