using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;

namespace DataTrust.Cli.Common;

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
    /// <exception cref="CliException">The connection is read-only.</exception>
    public EthereumKey Key => _key ?? throw new CliException("This command needs --key.");

    /// <summary>Connects: reads the deployment file, checks the chain id and that the contracts are there, opens the keystore.</summary>
    public static async Task<ChainConnection> OpenAsync(CliEnvironment environment, Uri rpcUri, FileInfo deploymentFile, FileInfo? keystore)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(deploymentFile);
        if (!deploymentFile.Exists)
        {
            throw new CliException($"The deployment file '{deploymentFile.FullName}' does not exist; run 'datatrust chain deploy' or pass --deployment.");
        }

        var deployment = Deployment.Load(deploymentFile.FullName);
        var key = keystore is null ? null : Keys.Open(environment, keystore);
        var rpc = new JsonRpcClient(rpcUri);
        try
        {
            var ledger = await DataTrustLedger.ConnectAsync(rpc, deployment, key, cancellationToken: environment.CancellationToken).ConfigureAwait(false);
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
