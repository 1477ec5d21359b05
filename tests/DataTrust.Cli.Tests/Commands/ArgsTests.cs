using System.Numerics;
using DataTrust.Cli.Common;
using DataTrust.Cli.Policy;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using FsCheck.Xunit;

namespace DataTrust.Cli.Tests.Commands;

public sealed class ArgsTests
{
    [Fact]
    public void A_node_dataset_id_maps_to_its_onchain_id_and_a_0x_id_is_taken_as_is()
    {
        var onChain = DatasetIds.OnChainId("tax.annual");

        Assert.Equal(onChain, Args.Dataset("tax.annual"));
        Assert.Equal(onChain, Args.Dataset(onChain.ToString()));
        Assert.Throws<CliException>(() => Args.Dataset("0x1234"));
        Assert.Throws<CliException>(() => Args.Dataset(" "));
    }

    [Property]
    public bool Kinds_printed_by_Format_parse_back_to_the_same_set(byte bits)
    {
        var set = (ComputationKindSet)((uint)(bits & 0b11111) << 1);
        if (set == ComputationKindSet.None)
        {
            return Args.Format(set) == "none";
        }

        return Args.Kinds(Args.Format(set)) == set;
    }

    [Fact]
    public void A_policy_file_changes_only_the_fields_and_columns_it_names()
    {
        var stated = new DatasetSpec(
            DatasetIds.OnChainId("t"), "t", Address.Zero, Hash32.Sha256("s"u8), 10, Hash32.Sha256("c"u8), ProtectionGrade.Restricted, 5, 0, 0, ComputationKindSet.Aggregate,
            [
                new ColumnSpec("region", ColumnType.Text, ColumnPermissions.GroupBy, 0, 0),
                new ColumnSpec("amount", ColumnType.Decimal, ColumnPermissions.Aggregate, 0, 100),
            ]);
        var policy = PolicyFile.Parse("""{ "k": 9, "columns": { "amount": { "permissions": ["aggregate", "filter"], "lower": "-5", "upper": 50 } } }""", "p.json");

        var applied = policy.Apply(stated);

        Assert.Equal(9u, applied.MinGroupSize);
        Assert.Equal(stated.AllowedKinds, applied.AllowedKinds);
        Assert.Equal(stated.Columns[0], applied.Columns[0]);
        Assert.Equal(new ColumnSpec("amount", ColumnType.Decimal, ColumnPermissions.Aggregate | ColumnPermissions.Filter, new BigInteger(-5), new BigInteger(50)), applied.Columns[1]);
    }

    [Fact]
    public void Dominance_with_n_zero_is_off_and_publishes_p_zero()
    {
        var policy = PolicyFile.Parse("""{ "dominance": { "n": 0, "p": 100 } }""", "p.json");

        Assert.Equal((byte)0, policy.DominanceN);
        Assert.Equal((byte)0, policy.DominancePercent);
    }

    private static DatasetSpec Stated() => new(
        DatasetIds.OnChainId("t"), "t", Address.Zero, Hash32.Sha256("s"u8), 10, Hash32.Sha256("c"u8), ProtectionGrade.Open, 5, 0, 0, ComputationKindSet.Aggregate,
        [
            new ColumnSpec("region", ColumnType.Text, ColumnPermissions.GroupBy, 0, 0, ["north", "south"]),
            new ColumnSpec("year", ColumnType.Int, ColumnPermissions.GroupBy | ColumnPermissions.Filter, 0, 0, null, 5),
            new ColumnSpec("amount", ColumnType.Decimal, ColumnPermissions.Aggregate, 0, 100),
        ]);

    [Fact]
    public void A_graded_policy_file_sets_grade_cap_domains_grids_and_min_max_and_keeps_what_it_does_not_name()
    {
        var policy = PolicyFile.Parse("""
            {
              "grade": "sensitive",
              "epsilonCap": 12.5,
              "columns": {
                "year": { "domain": { "from": 2020, "to": 2023 }, "grid": 1 },
                "amount": { "permissions": ["aggregate", "min-max"], "lower": 0, "upper": 90 }
              }
            }
            """, "p.json");

        var applied = policy.Apply(Stated());

        Assert.Equal(ProtectionGrade.Sensitive, applied.Grade);
        Assert.Equal(Epsilon.Parse("12.5"), applied.EpsilonCap);
        Assert.Equal(Stated().Columns[0], applied.Columns[0]);
        Assert.Equal(new ColumnSpec("year", ColumnType.Int, ColumnPermissions.GroupBy | ColumnPermissions.Filter, 0, 0, ["2020", "2021", "2022", "2023"], 1), applied.Columns[1]);
        Assert.Equal(new ColumnSpec("amount", ColumnType.Decimal, ColumnPermissions.Aggregate | ColumnPermissions.MinMax, 0, 90), applied.Columns[2]);
    }

    [Fact]
    public void A_domain_may_be_written_with_numbers_and_an_entry_without_permissions_keeps_the_nodes_permissions_and_bounds()
    {
        var policy = PolicyFile.Parse("""{ "columns": { "year": { "domain": [2024, 2025] }, "amount": { "upper": 80 } } }""", "p.json");

        var applied = policy.Apply(Stated());

        Assert.Equal(["2024", "2025"], applied.Columns[1].Domain);
        Assert.Equal(new BigInteger(5), applied.Columns[1].GridStep);
        Assert.Equal(new ColumnSpec("amount", ColumnType.Decimal, ColumnPermissions.Aggregate, 0, 80), applied.Columns[2]);
        Assert.Equal(Stated().Grade, applied.Grade);
        Assert.Equal(Stated().EpsilonCap, applied.EpsilonCap);
    }

    [Fact]
    public void Permissions_that_no_longer_take_a_domain_or_grid_drop_the_nodes_and_an_empty_domain_or_zero_grid_removes_them()
    {
        var policy = PolicyFile.Parse("""{ "columns": { "region": { "permissions": ["join-key"] }, "year": { "domain": [], "grid": 0 } } }""", "p.json");

        var applied = policy.Apply(Stated());

        Assert.Empty(applied.Columns[0].Domain!);
        Assert.Empty(applied.Columns[1].Domain!);
        Assert.Equal(BigInteger.Zero, applied.Columns[1].GridStep);
    }

    [Fact]
    public void The_old_sensitivity_field_is_refused_with_a_sentence_saying_to_use_grade()
    {
        var ex = Assert.Throws<CliException>(() => PolicyFile.Parse("""{ "sensitivity": 3 }""", "old.json"));

        Assert.Contains("\"grade\"", ex.Message, StringComparison.Ordinal);
        Assert.Contains("old.json", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("open", ProtectionGrade.Open)]
    [InlineData("RESTRICTED", ProtectionGrade.Restricted)]
    [InlineData(" Sensitive ", ProtectionGrade.Sensitive)]
    public void Grade_options_parse_in_any_case(string text, ProtectionGrade expected) => Assert.Equal(expected, Args.Grade(text, "--grade"));

    [Fact]
    public void Min_max_is_a_permission_name_and_formats_back()
    {
        Assert.True(Args.TryPermission("min-max", out var permission));
        Assert.Equal(ColumnPermissions.MinMax, permission);
        Assert.Equal("aggregate,min-max", Args.Format(ColumnPermissions.Aggregate | ColumnPermissions.MinMax));
    }
}
