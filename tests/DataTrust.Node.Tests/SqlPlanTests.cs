using DataTrust.Core.Catalog;
using DataTrust.Node.Query;
using DataTrust.Node.Query.Internal;
using DataTrust.Node.Storage;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Node.Tests;

/// <summary>The SQL the executor generates computes what protection needs, and no more.</summary>
public sealed class SqlPlanTests
{
    private static readonly DatasetDescriptor Dataset = new(
        "d",
        new DatasetSchema([new ColumnDefinition("region", ColumnType.Text), new ColumnDefinition("amount", ColumnType.Decimal)]),
        new DatasetPolicy(3, new DominanceRule(1, 85), ProtectionGrade.Restricted, ComputationKindSet.Aggregate, [
            new ColumnPolicy("region", ColumnPermissions.GroupBy, Domain: ["A", "B"]),
            new ColumnPolicy("amount", ColumnPermissions.Aggregate, 0, 100),
        ]),
        Hash32.Zero,
        10,
        DateTimeOffset.UnixEpoch,
        new HashSet<string>(["amount"], StringComparer.Ordinal));

    [Fact]
    public void Exact_sums_carry_the_dominance_statistics()
    {
        var layout = Build(Epsilon.Zero).Layout.Single();

        Assert.True(layout.TopN >= 0);
        Assert.True(layout.AbsTotal >= 0);
    }

    [Fact]
    public void Noisy_sums_skip_the_dominance_statistics_that_only_suppression_reads()
    {
        var sql = Build(new Epsilon(1_000_000));

        Assert.Equal(-1, sql.Layout.Single().TopN);
        Assert.Equal(-1, sql.Layout.Single().AbsTotal);
        Assert.DoesNotContain("max(", sql.Text, StringComparison.Ordinal);
        Assert.Contains("least(greatest(", sql.Text, StringComparison.Ordinal); // still clamped
    }

    private static SqlPlan Build(Epsilon epsilon)
    {
        var query = Q.Query("d", Q.Sum("amount")).GroupBy("region");
        var plan = QueryValidator.Validate(Dataset, query, epsilon, QueryLimits.Default).Plan!;
        return SqlPlan.Build(plan);
    }
}
