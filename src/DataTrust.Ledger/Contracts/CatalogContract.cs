using DataTrust.Core.Catalog;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Ledger.Contracts;

/// <summary>The Catalog contract: datasets published by operators, with their column policies (never values).</summary>
public sealed class CatalogContract : ContractBinding
{
    /// <summary>Binds to a deployed Catalog contract; without a sender it is read-only.</summary>
    public CatalogContract(Address address, JsonRpcClient rpc, TransactionSender? sender = null)
        : base(DataTrustAbi.Catalog, address, rpc, sender)
    {
    }

    /// <summary>Publishes a dataset held by a node (an active operator only).</summary>
    public Task<TransactionReceipt> PublishAsync(DatasetSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return SendAsync("publish", [Encode(spec)], cancellationToken);
    }

    /// <summary>Records a new snapshot of a dataset (its operator only).</summary>
    public Task<TransactionReceipt> UpdateSnapshotAsync(Hash32 id, ulong rowCount, Hash32 schemaHash, Hash32 snapshotCommitment, CancellationToken cancellationToken = default) =>
        SendAsync("updateSnapshot", [id.ToArray(), rowCount, schemaHash.ToArray(), snapshotCommitment.ToArray()], cancellationToken);

    /// <summary>Retires a dataset: no new requests, grants or jobs (its operator only).</summary>
    public Task<TransactionReceipt> RetireAsync(Hash32 id, CancellationToken cancellationToken = default) =>
        SendAsync("retire", [id.ToArray()], cancellationToken);

    /// <summary>A dataset with its columns.</summary>
    /// <exception cref="ContractRevertedException">With <c>UnknownDataset</c> when there is none.</exception>
    public async Task<Dataset> GetDatasetAsync(Hash32 id, CancellationToken cancellationToken = default)
    {
        var t = Tuple(await CallAsync("dataset", [id.ToArray()], cancellationToken).ConfigureAwait(false));
        var columns = Decoded.Tuple((await CallAsync("columns", [id.ToArray()], cancellationToken).ConfigureAwait(false))[0]);
        var spec = DecodeSpecFields(t, columns);
        return new Dataset(spec, Decoded.Addr(t[11]), Decoded.Bool(t[12]), Decoded.U64(t[13]));
    }

    /// <summary>The ids of every published dataset, in publication order.</summary>
    public async Task<IReadOnlyList<Hash32>> GetDatasetIdsAsync(CancellationToken cancellationToken = default) =>
        [.. Decoded.Tuple((await CallAsync("datasetIds", [], cancellationToken).ConfigureAwait(false))[0]).Select(Decoded.H32)];

    /// <summary>Decodes the spec carried by a <c>DatasetPublished</c> event (an auditor rebuilds the catalog from these).</summary>
    public static DatasetSpec DecodeSpec(object? tuple)
    {
        var t = Decoded.Tuple(tuple);
        return DecodeSpecFields(t, Decoded.Tuple(t[11]));
    }

    // The first eleven fields are laid out alike in the DatasetSpec struct and in the Dataset view.
    private static DatasetSpec DecodeSpecFields(object?[] t, object?[] columns) =>
        new(
            Decoded.H32(t[0]),
            Decoded.Str(t[1]),
            Decoded.Addr(t[2]),
            Decoded.H32(t[3]),
            Decoded.U64(t[4]),
            Decoded.H32(t[5]),
            (ProtectionGrade)Decoded.U8(t[6]),
            Decoded.U32(t[7]),
            Decoded.U8(t[8]),
            Decoded.U8(t[9]),
            (ComputationKindSet)Decoded.U32(t[10]),
            [.. columns.Select(DecodeColumn)]);

    private static ColumnSpec DecodeColumn(object? value)
    {
        var c = Decoded.Tuple(value);
        return new ColumnSpec(Decoded.Str(c[0]), (ColumnType)Decoded.U8(c[1]), (ColumnPermissions)Decoded.U8(c[2]), Decoded.Int(c[3]), Decoded.Int(c[4]));
    }

    private static object?[] Encode(DatasetSpec spec) =>
    [
        spec.Id.ToArray(),
        spec.Name,
        spec.Node,
        spec.SchemaHash.ToArray(),
        spec.RowCount,
        spec.SnapshotCommitment.ToArray(),
        (byte)spec.Grade,
        spec.MinGroupSize,
        spec.DominanceN,
        spec.DominancePercent,
        (uint)spec.AllowedKinds,
        spec.Columns.Select(c => (object?)new object?[] { c.Name, (byte)c.Type, (byte)c.Permissions, c.LowerBound, c.UpperBound }).ToArray(),
    ];
}
