using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Keystore;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;

namespace DataTrust.Node.Hosting;

/// <summary>
/// A node's link to the ledger: the RPC endpoint, the deployment, and the node's own key (which sends its
/// completions and signs its results). The node owns and disposes it.
/// </summary>
public sealed class NodeChain : IDisposable
{
    /// <summary>Creates a link from an endpoint, a deployment and the node's key (ownership of the key passes to it).</summary>
    public NodeChain(Uri rpc, Deployment deployment, EthereumKey nodeKey)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        ArgumentNullException.ThrowIfNull(deployment);
        ArgumentNullException.ThrowIfNull(nodeKey);
        Rpc = new JsonRpcClient(rpc);
        Deployment = deployment;
        NodeKey = nodeKey;

        // No chain call here: a chain that is down at start-up makes the node refuse jobs, not refuse to start.
        Ledger = DataTrustLedger.Bind(Rpc, deployment, nodeKey);
    }

    /// <summary>The JSON-RPC client.</summary>
    public JsonRpcClient Rpc { get; }

    /// <summary>The deployment.</summary>
    public Deployment Deployment { get; }

    /// <summary>The node's key.</summary>
    public EthereumKey NodeKey { get; }

    /// <summary>The contracts, sending as the node.</summary>
    public DataTrustLedger Ledger { get; }

    /// <summary>Builds the link from configuration; the keystore password comes from <c>DATATRUST_PASSWORD</c>.</summary>
    /// <exception cref="FormatException">A setting is missing or the password variable is not set.</exception>
    public static NodeChain FromOptions(NodeChainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsConfigured)
        {
            throw new FormatException("Node:Chain needs RpcUrl, DeploymentFile and KeystoreFile.");
        }

        var password = Environment.GetEnvironmentVariable("DATATRUST_PASSWORD")
            ?? throw new FormatException("Set DATATRUST_PASSWORD to the node keystore's password.");
        var deployment = Deployment.Load(options.DeploymentFile!);
        var key = Keystore.Load(options.KeystoreFile!, password);
        return new NodeChain(new Uri(options.RpcUrl!), deployment, key);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Rpc.Dispose();
        NodeKey.Dispose();
    }
}
