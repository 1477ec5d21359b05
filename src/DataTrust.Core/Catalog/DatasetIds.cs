using System.Text;

namespace DataTrust.Core.Catalog;

/// <summary>How a node's dataset id (text, e.g. <c>tax_2024</c>) maps to the catalog's <c>bytes32</c> id.</summary>
public static class DatasetIds
{
    /// <summary>The on-chain id: SHA-256 of the UTF-8 text <c>datatrust.v1.dataset|{id}</c>.</summary>
    public static Hash32 OnChainId(string datasetId)
    {
        ArgumentException.ThrowIfNullOrEmpty(datasetId);
        return Hash32.Sha256(Encoding.UTF8.GetBytes("datatrust.v1.dataset|" + datasetId));
    }
}
