using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;

namespace DataTrust.Client;

/// <summary>An open connection to a DataTrust deployment, as the acting account (or read-only).</summary>
public sealed class ChainConnection : IDisposable
{
    private readonly EthereumKey? _key;

    private ChainConnection(JsonRpcClient rpc, DataTrustLedger ledger, EthereumKey? key)
    {
        Rpc = rpc;
        Ledger = ledger;
        _key = key;
    }

    /// <summary>The JSON-RPC client.</summary>
    public JsonRpcClient Rpc { get; }

    /// <summary>The bound contracts.</summary>
    public DataTrustLedger Ledger { get; }

    /// <summary>The acting account's key.</summary>
    /// <exception cref="ClientException">The connection is read-only.</exception>
    public EthereumKey Key => _key ?? throw new ClientException("This command needs --key.");

    /// <summary>Connects: reads the deployment file, checks the chain id and that the contracts are there, opens the acting account's key.</summary>
    /// <param name="rpcUri">The chain's JSON-RPC endpoint.</param>
    /// <param name="deploymentFile">The deployment file that names the contracts.</param>
    /// <param name="openKey">Opens the acting account's key (called once the deployment file is found; the connection owns the key), or null for read-only.</param>
    /// <param name="cancellationToken">Cancels the connection.</param>
    public static async Task<ChainConnection> OpenAsync(Uri rpcUri, FileInfo deploymentFile, Func<EthereumKey>? openKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deploymentFile);
        if (!deploymentFile.Exists)
        {
            throw new ClientException($"The deployment file '{deploymentFile.FullName}' does not exist; run 'datatrust chain deploy' or pass --deployment.");
        }

        var deployment = Deployment.Load(deploymentFile.FullName);
        var key = openKey?.Invoke();
        var rpc = new JsonRpcClient(rpcUri);
        try
        {
            var ledger = await DataTrustLedger.ConnectAsync(rpc, deployment, key, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new ChainConnection(rpc, ledger, key);
        }
        catch
        {
            rpc.Dispose();
            key?.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Rpc.Dispose();
        _key?.Dispose();
    }
}
