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

    /// <summary>
    /// Publishes a new snapshot of an active dataset as its next version, with its own commitment (its active operator only); the
    /// previous version is retired, kept and readable. Jobs submitted afterwards name the new version. Returns its number.
    /// </summary>
    /// <exception cref="ContractRevertedException">
    /// Refused (<c>UnknownDataset</c>, <c>NotDatasetOperator</c>, <c>DatasetRetired</c>, <c>ZeroCommitment</c>, <c>SameCommitment</c>, or the
    /// caller's own <c>ParticipantSuspended</c>); nothing was sent.
    /// </exception>
    public async Task<uint> PublishVersionAsync(Hash32 id, Hash32 schemaHash, ulong rowCount, Hash32 snapshotCommitment, CancellationToken cancellationToken = default)
    {
        var receipt = await SendAsync("publishVersion", [id.ToArray(), schemaHash.ToArray(), rowCount, snapshotCommitment.ToArray()], cancellationToken).ConfigureAwait(false);
        return checked((uint)Single(receipt, "VersionPublished").Values.GetUInt64("version"));
    }

    /// <summary>The current version of a dataset: the one new jobs run on (1 until its first new version).</summary>
    /// <exception cref="ContractRevertedException">With <c>UnknownDataset</c> when there is none.</exception>
    public async Task<uint> GetCurrentVersionAsync(Hash32 id, CancellationToken cancellationToken = default) =>
        Decoded.U32((await CallAsync("currentVersion", [id.ToArray()], cancellationToken).ConfigureAwait(false))[0]);

    /// <summary>One version of a dataset, current or retired.</summary>
    /// <exception cref="ContractRevertedException">With <c>UnknownDataset</c> or <c>UnknownVersion</c>.</exception>
    public async Task<DatasetVersion> GetVersionAsync(Hash32 id, uint version, CancellationToken cancellationToken = default)
    {
        var t = Tuple(await CallAsync("version", [id.ToArray(), version], cancellationToken).ConfigureAwait(false));
        return new DatasetVersion(id, version, Decoded.H32(t[0]), Decoded.U64(t[1]), Decoded.H32(t[2]), Decoded.U64(t[3]), Decoded.U64(t[4]));
    }

    /// <summary>Every version of a dataset, oldest first (the last is current).</summary>
    /// <exception cref="ContractRevertedException">With <c>UnknownDataset</c> when there is none.</exception>
    public async Task<IReadOnlyList<DatasetVersion>> GetVersionsAsync(Hash32 id, CancellationToken cancellationToken = default)
    {
        var current = await GetCurrentVersionAsync(id, cancellationToken).ConfigureAwait(false);
        var result = new List<DatasetVersion>((int)current);
        for (uint n = 1; n <= current; n++)
        {
            result.Add(await GetVersionAsync(id, n, cancellationToken).ConfigureAwait(false));
        }

        return result;
    }

    /// <summary>Which version of a dataset has this snapshot commitment, or 0 when none has it.</summary>
    /// <exception cref="ContractRevertedException">With <c>UnknownDataset</c> when there is none.</exception>
    public async Task<uint> GetVersionOfCommitmentAsync(Hash32 id, Hash32 snapshotCommitment, CancellationToken cancellationToken = default) =>
        Decoded.U32((await CallAsync("versionOfCommitment", [id.ToArray(), snapshotCommitment.ToArray()], cancellationToken).ConfigureAwait(false))[0]);

    /// <summary>Raises an active dataset's protection grade (its operator only; grades only rise, and the stored columns and cap must meet the new grade).</summary>
    /// <exception cref="ContractRevertedException">
    /// Refused (e.g. <c>InvalidGrade</c>, <c>GradeWeakened</c>, <c>MissingDomain</c>, <c>MissingGrid</c>, <c>InvalidEpsilonCap</c>); nothing was sent.
    /// </exception>
    public Task<TransactionReceipt> RaiseGradeAsync(Hash32 id, ProtectionGrade grade, CancellationToken cancellationToken = default) =>
        SendAsync("raiseGrade", [id.ToArray(), (byte)grade], cancellationToken);

    /// <summary>Lowers an active dataset's ε cap (its operator only; caps only fall, and a SENSITIVE dataset keeps one above 0).</summary>
    /// <exception cref="ContractRevertedException">Refused (e.g. <c>EpsilonCapRaised</c>, <c>InvalidEpsilonCap</c>); nothing was sent.</exception>
    public Task<TransactionReceipt> LowerEpsilonCapAsync(Hash32 id, Epsilon cap, CancellationToken cancellationToken = default) =>
        SendAsync("lowerEpsilonCap", [id.ToArray(), (ulong)cap.Micros], cancellationToken);

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
        return new Dataset(spec, Decoded.Addr(t[12]), Decoded.Bool(t[13]), Decoded.U64(t[14]), Decoded.U32(t[15]));
    }

    /// <summary>A dataset's protection grade and ε cap, in one cheap call.</summary>
    /// <exception cref="ContractRevertedException">With <c>UnknownDataset</c> when there is none.</exception>
    public async Task<PrivacyTerms> GetPrivacyTermsAsync(Hash32 id, CancellationToken cancellationToken = default)
    {
        var values = await CallAsync("privacyTerms", [id.ToArray()], cancellationToken).ConfigureAwait(false);
        return new PrivacyTerms((ProtectionGrade)Decoded.U8(values[0]), new Epsilon(checked((long)Decoded.U64(values[1]))));
    }

    /// <summary>How many columns a dataset declares on chain (indices run from 0; a consent's column bits refer to them).</summary>
    /// <exception cref="ContractRevertedException">With <c>UnknownDataset</c> when there is none.</exception>
    public async Task<int> GetColumnCountAsync(Hash32 id, CancellationToken cancellationToken = default) =>
        checked((int)Decoded.U64((await CallAsync("columnCount", [id.ToArray()], cancellationToken).ConfigureAwait(false))[0]));

    /// <summary>The ids of every published dataset, in publication order.</summary>
    public async Task<IReadOnlyList<Hash32>> GetDatasetIdsAsync(CancellationToken cancellationToken = default) =>
        [.. Decoded.Tuple((await CallAsync("datasetIds", [], cancellationToken).ConfigureAwait(false))[0]).Select(Decoded.H32)];

    /// <summary>Decodes the spec carried by a <c>DatasetPublished</c> event (an auditor rebuilds the catalog from these).</summary>
    public static DatasetSpec DecodeSpec(object? tuple)
    {
        var t = Decoded.Tuple(tuple);
        return DecodeSpecFields(t, Decoded.Tuple(t[12]));
    }

    // The first twelve fields are laid out alike in the DatasetSpec struct and in the Dataset view.
    private static DatasetSpec DecodeSpecFields(object?[] t, object?[] columns) =>
        new(
            Decoded.H32(t[0]),
            Decoded.Str(t[1]),
            Decoded.Addr(t[2]),
            Decoded.H32(t[3]),
            Decoded.U64(t[4]),
            Decoded.H32(t[5]),
            (ProtectionGrade)Decoded.U8(t[6]),
            Decoded.U32(t[8]),
            Decoded.U8(t[9]),
            Decoded.U8(t[10]),
            (ComputationKindSet)Decoded.U32(t[11]),
            [.. columns.Select(DecodeColumn)])
        {
            EpsilonCap = new Epsilon(checked((long)Decoded.U64(t[7]))),
        };

    private static ColumnSpec DecodeColumn(object? value)
    {
        var c = Decoded.Tuple(value);
        return new ColumnSpec(
            Decoded.Str(c[0]),
            (ColumnType)Decoded.U8(c[1]),
            (ColumnPermissions)Decoded.U8(c[2]),
            Decoded.Int(c[3]),
            Decoded.Int(c[4]),
            [.. Decoded.Tuple(c[5]).Select(Decoded.Str)],
            Decoded.Int(c[6]),
            Decoded.Str(c[7]));
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
        (ulong)spec.EpsilonCap.Micros,
        spec.MinGroupSize,
        spec.DominanceN,
        spec.DominancePercent,
        (uint)spec.AllowedKinds,
        spec.Columns.Select(c => (object?)new object?[]
        {
            c.Name, (byte)c.Type, (byte)c.Permissions, c.LowerBound, c.UpperBound, (c.Domain ?? []).Select(v => (object?)v).ToArray(), c.GridStep, c.Bucket ?? string.Empty,
        }).ToArray(),
    ];
}
