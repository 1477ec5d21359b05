using System.Globalization;
using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Node.Protection.Internal;
using DataTrust.Node.Query;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Node.Tests;

/// <summary>The rule the audit decides by, against the attack that separates the two rules the issue names.</summary>
public sealed class AuditRuleTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    /// <summary>Ten active firms, and two revoked ones (20 and 260 employees) whose revenues are the secret.</summary>
    private DatasetStore Store(string name, AuditRule rule)
    {
        var csv = new StringBuilder("status,employees,revenue\n");
        for (var i = 0; i < 10; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"active,{(i % 2 == 0 ? 50 : 300)},{1000 + (i * 10)}\n");
        }

        csv.Append("revoked,20,700\nrevoked,260,900\n");
        var path = temp.File(name + ".csv");
        File.WriteAllText(path, csv.ToString());
        var store = new DatasetStore(temp.File(name));
        store.Import(new DatasetImport("firms", path, ImportFormat.Csv,
            new DatasetPolicy(3, DominanceRule.Disabled, ProtectionGrade.Restricted, ComputationKindSet.Aggregate, [
                new ColumnPolicy("status", ColumnPermissions.Filter, Domain: ["active", "revoked"]),
                new ColumnPolicy("employees", ColumnPermissions.Filter, GridStep: 10),
                new ColumnPolicy("revenue", ColumnPermissions.Aggregate, 0, 1_000_000),
            ]),
            new DatasetSchema([
                new ColumnDefinition("status", ColumnType.Text),
                new ColumnDefinition("employees", ColumnType.Int),
                new ColumnDefinition("revenue", ColumnType.Decimal),
            ])));
        AggregateExecutor.UseAuditRule(store, rule);
        return store;
    }

    /// <summary>The attacker's sequence: the 2-firm cell (withheld), a cut between the two firms, the total, the actives.</summary>
    private static List<AggregateResult> Attack(DatasetStore store)
    {
        var executor = new AggregateExecutor(store);
        AggregateQuery Sum() => Q.Query("firms", Q.Sum("revenue"));
        return [.. new[]
        {
            Sum().Where("status", FilterOperator.Eq, Q.Str("revoked")),
            Sum().Where("employees", FilterOperator.Lt, Q.Int(100)),
            Sum(),
            Sum().Where("status", FilterOperator.Eq, Q.Str("active")),
        }.Select(q => executor.Execute(q, Epsilon.Zero).Result!)];
    }

    private static decimal? Released(AggregateResult result) =>
        result.Rows[0].Cells[0].Suppressed ? null : decimal.Parse(result.Rows[0].Cells[0].Value.DecimalValue, CultureInfo.InvariantCulture);

    [Fact]
    public void Audit_Expert_releases_a_difference_that_is_the_exact_total_of_two_small_atoms()
    {
        using var store = Store("expert", AuditRule.AuditExpert);

        var answers = Attack(store);

        // The 2-firm cell itself is withheld, and no single firm is determined, yet total − actives is the 2-firm total.
        Assert.Null(Released(answers[0]));
        Assert.Equal(1600m, Released(answers[2]) - Released(answers[3]));
    }

    [Fact]
    public void The_rule_in_force_withholds_every_cut_that_would_leave_fewer_than_k_rows_so_the_difference_never_closes()
    {
        using var store = Store("strict", AuditRule.NoSmallAtoms);

        var answers = Attack(store);

        Assert.Null(Released(answers[0]));
        Assert.Equal(12_050m, Released(answers[2]));
        Assert.Null(Released(answers[3]));
    }

    [Fact]
    public void A_cut_that_would_pin_a_piece_to_a_public_bound_is_withheld_as_it_would_give_each_rows_value()
    {
        // Three revoked firms (k = 3 rows, so size alone allows the cell), every revenue at the public lower bound 0:
        // "SUM WHERE revoked" = 0 would give each one's value.
        var csv = new StringBuilder("status,employees,revenue\n");
        for (var i = 0; i < 6; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"active,50,{1000 + i}\n");
        }

        csv.Append("revoked,20,0\nrevoked,30,0\nrevoked,40,0\n");
        var path = temp.File("pinned.csv");
        File.WriteAllText(path, csv.ToString());
        using var store = new DatasetStore(temp.File("pinned"));
        store.Import(new DatasetImport("firms", path, ImportFormat.Csv,
            new DatasetPolicy(3, DominanceRule.Disabled, ProtectionGrade.Restricted, ComputationKindSet.Aggregate, [
                new ColumnPolicy("status", ColumnPermissions.Filter, Domain: ["active", "revoked"]),
                new ColumnPolicy("revenue", ColumnPermissions.Aggregate, 0, 1_000_000),
            ]),
            new DatasetSchema([
                new ColumnDefinition("status", ColumnType.Text),
                new ColumnDefinition("employees", ColumnType.Int),
                new ColumnDefinition("revenue", ColumnType.Decimal),
            ])));
        var executor = new AggregateExecutor(store);

        var revoked = executor.Execute(Q.Query("firms", Q.Count()).Where("status", FilterOperator.Eq, Q.Str("revoked")), Epsilon.Zero).Result!;

        // Even the COUNT is withheld: atoms are measure-blind, and once cut out, SUM(revenue) = 0 over 3 rows would follow.
        Assert.True(revoked.Rows[0].Cells[0].Suppressed);
    }
}
