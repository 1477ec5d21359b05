using System.Diagnostics;
using System.Text.Json.Nodes;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Ledger.Tests.Rpc;

public class LocalChainTests
{
    [Fact]
    public async Task Chain_survives_a_restart_through_its_state_file()
    {
        var dir = Directory.CreateTempSubdirectory("datatrust-state-");
        var state = Path.Combine(dir.FullName, "chain-state.json");
        var to = Address.Parse("0x00000000000000000000000000000000005ea7ed");
        try
        {
            await using (var first = await LocalChain.LocalChain.StartAsync(new LocalChainOptions { StatePath = state }))
            {
                using var rpc = first.CreateClient();
                var accounts = await rpc.CallAsync("eth_accounts", []);
                var hash = await rpc.CallAsync("eth_sendTransaction", [new JsonObject { ["from"] = accounts[0].GetString(), ["to"] = to.ToLowerHex(), ["value"] = "0x2a" }]);
                await rpc.WaitForReceiptAsync(Hash32.Parse(hash.GetString()!));
            }

            Assert.True(File.Exists(state), "anvil wrote no state file on a graceful stop");

            await using var second = await LocalChain.LocalChain.StartAsync(new LocalChainOptions { StatePath = state });
            using var rpc2 = second.CreateClient();
            var balance = await rpc2.GetBalanceAsync(to, BlockTag.Latest);

            Assert.Equal(42, (int)balance);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Stopping_the_chain_leaves_no_process_behind()
    {
        var chain = await LocalChain.LocalChain.StartAsync();
        var pid = chain.ProcessId;

        await chain.DisposeAsync();

        Assert.False(IsAlive(pid));
    }

    [Fact]
    public async Task Anvil_spills_states_into_its_own_folder_which_is_removed_when_the_chain_stops()
    {
        var chain = await LocalChain.LocalChain.StartAsync();
        var cache = chain.StateCacheDirectory;
        Assert.NotNull(cache);
        Assert.True(Directory.Exists(cache));
        Assert.StartsWith(Path.GetTempPath(), cache, StringComparison.Ordinal);

        await chain.DisposeAsync();

        Assert.False(Directory.Exists(cache));
    }

    [Fact]
    public async Task A_port_already_in_use_is_reported_with_anvils_output()
    {
        await using var first = await LocalChain.LocalChain.StartAsync();

        var ex = await Assert.ThrowsAsync<LocalChainException>(() =>
            LocalChain.LocalChain.StartAsync(new LocalChainOptions { Port = first.RpcUri.Port, StartTimeout = TimeSpan.FromSeconds(20) }));

        Assert.Contains("anvil", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Locate_refuses_a_chain_directory_variable_that_points_elsewhere()
    {
        var previous = Environment.GetEnvironmentVariable(ChainToolchain.ChainDirectoryVariable);
        try
        {
            Environment.SetEnvironmentVariable(ChainToolchain.ChainDirectoryVariable, Path.GetTempPath());

            var ex = Assert.Throws<LocalChainException>(ChainToolchain.Locate);

            Assert.Contains(ChainToolchain.ChainDirectoryVariable, ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(ChainToolchain.ChainDirectoryVariable, previous);
        }
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
