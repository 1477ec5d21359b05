using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using DataTrust.Cli.Tests.Commands;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.LocalChain;
using Xunit.Abstractions;

namespace DataTrust.Cli.Tests.Story;

/// <summary>
/// The CLI story on ganache, a second EVM that is not anvil: our contracts deployed with <c>chain deploy</c>, a node
/// served by the CLI, publish → request → grant → job → result again → audit PASS, and ledger refusals that ganache
/// returns in its own error shape read as the decoded custom error. A representative subset of <see cref="StoryTests"/>
/// (one aggregate job, two refusals sent to the chain), so it stays well under a minute on ganache.
/// </summary>
public sealed class GanacheStoryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Password = CliFixture.Password;
    private readonly string _root = Directory.CreateTempSubdirectory("datatrust-ganache-story-").FullName;
    private readonly CancellationTokenSource _stopNode = new();
    private LocalChain? _chain;
    private Task<CliRun>? _node;

    private string Rpc => _chain!.RpcUri.ToString();

    private string DeploymentFile => Path.Combine(_root, "deployment.json");

    public async Task InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        _chain = await LocalChain.StartAsync(new LocalChainOptions { Engine = ChainEngine.Ganache });
        output.WriteLine($"ganache answered JSON-RPC after {clock.ElapsedMilliseconds} ms");
    }

    public async Task DisposeAsync()
    {
        await _stopNode.CancelAsync();
        if (_node is not null)
        {
            await _node;
        }

        await _chain!.DisposeAsync();
        _stopNode.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private static async Task<CliRun> RunAsync(string[] args, CancellationToken cancellationToken = default) =>
        await CliFixture.RunAsync(args, Password, cancellationToken);

    private static async Task<CliRun> MustAsync(params string[] args)
    {
        var run = await RunAsync(args);
        Assert.True(run.Exit == 0, $"datatrust {string.Join(' ', args)} exited {run.Exit}: {run.Error}");
        return run;
    }

    private async Task<(string Key, Address Address)> KeyAsync(string name)
    {
        var run = await MustAsync("keys", "new", "--light", "--out", Path.Combine(_root, "keys", name), "--json");
        using var json = JsonDocument.Parse(run.Out);
        return (json.RootElement.GetProperty("keystore").GetString()!, Address.Parse(json.RootElement.GetProperty("address").GetString()!));
    }

    private string[] As(string key, params string[] args) => [.. args, "--rpc", Rpc, "--deployment", DeploymentFile, "--key", key];

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [Fact]
    public async Task The_story_runs_on_ganache_and_its_ledger_refusals_read_as_decoded_custom_errors()
    {
        var clock = Stopwatch.StartNew();
        using var rpc = _chain!.CreateClient();
        Assert.StartsWith("Ganache/", (await rpc.CallAsync("web3_clientVersion", [])).GetString(), StringComparison.Ordinal);

        // Keys; the deployment funds its authority itself (ganache's evm_setAccountBalance), the others through chain fund.
        var (authority, _) = await KeyAsync("authority");
        var (op, opAddress) = await KeyAsync("operator");
        var (bank, bankAddress) = await KeyAsync("bank");
        var (other, otherAddress) = await KeyAsync("other");
        var (nodeKey, nodeAddress) = await KeyAsync("node");
        await MustAsync("chain", "deploy", "--key", authority, "--rpc", Rpc, "--out", DeploymentFile);
        foreach (var account in new[] { opAddress, bankAddress, otherAddress, nodeAddress })
        {
            await MustAsync("chain", "fund", "--rpc", Rpc, "--address", account.ToString(), "--ether", "10");
            Assert.Equal(10 * BigInteger1e18, await rpc.GetBalanceAsync(account, Ledger.Rpc.BlockTag.Latest));
        }

        using var ledgerRpc = _chain.CreateClient();
        var ledger = await DataTrustLedger.ConnectAsync(ledgerRpc, Deployment.Load(DeploymentFile));

        await MustAsync(As(authority, "admin", "admit", "--role", "operator", "--account", opAddress.ToString(), "--name", "Tax data operator"));
        await MustAsync(As(authority, "admin", "admit", "--role", "enterprise", "--account", bankAddress.ToString(), "--name", "Bank", "--credit-code", CliFixture.CreditCode));
        await MustAsync(As(authority, "admin", "admit", "--role", "enterprise", "--account", otherAddress.ToString(), "--name", "Other", "--credit-code", CliFixture.CreditCode));
        Assert.True(await ledger.Participants.IsActiveAsync(bankAddress, Role.Enterprise));

        var data = Path.Combine(_root, "node");
        await MustAsync("node", "import", "--data", data, "--sample", "tax", "--rows", "600");
        var endpoint = $"127.0.0.1:{FreePort()}";
        _node = RunAsync(["node", "serve", "--data", data, "--listen", endpoint, "--rpc", Rpc, "--deployment", DeploymentFile, "--key", nodeKey], _stopNode.Token);
        await MustAsync(As(authority, "admin", "admit-node", "--account", nodeAddress.ToString(), "--name", "Tax node", "--domain", "tax", "--endpoint", $"http://{endpoint}"));

        // Publish, request, grant.
        await PublishWhenTheNodeAnswersAsync(op, nodeAddress);
        Assert.Equal(nodeAddress, (await ledger.Catalog.GetDatasetAsync(DatasetIds.OnChainId("tax"))).Spec.Node);
        await MustAsync(As(bank, "enterprise", "request", "--dataset", "tax", "--purpose", "small-business credit risk statistics"));
        var requestId = await ledger.Licenses.GetRequestCountAsync();
        await MustAsync(As(op, "operator", "grant", "--request", Id(requestId), "--kinds", "aggregate", "--quota", "5", "--days", "30", "--epsilon", "2.0"));
        var licenseId = (await ledger.Licenses.GetRequestAsync(requestId)).LicenseId;
        Assert.Equal(5u, (await ledger.Licenses.GetLicenseAsync(licenseId)).Quota);

        // One job with ε, checked against the chain, then fetched again.
        var query = Path.Combine(_root, "query.json");
        await File.WriteAllTextAsync(query, """{"datasetId":"tax","groupBy":["year"],"measures":[{"function":"COUNT"},{"function":"SUM","column":"tax_paid"}]}""");
        var resultFile = Path.Combine(_root, "job-1.json");
        var submitted = await MustAsync(As(bank, "enterprise", "submit", "--license", Id(licenseId), "--query", query, "--epsilon", "0.5", "--out", resultFile));
        Assert.Contains("matches the chain", submitted.Out, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Completed, (await ledger.Jobs.GetJobAsync(1)).Status);
        Assert.Equal(Epsilon.Parse("1.5"), (await ledger.Licenses.GetLicenseAsync(licenseId)).EpsilonRemaining);
        var fetched = Path.Combine(_root, "job-1-again.json");
        await MustAsync(As(bank, "enterprise", "result", "--job", "1", "--out", fetched));
        Assert.Equal(await File.ReadAllTextAsync(resultFile), await File.ReadAllTextAsync(fetched));

        // Refusal 1, sent to ganache without Explain: another enterprise under the bank's license.
        var notLicensee = await RunAsync(As(other, "enterprise", "submit", "--no-explain", "--license", Id(licenseId), "--query", query, "--epsilon", "0.5"));
        Assert.Equal(CliApp.Refused, notLicensee.Exit);
        Assert.Contains("NotLicensee", notLicensee.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("VM Exception", notLicensee.Error, StringComparison.Ordinal);

        // Refusal 2: the operator revokes; the bank's next job is refused by the contract, decoded with its argument.
        await MustAsync(As(op, "operator", "revoke", "--license", Id(licenseId), "--reason", "purpose review"));
        var revoked = await RunAsync(As(bank, "enterprise", "submit", "--no-explain", "--license", Id(licenseId), "--query", query));
        Assert.Equal(CliApp.Refused, revoked.Exit);
        Assert.Contains("refused: LicenseRevoked(licenseId: 1)", revoked.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("VM Exception", revoked.Error, StringComparison.Ordinal);

        // Neither refusal changed the chain: still one job, the license's quota and ε as the one job left them.
        Assert.Equal(1UL, await ledger.Jobs.GetJobCountAsync());
        var license = await ledger.Licenses.GetLicenseAsync(licenseId);
        Assert.Equal(Epsilon.Parse("1.5"), license.EpsilonRemaining);

        // The auditor verifies the trail on ganache.
        var audit = await MustAsync("audit", "verify", "--rpc", Rpc, "--deployment", DeploymentFile, "--result", resultFile, "--execution-log", Path.Combine(data, "execution.log"), "--log-node", nodeAddress.ToString());
        Assert.Contains("PASS", audit.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL", audit.Out, StringComparison.Ordinal);
        output.WriteLine($"story on ganache: {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private static readonly System.Numerics.BigInteger BigInteger1e18 = System.Numerics.BigInteger.Pow(10, 18);

    private static string Id(ulong id) => id.ToString(CultureInfo.InvariantCulture);

    private async Task PublishWhenTheNodeAnswersAsync(string op, Address node)
    {
        var policy = Path.Combine(_root, "tax-policy.json");
        await File.WriteAllTextAsync(policy, CliFixture.TaxPolicy);
        for (var attempt = 0; ; attempt++)
        {
            var run = await RunAsync(As(op, "operator", "publish", "--dataset", "tax", "--node", node.ToString(), "--policy", policy));
            if (run.Exit == 0)
            {
                return;
            }

            Assert.True(attempt < 40 && run.Error.Contains("node", StringComparison.OrdinalIgnoreCase), $"publish failed: {run.Error}");
            Assert.False(_node!.IsCompleted, $"node serve stopped: {(_node.IsCompleted ? _node.Result.Error : string.Empty)}");
            await Task.Delay(250);
        }
    }
}
