using System.Net;
using DataTrust.Node.Execution;
using DataTrust.Node.Query;

namespace DataTrust.Node.Hosting;

/// <summary>
/// Configuration of a domain node, bound from the <c>Node</c> section of the JSON configuration file and from
/// environment variables prefixed <c>DATATRUST_</c> (for example <c>DATATRUST_Node__DataDirectory</c>).
/// </summary>
public sealed class NodeOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Node";

    /// <summary>Directory holding the node's DuckDB file.</summary>
    public string DataDirectory { get; set; } = string.Empty;

    /// <summary>Listen endpoint, <c>address:port</c> (HTTP/2 without TLS); port 0 picks a free port.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1:50051";

    /// <summary>Query size limits.</summary>
    public QueryLimits Limits { get; set; } = QueryLimits.Default;

    /// <summary>
    /// The largest job spec the node accepts over ExecuteStream, in bytes (default 64 MiB: an N = 8192 HE job with
    /// 16 features carries about 12 MiB of keys and ciphertexts). Larger payloads are refused on the first chunk.
    /// </summary>
    public long MaxJobPayloadBytes { get; set; } = 64L << 20;

    /// <summary>
    /// The most job payload bytes the node holds in memory at once, over all calls (default 256 MiB: four of the largest
    /// specs). A call that would go over it is refused with RESOURCE_EXHAUSTED (ERROR_REASON_NODE_BUSY) and may be retried.
    /// </summary>
    public long MaxInFlightPayloadBytes { get; set; } = 256L << 20;

    /// <summary>Per-job cost limits: cells × measures, histogram bins, HE rows (checked before reading rows) and wall time.</summary>
    public JobCostLimits CostLimits { get; set; } = new();

    /// <summary>How the node reaches the ledger; without it the node serves its catalog and Explain, and refuses every job (fails closed).</summary>
    public NodeChainOptions Chain { get; set; } = new();

    /// <summary>The parsed listen endpoint.</summary>
    /// <exception cref="FormatException">The listen address is not <c>address:port</c>.</exception>
    public IPEndPoint ParseListenEndPoint() =>
        IPEndPoint.TryParse(ListenAddress, out var endPoint) && ListenAddress.Contains(':', StringComparison.Ordinal)
            ? endPoint
            : throw new FormatException("Node:ListenAddress must be address:port, for example 127.0.0.1:50051.");
}

/// <summary>The ledger settings of a node (section <c>Node:Chain</c>).</summary>
public sealed class NodeChainOptions
{
    /// <summary>The Ethereum JSON-RPC endpoint.</summary>
    public string? RpcUrl { get; set; }

    /// <summary>The deployment file written by <c>datatrust chain deploy</c>.</summary>
    public string? DeploymentFile { get; set; }

    /// <summary>The node account's keystore; its password is read from <c>DATATRUST_PASSWORD</c>.</summary>
    public string? KeystoreFile { get; set; }

    /// <summary>True when all three settings are present.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(RpcUrl) && !string.IsNullOrWhiteSpace(DeploymentFile) && !string.IsNullOrWhiteSpace(KeystoreFile);
}
