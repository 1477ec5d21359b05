using System.Numerics;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Node.Storage;

namespace DataTrust.Node.Execution;

/// <summary>Turns a dataset the node holds into the catalog entry an operator publishes for it.</summary>
public static class CatalogEntries
{
    /// <summary>
    /// The catalog spec of a stored dataset: its on-chain id (<see cref="DatasetIds.OnChainId"/>), schema hash,
    /// snapshot commitment and row count as imported, and the node's stated policy.
    /// </summary>
    public static DatasetSpec FromDescriptor(DatasetDescriptor descriptor, Address node, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var policy = descriptor.Policy;
        var columns = descriptor.Schema.Columns.Select(column =>
        {
            var permissions = policy.For(column.Name);
            return new ColumnSpec(
                column.Name,
                column.Type,
                permissions.Permissions,
                permissions.LowerBound ?? BigInteger.Zero,
                permissions.UpperBound ?? BigInteger.Zero,
                permissions.Domain ?? [],
                permissions.GridStep ?? BigInteger.Zero,
                permissions.Bucket?.Format() ?? string.Empty);
        }).ToList();
        return new DatasetSpec(
            DatasetIds.OnChainId(descriptor.Id),
            name ?? descriptor.Id,
            node,
            descriptor.SchemaHash,
            checked((ulong)descriptor.RowCount),
            descriptor.SnapshotCommitment,
            policy.Grade,
            checked((uint)policy.MinGroupSize),
            checked((byte)(policy.Dominance.IsEnabled ? policy.Dominance.N : 0)),
            checked((byte)(policy.Dominance.IsEnabled ? policy.Dominance.Percent : 0)),
            policy.AllowedKinds,
            columns)
        {
            EpsilonCap = policy.EpsilonCap,
        };
    }
}
