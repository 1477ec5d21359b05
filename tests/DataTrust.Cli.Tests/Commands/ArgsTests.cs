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
}
