using System.Numerics;
using DataTrust.Core.Catalog;
using DataTrust.Client.Homomorphic;
using DataTrust.Node.Tests.Homomorphic;
using DataTrust.Protos.V1;
using Xunit.Abstractions;
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Node.Tests.Attacks;

/// <summary>
/// Homomorphic jobs used as side doors: packed weights that turn one weighted sum into several exact sums, and
/// cross-domain sums whose parts the requester solves for. The node must account every sum the requester can unpack as
/// a released cell of the audit, exactly as a plain SUM.
/// </summary>
[Collection(AttackNodesCollection.Name)]
public sealed class HomomorphicAttackTests(AttackNodes nodes, ITestOutputHelper output) : IDisposable
{
    private const ComputationKindSet HeKinds = ComputationKindSet.Aggregate | ComputationKindSet.HeWeightedAggregate | ComputationKindSet.HeCrossDomainSum;

    /// <summary>The requester's BFV key (N = 8192, 50-bit t): room below t/2 for two sums packed 10⁸ apart.</summary>
    private readonly HeClient client = HeClient.Generate(8192, 50);

    public void Dispose() => client.Dispose();

    /// <summary>
    /// Ten small firms a year (revenue 100–999.99, tax 10–99.99, so a district's sums stay below 10⁶ at two digits),
    /// plus one large firm in 2024 and one in 2025: the only ones with 500 employees or more.
    /// </summary>
    private static (List<Firm> Rows, int Target2024, int Target2025) SmallFigures(int seed)
    {
        var random = new Random(seed);
        var rows = Register.Build(10, seed).Select(f => f with
        {
            Revenue = 100m + (random.Next(90_000) / 100m),
            TaxPaid = 10m + (random.Next(9_000) / 100m),
        }).ToList();
        rows.Add(new Firm(Table.Code(940), "D1", "A", 2024, "active", 800, 140, 654.32m, 65.43m));
        rows.Add(new Firm(Table.Code(941), "D2", "B", 2025, "active", 900, 150, 765.43m, 76.54m));
        return (rows, rows.Count - 2, rows.Count - 1);
    }

    [Fact]
    public async Task HE_packed_weights_are_audited_like_plain_sums()
    {
        // Arrange: weights (1, 10⁸) on (revenue, tax_paid) at two digits: the decrypted weighted sum of each district is
        // 100·S_revenue + 10⁸·100·S_tax, which the requester unpacks into both exact sums.
        var (rows, target, _) = SmallFigures(51);
        var table = Table.Of(rows, ProtectionGrade.Restricted, kinds: HeKinds);
        await nodes.PublishAsync("he_packed", table);
        await nodes.PublishAsync("he_packed_open", table.As(ProtectionGrade.Open));
        var license = await nodes.LicenseAsync(nodes.BankA, "he_packed", kinds: HeKinds);
        var spec = He.Weighted(client, "he_packed", ["revenue", "tax_paid"], [1, 100_000_000], 2, "district");
        spec.Filters.Add(Filter("year", FilterOperator.Eq, Q.Int(2024)));
        var plain = Q.Query("he_packed", Q.Sum("revenue"), Q.Sum("tax_paid")).GroupBy("district")
            .Where("year", FilterOperator.Eq, Q.Int(2024)).Where("employees", FilterOperator.Lt, Q.Int(500));

        // Act: one weighted aggregate, unpacked; then the plain query one firm apart from it.
        var job = new JobSpec { Kind = Protos.V1.ComputationKind.HeWeightedAggregate, HeWeightedAggregate = spec };
        var weighted = (await nodes.StreamAsync(nodes.BankA, license, ComputationKind.HeWeightedAggregate, job)).HeWeightedAggregate;
        var groups = client.Decrypt(weighted);
        var unpacked = groups.ToDictionary(
            g => Table.Text(g.Keys[0]),
            g => g.WeightedSum is { } w ? (Revenue: (w % 100_000_000) / 100m, Tax: (w / 100_000_000) / 100m) : ((decimal Revenue, decimal Tax)?)null);
        var followUp = await nodes.RunAsync(nodes.BankA, license, plain);

        // Assert: the one ciphertext does carry two exact sums per district (what the licensee learns)...
        var district = rows[target].District;
        foreach (var d in Table.Districts)
        {
            var inGroup = rows.Where(r => r.Year == 2024 && r.District == d).ToList();
            if (unpacked[d] is { } sums)
            {
                Assert.Equal((inGroup.Sum(r => r.Revenue), inGroup.Sum(r => r.TaxPaid)), sums);
            }
        }

        Assert.NotNull(unpacked[district]);

        // ...without the defence, the plain query one firm apart then gives the target's two figures...
        var open = await nodes.RunOpenAsync(DifferencingAttackTests.Twin(plain, "he_packed_open"));
        var openRow = open.Rows.Single(r => Table.KeyOf(r) == district);
        Assert.Equal(
            (rows[target].Revenue, rows[target].TaxPaid),
            (unpacked[district]!.Value.Revenue - Released.Decimal(openRow.Cells[0]), unpacked[district]!.Value.Tax - Released.Decimal(openRow.Cells[1])));

        // ...with it, the node counted each per-feature per-group sum as released, so that follow-up is withheld.
        var row = followUp.Rows.Single(r => Table.KeyOf(r) == district);
        Assert.All(row.Cells, c => Assert.True(c.Suppressed));
        var attacker = new Attacker(table, "revenue");
        foreach (var g in groups.Where(g => g.WeightedSum is not null))
        {
            var members = table.Cells(Q.Query("he_packed", Q.Sum("revenue")).GroupBy("district").Where("year", FilterOperator.Eq, Q.Int(2024)))
                .Single(c => c.Key == Table.Text(g.Keys[0])).Members;
            attacker.Solver.Add(members, new BigInteger(unpacked[Table.Text(g.Keys[0])]!.Value.Revenue * 10_000m));
        }

        attacker.Learn(plain, followUp);
        Assert.Empty(attacker.DeterminedRows());
    }

    [Fact]
    public async Task Cross_domain_subtotal_recovery_is_audited_on_its_own_dataset()
    {
        // Arrange: three RESTRICTED datasets A, B and C on their own catalog entries. Every cross-domain sum reveals
        // only the sum of its parts, but three sums over the pairs solve each subtotal: A = (AB + AC − BC) / 2.
        var (rows, _, target2025) = SmallFigures(52);
        var a = Table.Of(rows, ProtectionGrade.Restricted, kinds: HeKinds);
        var b = Table.Of(SmallFigures(53).Rows, ProtectionGrade.Restricted, kinds: HeKinds);
        var c = Table.Of(SmallFigures(54).Rows, ProtectionGrade.Restricted, kinds: HeKinds);
        await nodes.PublishAsync("cross_a", a);
        await nodes.PublishAsync("cross_a_fresh", a);
        await nodes.PublishAsync("cross_b", b);
        await nodes.PublishAsync("cross_c", c);
        var licenses = new Dictionary<string, ulong>();
        foreach (var id in new[] { "cross_a", "cross_a_fresh", "cross_b", "cross_c" })
        {
            licenses[id] = await nodes.LicenseAsync(nodes.BankA, id, kinds: HeKinds);
        }

        AggregateQuery Sum(string dataset) => Q.Query(dataset, Q.Sum("revenue"));
        async Task<decimal?> SolveAsync(AggregateQuery part)
        {
            var ab = await CrossSumAsync(licenses, part, Sum("cross_b"));
            var bc = await CrossSumAsync(licenses, Sum("cross_b"), Sum("cross_c"));
            var ac = await CrossSumAsync(licenses, part, Sum("cross_c"));
            Assert.NotNull(bc);
            return ab is { } x && ac is { } z ? (x + z - bc.Value) / 2 : null;
        }

        var year2025 = Sum("cross_a").Where("year", FilterOperator.Eq, Q.Int(2025));
        var year2025ButLarge = year2025.Clone().Where("employees", FilterOperator.Lt, Q.Int(500));
        var year2024 = Sum("cross_a").Where("year", FilterOperator.Eq, Q.Int(2024));
        var year2024ButLarge = year2024.Clone().Where("employees", FilterOperator.Lt, Q.Int(500));

        // Act 1: the attacker solves A's 2025 subtotal out of three sums. It is exact: parts are released cells.
        var solved2025 = await SolveAsync(year2025);
        Assert.Equal(rows.Where(r => r.Year == 2025).Sum(r => r.Revenue), solved2025);

        // Without the defence (were the parts not entered in A's audit): a plain query one firm apart, as on a copy of
        // A that no one has queried, is released and the difference is the 2025 target's revenue.
        var unaudited = await nodes.RunAsync(nodes.BankA, licenses["cross_a_fresh"], DifferencingAttackTests.Twin(year2025ButLarge, "cross_a_fresh"));
        Assert.Equal(rows[target2025].Revenue, solved2025 - Released.Decimal(unaudited.Rows[0].Cells[0]));

        // With it: the same query on A is withheld, because the solved subtotal is a released cell of A's audit.
        var audited = await nodes.RunAsync(nodes.BankA, licenses["cross_a"], year2025ButLarge);
        Assert.True(audited.Rows[0].Cells[0].Suppressed);

        // Act 2: a plain 2024 total on A, then the sums with a part one firm apart from it: that part is withheld, so
        // every sum that holds it is withheld and nothing is left to solve.
        var plain2024 = await nodes.RunAsync(nodes.BankA, licenses["cross_a"], year2024);
        Assert.False(plain2024.Rows[0].Cells[0].Suppressed);
        var solved2024 = await SolveAsync(year2024ButLarge);
        output.WriteLine($"A's 2025 subtotal solved from three cross-domain sums: {solved2025}; the part one firm apart from A's 2024 total: {solved2024?.ToString() ?? "withheld"}.");
        Assert.Null(solved2024);
    }

    /// <summary>One cross-domain sum of two parts, each its own job under its dataset's license; null when withheld.</summary>
    private async Task<decimal?> CrossSumAsync(Dictionary<string, ulong> licenses, AggregateQuery first, AggregateQuery second)
    {
        var spec = new HeCrossDomainSumSpec { ScaleDigits = 2, Keys = client.CreateKeys(null) };
        spec.Parts.Add(first.Clone());
        spec.Parts.Add(second.Clone());
        var job = new JobSpec { Kind = Protos.V1.ComputationKind.HeCrossDomainSum, HeCrossDomainSum = spec };
        var firstJob = await nodes.SubmitHashedAsync(nodes.BankA, licenses[first.DatasetId], ComputationKind.HeCrossDomainSum, job);
        var secondJob = await nodes.SubmitHashedAsync(nodes.BankA, licenses[second.DatasetId], ComputationKind.HeCrossDomainSum, job);
        PeerJob[] peers = [new PeerJob { JobId = DataTrust.Node.Execution.JobStreams.IdBytes(secondJob), RequesterSignature = nodes.Signature(nodes.BankA, secondJob), AuthorizationExpiresAt = TestAuthorization.ExpiresAt }];
        var result = (await nodes.StreamJobAsync(nodes.BankA, firstJob, job, peers)).HeCrossDomainSum;
        var total = client.Decrypt(result).Single().Total;
        return total is { } t ? t / 100m : null;
    }

    private static Filter Filter(string column, FilterOperator op, params Value[] values)
    {
        var filter = new Filter { Column = column, Operator = op };
        filter.Values.AddRange(values);
        return filter;
    }
}
