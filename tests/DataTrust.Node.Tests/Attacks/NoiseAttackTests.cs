using System.Globalization;
using System.Numerics;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Node.Query;
using DataTrust.Protos.V1;
using Xunit.Abstractions;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Node.Tests.Attacks;

/// <summary>
/// Attacks on the budget and on the noise: colluding licensees pooling answers and budgets, averaging repeated noisy
/// answers, asking for exact answers once the budget is gone, reading the true value off the low bits of
/// floating-point noise (Mironov 2012), and exploiting noise tied to the query (Gadotti et al. 2019). Chain-backed: the
/// ledger's decoded refusals are part of what the attacker sees.
/// </summary>
[Collection(AttackNodesCollection.Name)]
public sealed class NoiseAttackTests(AttackNodes nodes, ITestOutputHelper output)
{
    private static (List<Firm> Rows, int Target) WithLargeFirm(int seed)
    {
        var rows = Register.Build(10, seed);
        rows.Add(new Firm(Table.Code(930), "D3", "A", 2024, "active", 650, 125, 265_432.10m));
        return (rows, rows.Count - 1);
    }

    private static AggregateQuery Year2024(string dataset) => Q.Query(dataset, Q.Sum("revenue")).Where("year", FilterOperator.Eq, Q.Int(2024));

    private static AggregateQuery Year2024ButLarge(string dataset) => Year2024(dataset).Where("employees", FilterOperator.Lt, Q.Int(500));

    [Fact]
    public async Task Colluding_licensees_share_one_audit()
    {
        // Arrange: Bank A asks the first half of a differencing pair, Bank B the second, and they pool the answers.
        var (rows, target) = WithLargeFirm(41);
        var table = Table.Of(rows, ProtectionGrade.Restricted);
        await nodes.PublishAsync("collude", table);
        await nodes.PublishAsync("collude_fresh", table);
        var licenseA = await nodes.LicenseAsync(nodes.BankA, "collude");
        var licenseB = await nodes.LicenseAsync(nodes.BankB, "collude");
        var freshB = await nodes.LicenseAsync(nodes.BankB, "collude_fresh");

        // Act
        var first = await nodes.RunAsync(nodes.BankA, licenseA, Year2024("collude"));
        var second = await nodes.RunAsync(nodes.BankB, licenseB, Year2024ButLarge("collude"));

        // Without the defence: were the audit kept per licensee, B's query would meet a state in which B had asked
        // nothing, as it does on a copy of the same rows that no one has queried; A's answer minus it is the target.
        var perLicensee = await nodes.RunAsync(nodes.BankB, freshB, Year2024ButLarge("collude_fresh"));
        Assert.False(perLicensee.Rows[0].Cells[0].Suppressed);
        Assert.Equal(rows[target].Units("revenue"), Released.Units(first.Rows[0].Cells[0])!.Value - Released.Units(perLicensee.Rows[0].Cells[0])!.Value);

        // With it: one audit state per dataset, whoever asks.
        Assert.False(first.Rows[0].Cells[0].Suppressed);
        Assert.True(second.Rows[0].Cells[0].Suppressed);
        var pooled = new Attacker(table, "revenue");
        pooled.Learn(Year2024("collude"), first);
        pooled.Learn(Year2024ButLarge("collude"), second);
        Assert.Empty(pooled.DeterminedRows());
    }

    [Fact]
    public async Task Colluding_licensees_share_one_epsilon_cap()
    {
        // Arrange: a SENSITIVE register with a dataset cap of 1.0, and two licenses of 1.0 each: without the shared cap
        // the pair could spend 2.0 on the same rows.
        var table = Table.Of(Register.Build(10, 42), ProtectionGrade.Sensitive, cap: "1");
        await nodes.PublishAsync("collude_dp", table);
        var licenseA = await nodes.LicenseAsync(nodes.BankA, "collude_dp", epsilon: "1");
        var licenseB = await nodes.LicenseAsync(nodes.BankB, "collude_dp", epsilon: "1");
        var query = Q.Query("collude_dp", Q.Count()).Where("district", FilterOperator.Eq, Q.Str("D1"));

        // Act
        await nodes.RunAsync(nodes.BankA, licenseA, query, "0.6");
        var tooMuch = await Assert.ThrowsAsync<ContractRevertedException>(() => nodes.RunAsync(nodes.BankB, licenseB, query, "0.5"));
        await nodes.RunAsync(nodes.BankB, licenseB, query, "0.4");
        var exhausted = await Assert.ThrowsAsync<ContractRevertedException>(() => nodes.RunAsync(nodes.BankA, licenseA, query, "0.1"));

        // Assert: the second licensee meets what the first spent; both stop at the cap with budget left on their licenses.
        Assert.Equal("DatasetCapExceeded", tooMuch.ErrorName);
        Assert.Equal(DatasetIds.OnChainId("collude_dp"), tooMuch.Error.Arguments.GetHash32("datasetId"));
        Assert.Equal(500_000L, (long)tooMuch.Error.Arguments.GetBigInteger("requested"));
        Assert.Equal(400_000L, (long)tooMuch.Error.Arguments.GetBigInteger("remaining"));
        Assert.Equal("DatasetCapExceeded", exhausted.ErrorName);
        Assert.Equal(0L, (long)exhausted.Error.Arguments.GetBigInteger("remaining"));
        Assert.Equal(Epsilon.Parse("1"), await nodes.SpentAsync("collude_dp"));
        Assert.Equal(Epsilon.Parse("0.4"), (await nodes.Authority.Licenses.GetLicenseAsync(licenseA)).EpsilonRemaining);
        Assert.Equal(Epsilon.Parse("0.6"), (await nodes.Authority.Licenses.GetLicenseAsync(licenseB)).EpsilonRemaining);
    }

    [Fact]
    public async Task Averaging_noisy_answers_is_bounded_by_the_dataset_cap()
    {
        // Arrange: the same noisy COUNT asked again and again, ε = 0.1 each, on a dataset whose cap is E = 1.0; the
        // license alone (ε 100) would allow 1,000 repeats.
        var rows = Register.Build(10, 43);
        var table = Table.Of(rows, ProtectionGrade.Sensitive, cap: "1");
        await nodes.PublishAsync("averaging", table);
        var license = await nodes.LicenseAsync(nodes.BankA, "averaging", epsilon: "100");
        var query = Q.Query("averaging", Q.Count()).Where("district", FilterOperator.Eq, Q.Str("D1"));
        var truth = rows.Count(r => r.District == "D1");

        // Without the defence: repeats without a cap (the node's own mechanism, in process, 400 times at ε = 1) average
        // to within 0.5 of the truth, and rounding gives the exact count.
        var uncapped = new AggregateExecutor(nodes.Store);
        var mean = Enumerable.Range(0, 400).Average(_ => uncapped.Execute(query, Epsilon.Parse("1")).Result!.Rows[0].Cells[0].Value.IntValue);
        Assert.Equal(truth, (int)Math.Round(mean));

        // With it: ask over the ledger until it refuses.
        var answers = new List<AggregateResult>();
        ContractRevertedException? refusal = null;
        while (refusal is null && answers.Count < 50)
        {
            try
            {
                answers.Add(await nodes.RunAsync(nodes.BankA, license, query, "0.1"));
            }
            catch (ContractRevertedException e)
            {
                refusal = e;
            }
        }

        // Assert: ten answers, then DatasetCapExceeded, decoded. Each answer has noise std σ = √2·(1/0.1) (as the node
        // reports it), so their mean has std σ/√10 ≈ 4.5 — and no split of E = 1 into m queries does better than
        // √2·√m / E ≥ √2 ≈ 1.41: far from the 0.5 that rounding to the exact count needs.
        Assert.Equal(10, answers.Count);
        Assert.NotNull(refusal);
        Assert.Equal("DatasetCapExceeded", refusal.ErrorName);
        Assert.Equal(100_000L, (long)refusal.Error.Arguments.GetBigInteger("requested"));
        Assert.Equal(0L, (long)refusal.Error.Arguments.GetBigInteger("remaining"));
        var sigma = answers[0].Noise.Measures.Single().StandardDeviation;
        var sigmaOfMean = sigma / Math.Sqrt(answers.Count);
        output.WriteLine($"true count {truth}; {answers.Count} answers, mean {answers.Average(a => a.Rows[0].Cells[0].Value.IntValue):F2}; σ per answer {sigma:F2}, σ of the mean {sigmaOfMean:F2} (bound √2 = {Math.Sqrt(2):F2}); uncapped mean of 400 {mean:F3}.");
        Assert.InRange(sigma, 14.0, 14.2);
        Assert.True(sigmaOfMean >= 4.0);
        Assert.True(sigmaOfMean >= Math.Sqrt(2));
        Assert.All(answers, a => Assert.Equal(100_000UL, a.Noise.EpsilonMicros));
    }

    [Fact]
    public async Task Exact_answer_after_the_budget_is_refused_on_SENSITIVE()
    {
        // Arrange: a license of ε 0.2 on a SENSITIVE register, spent in two queries.
        var (rows, _) = WithLargeFirm(44);
        var table = Table.Of(rows, ProtectionGrade.Sensitive, cap: "10");
        await nodes.PublishAsync("budget_s", table);
        await nodes.PublishAsync("budget_s_open", table.As(ProtectionGrade.Open));
        var license = await nodes.LicenseAsync(nodes.BankA, "budget_s", epsilon: "0.2");
        var query = Year2024("budget_s");

        // Without the defence: an exact answer is the exact total (as the OPEN twin gives it).
        var open = await nodes.RunOpenAsync(DifferencingAttackTests.Twin(query, "budget_s_open"));
        Assert.Equal(rows.Where(r => r.Year == 2024).Aggregate(BigInteger.Zero, (s, r) => s + r.Units("revenue")), Released.Units(open.Rows[0].Cells[0]));

        // Act
        await nodes.RunAsync(nodes.BankA, license, query, "0.1");
        await nodes.RunAsync(nodes.BankA, license, query, "0.1");
        var overBudget = await Assert.ThrowsAsync<ContractRevertedException>(() => nodes.RunAsync(nodes.BankA, license, query, "0.1"));
        var exact = await Assert.ThrowsAsync<ContractRevertedException>(() => nodes.RunAsync(nodes.BankA, license, query, "0"));
        var explained = await nodes.ExplainAsync(query);

        // Assert: the ledger itself refuses ε = 0 on a SENSITIVE dataset, and so does the node.
        Assert.Equal("BudgetExceeded", overBudget.ErrorName);
        Assert.Equal("ExactAnswerRefused", exact.ErrorName);
        Assert.Equal(DatasetIds.OnChainId("budget_s"), exact.Error.Arguments.GetHash32("datasetId"));
        Assert.False(explained.Allowed);
        Assert.Equal(ErrorReason.ExactAnswerRefused, explained.Reason);
    }

    [Fact]
    public async Task Exact_answer_after_the_budget_is_audited_on_RESTRICTED()
    {
        // Arrange: a RESTRICTED register that also answers with noise (cap 1.0); the license's ε 0.2 is spent on noisy
        // versions of a differencing pair, and then the attacker asks the same pair exactly.
        var (rows, target) = WithLargeFirm(45);
        var table = Table.Of(rows, ProtectionGrade.Restricted, cap: "1");
        await nodes.PublishAsync("budget_r", table);
        await nodes.PublishAsync("budget_r_open", table.As(ProtectionGrade.Open));
        var license = await nodes.LicenseAsync(nodes.BankA, "budget_r", epsilon: "0.2");

        // Without the defence: the exact pair gives the target.
        var openFirst = await nodes.RunOpenAsync(Year2024("budget_r_open"));
        var openSecond = await nodes.RunOpenAsync(Year2024ButLarge("budget_r_open"));
        Assert.Equal(rows[target].Units("revenue"), Released.Units(openFirst.Rows[0].Cells[0])!.Value - Released.Units(openSecond.Rows[0].Cells[0])!.Value);

        // Act
        var noisy = await nodes.RunAsync(nodes.BankA, license, Year2024("budget_r"), "0.1");
        await nodes.RunAsync(nodes.BankA, license, Year2024ButLarge("budget_r"), "0.1");
        var overBudget = await Assert.ThrowsAsync<ContractRevertedException>(() => nodes.RunAsync(nodes.BankA, license, Year2024("budget_r"), "0.1"));
        var first = await nodes.RunAsync(nodes.BankA, license, Year2024("budget_r"));
        var second = await nodes.RunAsync(nodes.BankA, license, Year2024ButLarge("budget_r"));

        // Assert: exact answers are still allowed once the budget is gone, and still audited.
        Assert.Equal("BudgetExceeded", overBudget.ErrorName);
        Assert.Equal(NoiseMechanism.DiscreteLaplace, noisy.Noise.Mechanism);
        Assert.Equal(NoiseMechanism.None, first.Noise.Mechanism);
        Assert.False(first.Rows[0].Cells[0].Suppressed);
        Assert.True(second.Rows[0].Cells[0].Suppressed);
        var attacker = new Attacker(table, "revenue");
        attacker.Learn(Year2024("budget_r"), first);
        attacker.Learn(Year2024ButLarge("budget_r"), second);
        Assert.Empty(attacker.DeterminedRows());
    }

    [Fact]
    public async Task Floating_point_noise_leaves_no_trace_of_low_bits()
    {
        // Arrange (Mironov 2012): two SENSITIVE datasets whose 10,000 groups hold one value each, 1000 in one and 1001
        // in the other; one noisy SUM per group at ε = 0.5 (scale b = 1001 / 0.5 = 2002).
        string[] domain = [.. Enumerable.Range(0, 100).Select(i => i.ToString("D2", CultureInfo.InvariantCulture))];
        var schema = new DatasetSchema([new ColumnDefinition("g1", ColumnType.Text), new ColumnDefinition("g2", ColumnType.Text), new ColumnDefinition("amount", ColumnType.Decimal)]);
        var policy = new DatasetPolicy(3, new DominanceRule(1, 85), ProtectionGrade.Sensitive, ComputationKindSet.Aggregate, [
            new ColumnPolicy("g1", ColumnPermissions.GroupBy, Domain: domain),
            new ColumnPolicy("g2", ColumnPermissions.GroupBy, Domain: domain),
            new ColumnPolicy("amount", ColumnPermissions.Aggregate, 0, 1001),
        ])
        { EpsilonCap = Epsilon.Parse("1") };
        var values = new[] { 1000, 1001 };
        var releases = new List<BigInteger>[2];
        for (var v = 0; v < values.Length; v++)
        {
            var id = $"mironov_{values[v]}";
            var csv = new System.Text.StringBuilder("g1,g2,amount\n");
            foreach (var a in domain)
            {
                foreach (var b in domain)
                {
                    csv.Append(CultureInfo.InvariantCulture, $"{a},{b},{values[v]}\n");
                }
            }

            await nodes.PublishAsync(id, schema, policy, csv.ToString());
            var license = await nodes.LicenseAsync(nodes.BankA, id, epsilon: "1");

            // Act: the released figures as they leave the node, over gRPC.
            var result = await nodes.RunAsync(nodes.BankA, license, Q.Query(id, Q.Sum("amount")).GroupBy("g1", "g2"), "0.5");
            Assert.Equal(10_000, result.Rows.Count);
            releases[v] = [.. result.Rows.Select(r =>
            {
                // Each is an exact decimal on the 10⁻⁴ lattice (never a double), so every one is reachable from either value.
                Assert.Equal(Value.KindOneofCase.DecimalValue, r.Cells[0].Value.KindCase);
                var scaled = decimal.Parse(r.Cells[0].Value.DecimalValue, CultureInfo.InvariantCulture) * 10_000m;
                Assert.Equal(decimal.Truncate(scaled), scaled);
                return new BigInteger(scaled);
            })];
        }

        // Without the defence: textbook Laplace in doubles (x + b·ln(u), u on the 2⁻⁵³ grid) at the same scale. A
        // single output is often unreachable from the other true value: the attacker then knows it with certainty.
        const double scale = 2002;
        var random = new Random(14);
        var unreachable = 0;
        for (var i = 0; i < 10_000; i++)
        {
            var y = FloatingLaplace.Sample(1000, scale, random);
            Assert.True(FloatingLaplace.Reachable(y, 1000, scale));
            unreachable += FloatingLaplace.Reachable(y, 1001, scale) ? 0 : 1;
        }

        output.WriteLine($"Floating-point Laplace: {unreachable} of 10000 outputs from 1000 are impossible from 1001.");
        Assert.True(unreachable > 0);

        // With it: the low bits of the released fixed-point integers follow the same distribution for 1000 and 1001.
        const int residues = 8;
        var counts = releases.Select(list => Enumerable.Range(0, residues).Select(r => list.Count(x => (int)(((x % residues) + residues) % residues) == r) / (double)list.Count).ToArray()).ToArray();
        var tolerance = 5 * Math.Sqrt(2 * 0.125 * 0.875 / 10_000);
        for (var r = 0; r < residues; r++)
        {
            Assert.InRange(counts[0][r], 0.125 - tolerance, 0.125 + tolerance);
            Assert.InRange(counts[0][r] - counts[1][r], -tolerance, tolerance);
        }
    }

    [Fact]
    public async Task Diffix_noise_exploitation_by_near_identical_queries_is_bounded_by_the_cap()
    {
        // Arrange (Gadotti, Houssiau, Rocher, Livshits and de Montjoye 2019): against sticky noise (seeded by the query's
        // conditions) the attacker asks pairs of queries that differ only by excluding the target, each pair padded with
        // a different vacuous condition, so that the pairs' noise differences average out while the target's 1 stays.
        // The target is the only revoked firm of 2024.
        var rows = Register.Build(10, 46);
        rows.Add(new Firm(Table.Code(931), "D2", "C", 2024, "revoked", 270, 85, 199_999.99m));
        var table = Table.Of(rows, ProtectionGrade.Sensitive, cap: "1");
        await nodes.PublishAsync("diffix", table);
        var license = await nodes.LicenseAsync(nodes.BankA, "diffix", epsilon: "100");
        var year = Q.Query("diffix", Q.Count()).Where("year", FilterOperator.Eq, Q.Int(2024));
        Filter[] vacuous =
        [
            F("employees", FilterOperator.Ge, Q.Int(0)),
            F("employees", FilterOperator.Lt, Q.Int(10_000)),
            F("industry", FilterOperator.In, Q.Str("A"), Q.Str("B"), Q.Str("C")),
            F("district", FilterOperator.In, Q.Str("D1"), Q.Str("D2"), Q.Str("D3"), Q.Str("D4")),
            F("status", FilterOperator.In, Q.Str("active"), Q.Str("revoked"), Q.Str("deregistered")),
            F("employees", FilterOperator.Between, Q.Int(0), Q.Int(5_000)),
        ];
        AggregateQuery Pair(int i, bool withTarget)
        {
            var query = year.Clone();
            query.Filters.Add(vacuous[i % vacuous.Length].Clone());
            return withTarget ? query : query.Where("status", FilterOperator.Ne, Q.Str("revoked"));
        }

        // Without the defence: with no cap, the differences of pairs average to the target's 1 (the node's own
        // mechanism, in process, 400 pairs at ε = 1 each).
        var uncapped = new AggregateExecutor(nodes.Store);
        var signal = Enumerable.Range(0, 400).Average(i =>
            uncapped.Execute(Pair(i, true), Epsilon.Parse("1")).Result!.Rows[0].Cells[0].Value.IntValue
            - uncapped.Execute(Pair(i, false), Epsilon.Parse("1")).Result!.Rows[0].Cells[0].Value.IntValue);
        Assert.InRange(signal, 0.5, 1.5);

        // Act: the same attack over the ledger, ε = 0.05 a query.
        var differences = new List<long>();
        ContractRevertedException? refusal = null;
        AggregateResult? sample = null;
        for (var i = 0; refusal is null && i < 100; i++)
        {
            try
            {
                var with = await nodes.RunAsync(nodes.BankA, license, Pair(i, true), "0.05");
                var without = await nodes.RunAsync(nodes.BankA, license, Pair(i, false), "0.05");
                sample = with;
                differences.Add(with.Rows[0].Cells[0].Value.IntValue - without.Rows[0].Cells[0].Value.IntValue);
            }
            catch (ContractRevertedException e)
            {
                refusal = e;
            }
        }

        // Assert: no sticky noise to exploit (the same query twice gets fresh noise), and the cap stops the attack after
        // 10 pairs, when the mean difference still has std √2·σ/√10 ≈ 12.6 around the target's 1.
        Assert.NotNull(refusal);
        Assert.Equal("DatasetCapExceeded", refusal.ErrorName);
        Assert.Equal(10, differences.Count);
        var sigma = sample!.Noise.Measures.Single().StandardDeviation;
        var sigmaOfMean = Math.Sqrt(2) * sigma / Math.Sqrt(differences.Count);
        output.WriteLine($"{differences.Count} pairs before DatasetCapExceeded; mean difference {differences.Average():F2} with std {sigmaOfMean:F1}; uncapped mean of 400 pairs {signal:F3}.");
        Assert.True(sigmaOfMean > 10);
        var fresh = new AggregateExecutor(nodes.Store);
        var twice = Q.Query("diffix", Q.Sum("revenue")).Where("year", FilterOperator.Eq, Q.Int(2024));
        Assert.NotEqual(
            fresh.Execute(twice, Epsilon.Parse("0.5")).Result!.Rows[0].Cells[0].Value.DecimalValue,
            fresh.Execute(twice, Epsilon.Parse("0.5")).Result!.Rows[0].Cells[0].Value.DecimalValue);
    }

    private static Filter F(string column, FilterOperator op, params Value[] values)
    {
        var filter = new Filter { Column = column, Operator = op };
        filter.Values.AddRange(values);
        return filter;
    }
}

/// <summary>Textbook Laplace noise in doubles, and Mironov's test of whether an output can come from a true value.</summary>
internal static class FloatingLaplace
{
    private const double Grid = 9007199254740992.0; // 2⁵³

    /// <summary>x ± b·(−ln u) with u = k·2⁻⁵³, k uniform in 1..2⁵³: how a textbook implementation samples.</summary>
    public static double Sample(double x, double b, Random random)
    {
        var k = 1 + random.NextInt64(1L << 53);
        return random.Next(2) == 0 ? Plus(x, b, k) : Minus(x, b, k);
    }

    /// <summary>True when some k gives exactly <paramref name="y"/> from <paramref name="x"/> (binary search: both maps are monotone in k).</summary>
    public static bool Reachable(double y, double x, double b) =>
        Search(k => Plus(x, b, k), y, decreasing: true) || Search(k => Minus(x, b, k), y, decreasing: false);

    private static double Plus(double x, double b, long k) => x + (-b * Math.Log(k / Grid));

    private static double Minus(double x, double b, long k) => x - (-b * Math.Log(k / Grid));

    private static bool Search(Func<long, double> f, double y, bool decreasing)
    {
        // The smallest k whose output is at or past y, in the map's direction; y is reachable when that output is y.
        long low = 1, high = 1L << 53;
        bool Past(long k) => decreasing ? f(k) <= y : f(k) >= y;
        if (!Past(high))
        {
            return false;
        }

        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (Past(middle))
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return f(low) == y;
    }
}
