using DataTrust.Core.Catalog;

namespace DataTrust.Core.Tests;

public sealed class PolicyTests
{
    private static readonly DatasetSchema Schema = new([
        new ColumnDefinition("uscc", ColumnType.Text),
        new ColumnDefinition("revenue", ColumnType.Decimal),
    ]);

    private static DatasetPolicy Policy(params ColumnPolicy[] columns) =>
        new(10, new DominanceRule(1, 85), ProtectionGrade.Restricted, ComputationKindSet.Aggregate, columns);

    [Fact]
    public void A_consistent_policy_is_accepted()
    {
        Policy(
            new ColumnPolicy("uscc", ColumnPermissions.JoinKey),
            new ColumnPolicy("revenue", ColumnPermissions.Aggregate, 0, 1_000_000)).Validate(Schema);
    }

    [Fact]
    public void An_aggregate_column_without_bounds_is_refused()
    {
        Assert.Throws<CatalogException>(() => Policy(new ColumnPolicy("revenue", ColumnPermissions.Aggregate)).Validate(Schema));
    }

    [Fact]
    public void An_aggregate_text_column_is_refused()
    {
        Assert.Throws<CatalogException>(() => Policy(new ColumnPolicy("uscc", ColumnPermissions.Aggregate, 0, 1)).Validate(Schema));
    }

    [Fact]
    public void Bounds_out_of_order_are_refused()
    {
        Assert.Throws<CatalogException>(() => Policy(new ColumnPolicy("revenue", ColumnPermissions.Aggregate, 5, 1)).Validate(Schema));
    }

    [Fact]
    public void A_policy_for_an_unknown_column_is_refused()
    {
        Assert.Throws<CatalogException>(() => Policy(new ColumnPolicy("nope", ColumnPermissions.Filter)).Validate(Schema));
    }

    [Fact]
    public void A_column_missing_from_the_policy_has_no_permissions()
    {
        Assert.Equal(ColumnPermissions.None, Policy().For("revenue").Permissions);
    }

    [Fact]
    public void Kind_sets_use_one_shifted_by_the_kind()
    {
        Assert.Equal(2u, (uint)ComputationKind.Aggregate.ToSet());
        Assert.Equal(32u, (uint)ComputationKind.EnclaveJoin.ToSet());
        Assert.True(ComputationKindSet.HeScoring.Allows(ComputationKind.HeScoring));
        Assert.False(ComputationKindSet.HeScoring.Allows(ComputationKind.Aggregate));
    }

    [Theory]
    [InlineData("1", 1_000_000)]
    [InlineData("0.5", 500_000)]
    [InlineData("2.000001", 2_000_001)]
    [InlineData("0", 0)]
    public void Epsilon_parses_six_decimal_fixed_point(string text, long micros)
    {
        Assert.Equal(micros, Epsilon.Parse(text).Micros);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("0.0000001")]
    [InlineData("abc")]
    public void Epsilon_refuses_negative_or_too_precise_values(string text)
    {
        Assert.Throws<FormatException>(() => Epsilon.Parse(text));
    }
}
