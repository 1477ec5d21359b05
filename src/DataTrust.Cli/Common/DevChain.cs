using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataTrust.Ledger;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Cli.Common;

/// <summary>Facts about local development chains (anvil): only there may the CLI mint test ether.</summary>
public static class DevChain
{
    /// <summary>Wei in one ether.</summary>
    public static readonly BigInteger WeiPerEther = BigInteger.Pow(10, 18);

    /// <summary>True when the endpoint is a local anvil (its <c>web3_clientVersion</c> names anvil).</summary>
    public static async Task<bool> IsDevChainAsync(JsonRpcClient rpc, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        var version = await rpc.CallAsync("web3_clientVersion", [], cancellationToken).ConfigureAwait(false);
        return version.ValueKind == JsonValueKind.String
            && version.GetString()!.Contains("anvil", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Sets an account's balance on a dev chain (<c>anvil_setBalance</c>).</summary>
    public static async Task SetBalanceAsync(JsonRpcClient rpc, Address account, BigInteger wei, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        await rpc.CallAsync("anvil_setBalance", new JsonArray(account.ToString(), JsonRpcClient.ToQuantity(wei)), cancellationToken).ConfigureAwait(false);
    }
}
