using DataTrust.Core.Catalog;
using DataTrust.Protos.V1;
using Grpc.Core;

namespace DataTrust.Node.Tests.Attacks;

/// <summary>
/// Attacks that read a value or a bit off the shape of an answer rather than its figures: MIN/MAX returning the top
/// contributor, suppression flags as a threshold oracle, and group keys that exist only because a row does.
/// </summary>
[Collection(AttackNodesCollection.Name)]
public sealed class DisclosureAttackTests(AttackNodes nodes)
{
    [Fact]
    public async Task Min_max_returns_no_top_contributor_unless_declared_not_disclosive()
    {
        // Arrange: MAX(revenue) in one district is the revenue of its largest firm.
        var rows = Register.Build(10, 11);
        var table = Table.Of(rows, ProtectionGrade.Restricted);
        await nodes.PublishAsync("minmax", table);
        await nodes.PublishAsync("minmax_open", table.As(ProtectionGrade.Open));
        await nodes.PublishAsync("minmax_sensitive", table.As(ProtectionGrade.Sensitive, cap: "1"));
        var top = rows.Where(r => r.District == "D1").MaxBy(r => r.Revenue)!;
        var maxRevenue = Q.Query("minmax", Q.Max("revenue")).Where("district", FilterOperator.Eq, Q.Str("D1"));
        var maxHeadcount = Q.Query("minmax", Q.Max("headcount"), Q.Min("headcount")).Where("district", FilterOperator.Eq, Q.Str("D1"));

        // Without the defence: the OPEN twin returns the top contributor's exact revenue.
        var open = await nodes.RunOpenAsync(DifferencingAttackTests.Twin(maxRevenue, "minmax_open"));
        Assert.Equal(top.Revenue, Released.Decimal(open.Rows[0].Cells[0]));

        // With it: MAX on a money column is refused before any row is read...
        var license = await nodes.LicenseAsync(nodes.BankA, "minmax");
        var refused = await Assert.ThrowsAsync<RpcException>(() => nodes.RunAsync(nodes.BankA, license, maxRevenue));
        Assert.Equal("ERROR_REASON_MEASURE_NOT_PRIVATE", AttackNodes.ReasonOf(refused));

        // ...and where it is answered, the column is one the operator declared not disclosive, on chain.
        var exact = await nodes.RunAsync(nodes.BankA, license, maxHeadcount);
        var columns = (await nodes.Authority.Catalog.GetDatasetAsync(DatasetIds.OnChainId("minmax"))).Spec.Columns;
        Assert.True(columns.Single(c => c.Name == "headcount").Permissions.HasFlag(ColumnPermissions.MinMax));
        Assert.False(columns.Single(c => c.Name == "revenue").Permissions.HasFlag(ColumnPermissions.MinMax));
        Assert.Equal(rows.Where(r => r.District == "D1").Max(r => r.Headcount), exact.Rows[0].Cells[0].Value.IntValue);

        // Under noise, MIN/MAX has no bounded sensitivity and is refused even on a MIN_MAX column.
        var noisyLicense = await nodes.LicenseAsync(nodes.BankA, "minmax_sensitive", epsilon: "1");
        var noisy = await Assert.ThrowsAsync<RpcException>(() =>
            nodes.RunAsync(nodes.BankA, noisyLicense, DifferencingAttackTests.Twin(maxHeadcount, "minmax_sensitive"), "0.1"));
        Assert.Equal("ERROR_REASON_MEASURE_NOT_PRIVATE", AttackNodes.ReasonOf(noisy));
    }

    [Fact]
    public async Task Noisy_histogram_has_no_threshold_oracle()
    {
        // Arrange: two neighbouring registers, with and without the target. Its revenue bin in D4 holds k − 1 = 2 other
        // firms, so the target decides whether the bin reaches k. The attacker walks single-bin histograms over it.
        var rows = Register.Build(10, 12);
        rows.Add(new Firm(Table.Code(910), "D4", "A", 2023, "active", 330, 80, 500_000m));
        rows.Add(new Firm(Table.Code(911), "D4", "B", 2025, "active", 340, 80, 510_000m));
        var neighbour = rows.ToList();
        rows.Add(new Firm(Table.Code(912), "D4", "C", 2024, "active", 350, 80, 520_000m));
        var table = Table.Of(rows, ProtectionGrade.Sensitive, cap: "1");
        await nodes.PublishAsync("oracle", table);
        await nodes.PublishAsync("oracle_n", table.With(neighbour));
        await nodes.PublishAsync("oracle_exact", table.As(ProtectionGrade.Open));
        await nodes.PublishAsync("oracle_exact_n", table.With(neighbour).As(ProtectionGrade.Open));
        AggregateQuery Bin(string dataset, long low, long high) =>
            Q.Query(dataset, Q.Histogram("revenue", Q.Int(low), Q.Int(high))).GroupBy("district");
        (long Low, long High)[] walk = [(450_000, 600_000), (450_000, 515_000), (515_000, 600_000), (505_000, 600_000)];

        // Without the defence: a flag computed from the true count (a bin below k = 3 marked, as the node once did even at
        // ε > 0) tells the neighbours apart. The true counts come from exact answers on OPEN twins.
        static string Flags(AggregateResult r) => string.Join(";", r.Rows.Select(row => string.Join(",", row.Cells[0].Histogram.Bins.Select(b => b.Count is > 0 and < 3 ? "W" : "v"))));
        var exactDiffers = 0;
        foreach (var (low, high) in walk)
        {
            var with = await nodes.RunOpenAsync(Bin("oracle_exact", low, high));
            var without = await nodes.RunOpenAsync(Bin("oracle_exact_n", low, high));
            exactDiffers += Flags(with) == Flags(without) ? 0 : 1;
        }

        Assert.True(exactDiffers > 0, "the flags of exact answers should depend on the target (the oracle the DP path must not have)");

        // With it: at ε > 0 no flag is computed from true data; the groups are the domain, every bin is a noisy count.
        var license = await nodes.LicenseAsync(nodes.BankA, "oracle", epsilon: "1");
        var neighbourLicense = await nodes.LicenseAsync(nodes.BankA, "oracle_n", epsilon: "1");
        foreach (var (low, high) in walk)
        {
            var with = await nodes.RunAsync(nodes.BankA, license, Bin("oracle", low, high), "0.001");
            var without = await nodes.RunAsync(nodes.BankA, neighbourLicense, Bin("oracle_n", low, high), "0.001");

            Assert.Equal(Released.Structure(with), Released.Structure(without));
            Assert.Equal(Table.Districts, with.Rows.Select(Table.KeyOf));
            Assert.Empty(with.Suppressed);
            Assert.All(with.Rows, r => Assert.All(r.Cells[0].Histogram.Bins, b => Assert.False(b.Suppressed)));
            Assert.Equal(with.Noise.Measures.Select(m => (m.Component, m.EpsilonMicros, m.Scale)), without.Noise.Measures.Select(m => (m.Component, m.EpsilonMicros, m.Scale)));
        }
    }

    [Fact]
    public async Task Threshold_walking_off_the_grid_is_refused()
    {
        // Arrange: the target has 437 employees. Walking "employees < t" one unit at a time, the attacker would see the
        // answer change (or a cell become withheld) exactly at t = 438, and so learn the value from the refusals alone.
        var rows = Register.Build(10, 14);
        rows.Add(new Firm(Table.Code(921), "D1", "B", 2024, "active", 437, 100, 200_000m));
        var table = Table.Of(rows, ProtectionGrade.Restricted);
        await nodes.PublishAsync("walk", table);
        await nodes.PublishAsync("walk_open", table.As(ProtectionGrade.Open));
        var license = await nodes.LicenseAsync(nodes.BankA, "walk");
        AggregateQuery Below(string dataset, long t) => Q.Query(dataset, Q.Count()).Where("employees", FilterOperator.Lt, Q.Int(t));

        // Without the defence: on the OPEN twin the walk finds the value.
        long? found = null;
        for (var t = 431L; t <= 440 && found is null; t++)
        {
            var low = (await nodes.RunOpenAsync(Below("walk_open", t))).Rows[0].Cells[0].Value.IntValue;
            var high = (await nodes.RunOpenAsync(Below("walk_open", t + 1))).Rows[0].Cells[0].Value.IntValue;
            found = high > low ? t : null;
        }

        Assert.Equal(437, found);

        // With it: every literal off the public grid (step 10) is refused before any row is read, and so is a text
        // literal outside the column's public domain; only grid steps remain, which put the target in a band of ten.
        for (var t = 431L; t <= 439; t++)
        {
            var refused = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => nodes.RunAsync(nodes.BankA, license, Below("walk", t)));
            Assert.Equal("ERROR_REASON_OFF_GRID", AttackNodes.ReasonOf(refused));
        }

        var outside = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => nodes.RunAsync(nodes.BankA, license,
            Q.Query("walk", Q.Count()).Where("district", FilterOperator.Eq, Q.Str("D1 "))));
        Assert.Equal("ERROR_REASON_OUTSIDE_DOMAIN", AttackNodes.ReasonOf(outside));
        var onGrid = await nodes.RunAsync(nodes.BankA, license, Below("walk", 440));
        Assert.False(onGrid.Rows[0].Cells[0].Suppressed);
    }

    [Fact]
    public async Task Suppressed_group_keys_disclose_no_lone_company()
    {
        // Arrange: the target is the only firm of industry C in district D4; its neighbour register lacks it.
        var rows = Register.Build(10, 13).Where(r => !(r.District == "D4" && r.Industry == "C")).ToList();
        var neighbour = rows.ToList();
        rows.Add(new Firm(Table.Code(920), "D4", "C", 2025, "active", 410, 95, 276_543.21m));
        var target = rows[^1];
        var table = Table.Of(rows, ProtectionGrade.Restricted);
        await nodes.PublishAsync("keys", table);
        await nodes.PublishAsync("keys_n", table.With(neighbour));
        await nodes.PublishAsync("keys_open", table.As(ProtectionGrade.Open));
        await nodes.PublishAsync("keys_open_n", table.With(neighbour).As(ProtectionGrade.Open));
        string[][] groupings = [["district", "industry"], ["district", "industry", "year"], ["industry"], ["district"]];
        AggregateQuery Grouped(string dataset, string[] by) => Q.Query(dataset, Q.Count(), Q.Sum("revenue")).GroupBy(by);

        // Without the defence: groups found in the data name the lone firm's attributes, and its cell is its revenue.
        var open = await nodes.RunOpenAsync(Grouped("keys_open", ["district", "industry", "year"]));
        var openNeighbour = await nodes.RunOpenAsync(Grouped("keys_open_n", ["district", "industry", "year"]));
        var lone = open.Rows.Single(r => Table.KeyOf(r) == "D4|C|2025");
        Assert.DoesNotContain(openNeighbour.Rows, r => Table.KeyOf(r) == "D4|C|2025");
        Assert.Equal((1L, target.Revenue), (lone.Cells[0].Value.IntValue, Released.Decimal(lone.Cells[1])));

        // With it: every key of the public domains appears in both registers; the lone firm's cell and the empty one
        // look the same (withheld), and nothing released on the register with the firm determines its revenue. What is
        // not claimed: that every other cell is withheld alike in both — a denial elsewhere can differ (one bit a cell,
        // as the threat model says).
        var license = await nodes.LicenseAsync(nodes.BankA, "keys");
        var neighbourLicense = await nodes.LicenseAsync(nodes.BankA, "keys_n");
        var attacker = new Attacker(table, "revenue");
        foreach (var by in groupings)
        {
            var with = await nodes.RunAsync(nodes.BankA, license, Grouped("keys", by));
            var without = await nodes.RunAsync(nodes.BankA, neighbourLicense, Grouped("keys_n", by));
            attacker.Learn(Grouped("keys", by), with, measure: 1);

            Assert.Equal(with.Rows.Select(Table.KeyOf), without.Rows.Select(Table.KeyOf));
            Assert.Equal(table.Cells(Grouped("keys", by)).Select(c => c.Key), with.Rows.Select(Table.KeyOf));
            Assert.All(CellsOf(with).Concat(CellsOf(without)).Where(c => c.Suppressed), c => Assert.Equal(SuppressionRule.Withheld, c.SuppressedBy));
            foreach (var (loneCell, emptyCell) in with.Rows.Zip(without.Rows).Where(p => Table.KeyOf(p.First).StartsWith("D4|C", StringComparison.Ordinal)))
            {
                Assert.All(loneCell.Cells.Concat(emptyCell.Cells), c => Assert.True(c.Suppressed));
            }
        }

        Assert.False(attacker.DeterminedRows().ContainsKey(rows.Count - 1));

        static IEnumerable<Cell> CellsOf(AggregateResult r) => r.Rows.SelectMany(row => row.Cells);
    }
}
