using System.Text.Json;
using DataTrust.Cli.Common;
using DataTrust.Cli.Tests.Commands;
using DataTrust.Ledger;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Cli.Tests.Formats;

/// <summary>Accounts admitted on a dev chain get ether for gas; a send without it says how to fund it.</summary>
public sealed class DevChainFundingTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("datatrust-funding-").FullName;
    private LocalChain? _chain;

    public async Task InitializeAsync() => _chain = await LocalChain.StartAsync();

    public async Task DisposeAsync()
    {
        await _chain!.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<(string Key, Address Address)> KeyAsync(string name)
    {
        var run = await CliFixture.RunAsync(["keys", "new", "--light", "--out", Path.Combine(_dir, name), "--json"]);
        Assert.True(run.Exit == 0, run.Error);
        using var json = JsonDocument.Parse(run.Out);
        return (json.RootElement.GetProperty("keystore").GetString()!, Address.Parse(json.RootElement.GetProperty("address").GetString()!));
    }

    [Fact]
    public async Task Admit_funds_the_admitted_account_on_a_dev_chain_and_an_unfunded_send_names_chain_fund()
    {
        var rpc = _chain!.RpcUri.ToString();
        var deployment = Path.Combine(_dir, "deployment.json");
        var (authority, authorityAddress) = await KeyAsync("authority");
        var (_, opAddress) = await KeyAsync("operator");
        var (_, bankAddress) = await KeyAsync("bank");
        Assert.Equal(0, (await CliFixture.RunAsync(["chain", "deploy", "--rpc", rpc, "--key", authority, "--out", deployment])).Exit);
        using var client = _chain.CreateClient();

        var admitted = await CliFixture.RunAsync(["admin", "admit", "--role", "operator", "--account", opAddress.ToString(), "--name", "Operator", "--rpc", rpc, "--deployment", deployment, "--key", authority]);
        Assert.True(admitted.Exit == 0, admitted.Error);
        Assert.Contains($"Funded {opAddress} with 100 test ether", admitted.Error, StringComparison.Ordinal);
        Assert.Equal(100 * DevChain.WeiPerEther, await client.GetBalanceAsync(opAddress, BlockTag.Latest));

        // --no-fund leaves the account without ether.
        var code = (await CliFixture.RunAsync(["keys", "credit-code"])).Out.Trim();
        var unfunded = await CliFixture.RunAsync(["admin", "admit", "--role", "enterprise", "--account", bankAddress.ToString(), "--name", "Bank", "--credit-code", code, "--no-fund", "--rpc", rpc, "--deployment", deployment, "--key", authority]);
        Assert.True(unfunded.Exit == 0, unfunded.Error);
        Assert.DoesNotContain("Funded", unfunded.Error, StringComparison.Ordinal);
        Assert.True((await client.GetBalanceAsync(bankAddress, BlockTag.Latest)).IsZero);

        // A sender without ether (the authority, emptied) is refused by the chain, and the sentence names the fix.
        await DevChain.SetBalanceAsync(client, authorityAddress, 0, CancellationToken.None);
        var send = await CliFixture.RunAsync(["admin", "suspend", "--account", opAddress.ToString(), "--reason", "test", "--rpc", rpc, "--deployment", deployment, "--key", authority]);
        Assert.Equal(CliApp.Failed, send.Exit);
        Assert.Contains("insufficient funds", send.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("datatrust chain fund --rpc", send.Error, StringComparison.Ordinal);
        Assert.Single(send.ErrorLines);
    }

    [Fact]
    public async Task An_enterprise_without_a_credit_code_is_refused_before_the_chain_with_how_to_make_one()
    {
        var rpc = _chain!.RpcUri.ToString();
        var deployment = Path.Combine(_dir, "deployment.json");
        var (authority, _) = await KeyAsync("authority");
        var (_, bankAddress) = await KeyAsync("bank");
        Assert.Equal(0, (await CliFixture.RunAsync(["chain", "deploy", "--rpc", rpc, "--key", authority, "--out", deployment])).Exit);

        var run = await CliFixture.RunAsync(["admin", "admit", "--role", "enterprise", "--account", bankAddress.ToString(), "--name", "Bank", "--rpc", rpc, "--deployment", deployment, "--key", authority]);

        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.Contains("keys credit-code", run.Error, StringComparison.Ordinal);
        using var client = _chain.CreateClient();
        Assert.True((await client.GetBalanceAsync(bankAddress, BlockTag.Latest)).IsZero, "a refused admission funds nothing");
    }
}
