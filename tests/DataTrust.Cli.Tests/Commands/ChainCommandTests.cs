using DataTrust.Ledger;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Cli.Tests.Commands;

[Collection(CliCollection.Name)]
public sealed class ChainCommandTests(CliFixture fixture)
{
    [Fact]
    public async Task Start_runs_a_chain_until_cancelled_then_stops_and_writes_its_state()
    {
        var state = Path.Combine(fixture.Root, "chain-state.json");
        using var cancel = new CancellationTokenSource();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var environment = CliFixture.Environment(output, error, cancellationToken: cancel.Token);

        var running = CliApp.RunAsync(["chain", "start", "--port", "0", "--state", state], environment);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!output.ToString().Contains("Press Ctrl+C", StringComparison.Ordinal) && DateTime.UtcNow < deadline && !running.IsCompleted)
        {
            await Task.Delay(50);
        }

        var url = output.ToString().Split("listening on ")[1].Split('\n')[0].Trim();
        using (var rpc = new JsonRpcClient(new Uri(url)))
        {
            Assert.Equal(31337UL, await rpc.GetChainIdAsync());
        }

        await cancel.CancelAsync();
        var exit = await running;

        Assert.Equal(CliApp.Ok, exit);
        Assert.Contains("funded TEST accounts", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("Chain stopped", output.ToString(), StringComparison.Ordinal);
        Assert.True(File.Exists(state));
    }

    [Fact]
    public async Task Start_with_engine_ganache_runs_ganache_with_the_same_dev_accounts_and_stops_it()
    {
        using var cancel = new CancellationTokenSource();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var environment = CliFixture.Environment(output, error, cancellationToken: cancel.Token);

        var running = CliApp.RunAsync(["chain", "start", "--port", "0", "--engine", "ganache"], environment);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!output.ToString().Contains("Press Ctrl+C", StringComparison.Ordinal) && DateTime.UtcNow < deadline && !running.IsCompleted)
        {
            await Task.Delay(50);
        }

        Assert.Contains("(ganache) listening on ", output.ToString(), StringComparison.Ordinal);
        var url = output.ToString().Split("listening on ")[1].Split('\n')[0].Trim();
        using (var rpc = new JsonRpcClient(new Uri(url)))
        {
            Assert.StartsWith("Ganache/", (await rpc.CallAsync("web3_clientVersion", [])).GetString(), StringComparison.Ordinal);
            Assert.Equal(31337UL, await rpc.GetChainIdAsync());
        }

        await cancel.CancelAsync();
        var exit = await running;

        Assert.Equal(CliApp.Ok, exit);
        Assert.Contains("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("Chain stopped", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_with_an_unknown_engine_fails_with_one_sentence_and_starts_nothing()
    {
        var run = await fixture.RunAsync("chain", "start", "--port", "0", "--engine", "hardhat", "--exit-after-seconds", "1");

        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.Contains("--engine 'hardhat' is not a local chain DataTrust can run: use anvil or ganache.", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        Assert.DoesNotContain("listening", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fund_sets_the_balance_of_an_account_on_a_dev_chain()
    {
        var (_, account) = await fixture.NewKeyAsync("fund-me");

        await fixture.MustAsync("chain", "fund", "--rpc", fixture.Rpc, "--address", account.ToString(), "--ether", "2.5");

        Assert.Equal(25 * System.Numerics.BigInteger.Pow(10, 17), await fixture.Ledger.Rpc.GetBalanceAsync(account, BlockTag.Latest));
    }

    [Theory]
    [InlineData("0", "must be a positive number")]
    [InlineData("lots", "must be a positive number")]
    public async Task Fund_with_a_bad_amount_fails_with_one_sentence(string ether, string expected)
    {
        var run = await fixture.RunAsync("chain", "fund", "--rpc", fixture.Rpc, "--address", Address.Zero.ToString(), "--ether", ether);

        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.Contains(expected, Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_funds_an_empty_account_on_a_dev_chain_and_says_so()
    {
        var (key, account) = await fixture.NewKeyAsync("second-authority");
        var file = Path.Combine(fixture.Root, "second-deployment.json");

        var run = await fixture.MustAsync("chain", "deploy", "--key", key, "--rpc", fixture.Rpc, "--out", file, "--json");

        Assert.Contains("test ether", run.Error, StringComparison.Ordinal);
        Assert.Equal(account, DataTrust.Ledger.Contracts.Deployment.Load(file).Authority);
        Assert.Contains("\"Jobs\"", run.Out, StringComparison.Ordinal);
    }
}
