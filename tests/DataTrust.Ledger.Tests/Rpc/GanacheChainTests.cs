using System.Diagnostics;
using System.Numerics;
using System.Text.Json.Nodes;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;
using Xunit.Abstractions;

namespace DataTrust.Ledger.Tests.Rpc;

// The launcher's second engine: ganache, run with Node.js from the pinned package, must look like anvil to the rest of
// DataTrust (same keys, same chain id, same readiness and shutdown), with ganache's own flags behind it.
public class GanacheChainTests(ITestOutputHelper output)
{
    private static readonly LocalChainOptions Ganache = new() { Engine = ChainEngine.Ganache };

    [Fact]
    public async Task Ganache_starts_with_anvils_development_keys_and_the_chain_id_asked_for()
    {
        var clock = Stopwatch.StartNew();
        await using var ganache = await LocalChain.LocalChain.StartAsync(Ganache with { ChainId = 4242, Accounts = 3 });
        var ganacheStart = clock.Elapsed;
        clock.Restart();
        await using var anvil = await LocalChain.LocalChain.StartAsync(new LocalChainOptions { Accounts = 3 });
        output.WriteLine($"start until JSON-RPC answers: ganache {ganacheStart.TotalMilliseconds:0} ms, anvil {clock.Elapsed.TotalMilliseconds:0} ms");

        using var rpc = ganache.CreateClient();
        var version = await rpc.CallAsync("web3_clientVersion", []);
        Assert.StartsWith("Ganache/v7.9.2", version.GetString(), StringComparison.Ordinal);
        Assert.Equal(ChainEngine.Ganache, ganache.Engine);
        Assert.Equal(4242UL, await rpc.GetChainIdAsync());
        Assert.Equal(3, ganache.DevelopmentPrivateKeys.Count);
        Assert.Equal(anvil.DevelopmentPrivateKeys, ganache.DevelopmentPrivateKeys);

        using var anvilRpc = anvil.CreateClient();
        var accounts = await rpc.CallAsync("eth_accounts", []);
        var first = Address.Parse(accounts[0].GetString()!);
        Assert.Equal(await anvilRpc.GetBalanceAsync(first, BlockTag.Latest), await rpc.GetBalanceAsync(first, BlockTag.Latest));
    }

    [Fact]
    public async Task Ganache_survives_a_restart_through_its_database_folder()
    {
        var dir = Directory.CreateTempSubdirectory("datatrust-ganache-db-");
        var to = Address.Parse("0x00000000000000000000000000000000005ea7ed");
        try
        {
            var options = Ganache with { StatePath = Path.Combine(dir.FullName, "db") };
            await using (var first = await LocalChain.LocalChain.StartAsync(options))
            {
                using var rpc = first.CreateClient();
                var accounts = await rpc.CallAsync("eth_accounts", []);
                var hash = await rpc.CallAsync("eth_sendTransaction", [new JsonObject { ["from"] = accounts[0].GetString(), ["to"] = to.ToLowerHex(), ["value"] = "0x2a" }]);
                await rpc.WaitForReceiptAsync(Hash32.Parse(hash.GetString()!));
            }

            await using var second = await LocalChain.LocalChain.StartAsync(options);
            using var rpc2 = second.CreateClient();

            Assert.Equal(42, (int)await rpc2.GetBalanceAsync(to, BlockTag.Latest));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Ganache_with_a_block_time_mines_blocks_without_transactions_and_stops_without_a_trace()
    {
        var chain = await LocalChain.LocalChain.StartAsync(Ganache with { BlockTime = TimeSpan.FromMilliseconds(200) });
        var pid = chain.ProcessId;
        using (var rpc = chain.CreateClient())
        {
            var before = await rpc.GetBlockNumberAsync();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (await rpc.GetBlockNumberAsync() < before + 2)
            {
                Assert.True(DateTime.UtcNow < deadline, "ganache mined no blocks on its own with a 200 ms block time");
                await Task.Delay(100);
            }
        }

        await chain.DisposeAsync();

        Assert.False(IsAlive(pid), "node running ganache is still alive after Dispose");
    }

    [Fact]
    public async Task A_port_already_in_use_is_reported_with_ganaches_output()
    {
        await using var anvil = await LocalChain.LocalChain.StartAsync();

        var ex = await Assert.ThrowsAsync<LocalChainException>(() =>
            LocalChain.LocalChain.StartAsync(Ganache with { Port = anvil.RpcUri.Port, StartTimeout = TimeSpan.FromSeconds(30) }));

        Assert.Contains("ganache", ex.Message, StringComparison.Ordinal);
        Assert.Contains("EADDRINUSE", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Our_contracts_deploy_on_ganache_and_its_refusals_are_decoded_custom_errors()
    {
        await using var ganache = await LocalChain.LocalChain.StartAsync(Ganache);
        using var rpc = ganache.CreateClient();
        using var authorityKey = EthereumKey.FromPrivateKeyHex(ganache.DevelopmentPrivateKeys[0]);
        var authority = await DataTrustLedger.DeployAsync(rpc, authorityKey);
        using var outsiderKey = EthereumKey.Generate();
        await rpc.CallAsync("evm_setAccountBalance", [outsiderKey.Address.ToLowerHex(), JsonRpcClient.ToQuantity(BigInteger.Pow(10, 20))]);
        var outsider = await DataTrustLedger.ConnectAsync(rpc, authority.Deployment, outsiderKey);
        await authority.Participants.AdmitAsync(outsiderKey.Address, Role.Auditor, "Audit office");

        var notAuthority = await Assert.ThrowsAsync<ContractRevertedException>(() => outsider.Participants.AdmitAsync(authorityKey.Address, Role.Operator, "x"));
        var alreadyAdmitted = await Assert.ThrowsAsync<ContractRevertedException>(() => authority.Participants.AdmitAsync(outsiderKey.Address, Role.Operator, "again"));

        Assert.Equal("NotAuthority", notAuthority.ErrorName);
        Assert.Equal(outsiderKey.Address, notAuthority.Error.Arguments.GetAddress("caller"));
        Assert.Equal("AlreadyAdmitted", alreadyAdmitted.ErrorName);
        Assert.True(await authority.Participants.IsActiveAsync(outsiderKey.Address, Role.Auditor));
        Assert.False(await authority.Participants.IsActiveAsync(outsiderKey.Address, Role.Operator));
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
