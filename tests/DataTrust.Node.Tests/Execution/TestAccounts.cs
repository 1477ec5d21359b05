using System.Numerics;
using DataTrust.Ledger;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;

namespace DataTrust.Node.Tests.Execution;

/// <summary>Keys a fixture creates on a local chain: funded on demand, disposed with the fixture.</summary>
public sealed class TestAccounts(JsonRpcClient rpc) : IDisposable
{
    private readonly List<EthereumKey> _keys = [];

    /// <summary>Disposes <paramref name="key"/> with the others.</summary>
    public EthereumKey Keep(EthereumKey key)
    {
        _keys.Add(key);
        return key;
    }

    /// <summary>A new key whose account holds 1,000 ether.</summary>
    public async Task<EthereumKey> FundedAsync()
    {
        var key = Keep(EthereumKey.Generate());
        await FundAsync(key.Address);
        return key;
    }

    /// <summary>Gives an account 1,000 ether.</summary>
    public Task FundAsync(Address address) =>
        rpc.CallAsync("anvil_setBalance", [address.ToLowerHex(), JsonRpcClient.ToQuantity(BigInteger.Pow(10, 21))]);

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var key in _keys)
        {
            key.Dispose();
        }
    }
}
