using System.Numerics;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Protos.V1;
using CoreColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.EnclaveSim.Tests;

/// <summary>Two small on-chain specs like the demo's: tax (uscc, tax_paid) and social security (uscc, district, insured).</summary>
internal static class JoinFixtures
{
    public static readonly string[] Districts = ["Chaoyang", "Haidian", "Dongcheng"];

    public static DatasetSpec Tax(ComputationKindSet kinds = ComputationKindSet.Aggregate | ComputationKindSet.EnclaveJoin) => Spec("tax", kinds,
    [
        new ColumnSpec("uscc", CoreColumnType.Text, ColumnPermissions.JoinKey, BigInteger.Zero, BigInteger.Zero),
        new ColumnSpec("tax_paid", CoreColumnType.Decimal, ColumnPermissions.Aggregate, BigInteger.Zero, new BigInteger(1_000_000)),
        new ColumnSpec("industry", CoreColumnType.Text, ColumnPermissions.GroupBy, BigInteger.Zero, BigInteger.Zero),
    ]);

    public static DatasetSpec Social() => Spec("social", ComputationKindSet.Aggregate | ComputationKindSet.EnclaveJoin,
    [
        new ColumnSpec("uscc", CoreColumnType.Text, ColumnPermissions.JoinKey, BigInteger.Zero, BigInteger.Zero),
        new ColumnSpec("district", CoreColumnType.Text, ColumnPermissions.GroupBy | ColumnPermissions.Filter, BigInteger.Zero, BigInteger.Zero, Districts),
        new ColumnSpec("insured", CoreColumnType.Int, ColumnPermissions.Filter | ColumnPermissions.Aggregate, BigInteger.Zero, new BigInteger(10_000), null, new BigInteger(10)),
    ]);

    public static Dictionary<string, DatasetSpec> Both() => new() { ["tax"] = Tax(), ["social"] = Social() };

    /// <summary>Companies by district with total tax, for companies with more than 10 insured employees.</summary>
    public static JoinQuery Query(long epsilonMicros = 1_000_000)
    {
        var query = new JoinQuery { EpsilonMicros = (ulong)epsilonMicros };
        query.Inputs.Add(new JoinInput { DatasetId = "tax", JoinKey = "uscc" });
        var social = new JoinInput { DatasetId = "social", JoinKey = "uscc" };
        var filter = new Filter { Column = "insured", Operator = FilterOperator.Gt };
        filter.Values.Add(new Value { IntValue = 10 });
        social.Filters.Add(filter);
        query.Inputs.Add(social);
        query.GroupBy.Add(new JoinColumn { DatasetId = "social", Column = "district" });
        query.Measures.Add(new JoinMeasure { Function = MeasureFunction.Count });
        query.Measures.Add(new JoinMeasure { Function = MeasureFunction.Sum, Column = new JoinColumn { DatasetId = "tax", Column = "tax_paid" } });
        return query;
    }

    private static DatasetSpec Spec(string id, ComputationKindSet kinds, IReadOnlyList<ColumnSpec> columns) => new(
        DatasetIds.OnChainId(id), id, Address.Parse("0x00000000000000000000000000000000000000aa"), Hash32.Zero, 0, Hash32.Zero,
        ProtectionGrade.Sensitive, 5, 0, 0, kinds, columns)
    {
        EpsilonCap = new Epsilon(10_000_000),
    };
}
