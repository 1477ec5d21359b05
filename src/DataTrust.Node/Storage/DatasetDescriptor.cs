using DataTrust.Core.Catalog;

namespace DataTrust.Node.Storage;

/// <summary>What the node knows about one stored dataset: schema, policy and the commitments an auditor can recompute.</summary>
/// <param name="Id">Catalog id.</param>
/// <param name="Schema">Columns and their types.</param>
/// <param name="Policy">Output-protection policy and column permissions.</param>
/// <param name="SnapshotCommitment">Canonical commitment to the stored rows (see <see cref="SnapshotCommitmentBuilder"/>).</param>
/// <param name="RowCount">Number of rows.</param>
/// <param name="ImportedAt">When the import committed.</param>
/// <param name="NonNegativeColumns">Numeric columns holding no negative value (recorded at import; lets the dominance
/// rule skip absolute values). Internal statistics, never published.</param>
public sealed record DatasetDescriptor(
    string Id,
    DatasetSchema Schema,
    DatasetPolicy Policy,
    Hash32 SnapshotCommitment,
    long RowCount,
    DateTimeOffset ImportedAt,
    IReadOnlySet<string> NonNegativeColumns)
{
    /// <summary>Canonical schema hash (see <see cref="DatasetSchema"/>).</summary>
    public Hash32 SchemaHash => Schema.SchemaHash;

    /// <summary>The node's local version of the dataset (from 1; each import of the same id makes the next). The catalog's
    /// version numbers are its own: a local version is matched to the chain's by its snapshot commitment.</summary>
    public int Version { get; init; } = 1;

    /// <summary>Names the version's tables inside the node database.</summary>
    internal string StorageKey => Internal.SqlText.StorageKeyOf(Id, Version);
}
