using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataTrust.Ledger;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Cli.Common;

/// <summary>Facts about local development chains (anvil, ganache): only there may the CLI mint test ether.</summary>
public static class DevChain
{
    /// <summary>Wei in one ether.</summary>
    public static readonly BigInteger WeiPerEther = BigInteger.Pow(10, 18);

    /// <summary>True when the endpoint is a local anvil or ganache (its <c>web3_clientVersion</c> names one).</summary>
    public static async Task<bool> IsDevChainAsync(JsonRpcClient rpc, CancellationToken cancellationToken) =>
        await BalanceMethodAsync(rpc, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>Sets an account's balance on a dev chain (<c>anvil_setBalance</c>, or ganache's <c>evm_setAccountBalance</c>).</summary>
    /// <exception cref="InvalidOperationException">The endpoint is neither anvil nor ganache.</exception>
    public static async Task SetBalanceAsync(JsonRpcClient rpc, Address account, BigInteger wei, CancellationToken cancellationToken)
    {
        var method = await BalanceMethodAsync(rpc, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("The endpoint is not a local development chain (anvil or ganache); test ether can only be minted there.");
        await rpc.CallAsync(method, new JsonArray(account.ToString(), JsonRpcClient.ToQuantity(wei)), cancellationToken).ConfigureAwait(false);
    }

    private static async Task<string?> BalanceMethodAsync(JsonRpcClient rpc, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        var version = await rpc.CallAsync("web3_clientVersion", [], cancellationToken).ConfigureAwait(false);
        var name = version.ValueKind == JsonValueKind.String ? version.GetString()! : string.Empty;
        if (name.Contains("anvil", StringComparison.OrdinalIgnoreCase))
        {
            return "anvil_setBalance";
        }

        // Ganache answers "Ganache/v7.9.2/EthereumJS TestRPC/...".
        return name.StartsWith("Ganache/", StringComparison.OrdinalIgnoreCase) ? "evm_setAccountBalance" : null;
    }
}
