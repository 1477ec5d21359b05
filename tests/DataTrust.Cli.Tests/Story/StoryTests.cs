using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using DataTrust.Cli.Tests.Commands;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.LocalChain;

namespace DataTrust.Cli.Tests.Story;

/// <summary>
/// The whole story of DESIGN.md driven through the CLI's own entry point, against a real anvil and a real node that
/// the CLI itself serves (<c>datatrust node serve</c> in the background), with the on-chain state checked after each step.
/// </summary>
public sealed class StoryTests : IAsyncLifetime
{
    private const string Password = CliFixture.Password;
    private readonly string _root = Directory.CreateTempSubdirectory("datatrust-story-").FullName;
    private readonly CancellationTokenSource _stopNode = new();
    private LocalChain? _chain;
    private Task<CliRun>? _node;
    private StoryTls? _tls;

    private string Rpc => _chain!.RpcUri.ToString();

    private string DeploymentFile => Path.Combine(_root, "deployment.json");

    public async Task InitializeAsync()
    {
        _chain = await LocalChain.StartAsync();
        _tls = new StoryTls(Path.Combine(_root, "tls"));
    }

    private string CaFile => _tls!.CaFile;

    public async Task DisposeAsync()
    {
        await _stopNode.CancelAsync();
        if (_node is not null)
        {
            await _node;
        }

        await _chain!.DisposeAsync();
        _tls?.Dispose();
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

    private async Task<DataTrustLedger> LedgerAsync()
    {
        var rpc = _chain!.CreateClient();
        return await DataTrustLedger.ConnectAsync(rpc, Deployment.Load(DeploymentFile));
    }

    [Fact]
    public async Task The_whole_story_runs_through_the_cli_and_the_audit_passes()
    {
        // Keys and deployment.
        var (authority, _) = await KeyAsync("authority");
        var (op, opAddress) = await KeyAsync("operator");
        var (bank, bankAddress) = await KeyAsync("bank");
        var (other, otherAddress) = await KeyAsync("other");
        var (nodeKey, nodeAddress) = await KeyAsync("node");
        await MustAsync("chain", "deploy", "--key", authority, "--rpc", Rpc, "--out", DeploymentFile);
        foreach (var account in new[] { opAddress, bankAddress, otherAddress, nodeAddress })
        {
            await MustAsync("chain", "fund", "--rpc", Rpc, "--address", account.ToString(), "--ether", "10");
        }

        var ledger = await LedgerAsync();

        // The authority admits the participants.
        await MustAsync(As(authority, "admin", "admit", "--role", "operator", "--account", opAddress.ToString(), "--name", "Tax data operator"));
        await MustAsync(As(authority, "admin", "admit", "--role", "enterprise", "--account", bankAddress.ToString(), "--name", "Bank", "--credit-code", CliFixture.CreditCode));
        await MustAsync(As(authority, "admin", "admit", "--role", "enterprise", "--account", otherAddress.ToString(), "--name", "Other", "--credit-code", CliFixture.CreditCode));
        Assert.True(await ledger.Participants.IsActiveAsync(bankAddress, Role.Enterprise));

        // The node imports its register and serves it; the authority admits it with its endpoint.
        var data = Path.Combine(_root, "node");
        await MustAsync("node", "import", "--data", data, "--sample", "tax", "--rows", "1500");
        var endpoint = $"127.0.0.1:{FreePort()}";
        _node = RunAsync(["node", "serve", "--data", data, "--listen", endpoint, .. _tls!.ServeOptions, "--rpc", Rpc, "--deployment", DeploymentFile, "--key", nodeKey], _stopNode.Token);
        await MustAsync(As(authority, "admin", "admit-node", "--account", nodeAddress.ToString(), "--name", "Tax node", "--domain", "tax", "--endpoint", $"https://{endpoint}"));
        Assert.Equal($"https://{endpoint}", (await ledger.Participants.GetNodeAsync(nodeAddress)).Endpoint);

        // The operator publishes; the bank requests; the operator grants.
        await WaitForNodeAsync(op, nodeAddress);
        var datasetId = DatasetIds.OnChainId("tax");
        Assert.Equal(nodeAddress, (await ledger.Catalog.GetDatasetAsync(datasetId)).Spec.Node);
        await MustAsync(As(bank, "enterprise", "request", "--dataset", "tax", "--purpose", "small-business credit risk statistics"));
        var requestId = await ledger.Licenses.GetRequestCountAsync();
        Assert.Equal(RequestStatus.Pending, (await ledger.Licenses.GetRequestAsync(requestId)).Status);
        await MustAsync(As(op, "operator", "grant", "--request", requestId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--kinds", "aggregate", "--quota", "20", "--days", "90", "--epsilon", "2.0"));
        var licenseId = (await ledger.Licenses.GetRequestAsync(requestId)).LicenseId;
        var license = await ledger.Licenses.GetLicenseAsync(licenseId);
        Assert.Equal(20u, license.Quota);
        Assert.Equal(Epsilon.Parse("2.0"), license.EpsilonBudget);

        // The bank runs a job with ε and fetches its result again; both are checked against the chain.
        var query = Path.Combine(_root, "query.json");
        await File.WriteAllTextAsync(query, """{"datasetId":"tax","groupBy":["year"],"measures":[{"function":"COUNT"},{"function":"SUM","column":"tax_paid"}]}""");
        var resultFile = Path.Combine(_root, "job-1.json");
        var explained0 = await MustAsync(As(bank, "enterprise", "submit", "--tls-ca", CaFile, "--license", licenseId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--query", query, "--epsilon", "0.5", "--explain-only"));
        Assert.Contains("allowed: the job would spend 1 query and ε 0.5; nothing was submitted", explained0.Out, StringComparison.Ordinal);
        Assert.Contains("it would withhold none of its 6 cells", explained0.Out, StringComparison.Ordinal); // noisy: 3 years × 2 measures, none withheld
        Assert.Equal(0UL, await ledger.Jobs.GetJobCountAsync());
        var submitted = await MustAsync(As(bank, "enterprise", "submit", "--tls-ca", CaFile, "--license", licenseId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--query", query, "--epsilon", "0.5", "--out", resultFile));
        Assert.Contains("matches the chain", submitted.Out, StringComparison.Ordinal);
        var job = await ledger.Jobs.GetJobAsync(1);
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(Epsilon.Parse("1.5"), (await ledger.Licenses.GetLicenseAsync(licenseId)).EpsilonRemaining);
        var fetched = Path.Combine(_root, "job-1-again.json");
        await MustAsync(As(bank, "enterprise", "result", "--tls-ca", CaFile, "--job", "1", "--out", fetched));
        Assert.Equal(await File.ReadAllTextAsync(resultFile), await File.ReadAllTextAsync(fetched));

        // The node serves TLS only: a client that trusts only the system's roots is refused with one sentence naming the
        // fix, no stack trace, and nothing is saved.
        var untrustedFile = Path.Combine(_root, "job-1-untrusted.json");
        var untrusted = await RunAsync(As(bank, "enterprise", "result", "--job", "1", "--out", untrustedFile));
        Assert.NotEqual(CliApp.Ok, untrusted.Exit);
        Assert.Contains("TLS connection to the node", untrusted.Error, StringComparison.Ordinal);
        Assert.Contains("--tls-ca", untrusted.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", untrusted.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(untrustedFile));

        // Refusals: another enterprise under the bank's license; a JOIN_KEY query (Explain, nothing submitted).
        var refused = await RunAsync(As(other, "enterprise", "submit", "--tls-ca", CaFile, "--license", licenseId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--query", query, "--epsilon", "0.5"));
        Assert.Equal(CliApp.Refused, refused.Exit);
        Assert.Contains("NotLicensee", refused.Error, StringComparison.Ordinal);
        var joinKey = Path.Combine(_root, "joinkey.json");
        await File.WriteAllTextAsync(joinKey, """{"datasetId":"tax","groupBy":["uscc"],"measures":[{"function":"COUNT"}]}""");
        var policy = await RunAsync(As(bank, "enterprise", "submit", "--tls-ca", CaFile, "--license", licenseId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--query", joinKey));
        Assert.Equal(CliApp.Refused, policy.Exit);
        Assert.Contains("JOIN_KEY", policy.Error, StringComparison.Ordinal);
        Assert.Equal(1UL, await ledger.Jobs.GetJobCountAsync());

        // The operator revokes; the next job is refused, decoded.
        await MustAsync(As(op, "operator", "revoke", "--license", licenseId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--reason", "purpose review"));
        Assert.True((await ledger.Licenses.GetLicenseAsync(licenseId)).Revoked);
        var explained = await RunAsync(As(bank, "enterprise", "submit", "--tls-ca", CaFile, "--license", licenseId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--query", query, "--epsilon", "0.5"));
        Assert.Equal(CliApp.Refused, explained.Exit);
        Assert.Contains("revoked", explained.Error, StringComparison.Ordinal);
        var afterRevoke = await RunAsync(As(bank, "enterprise", "submit", "--tls-ca", CaFile, "--no-explain", "--license", licenseId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--query", query));
        Assert.Equal(CliApp.Refused, afterRevoke.Exit);
        Assert.Contains("refused: LicenseRevoked(licenseId: 1)", afterRevoke.Error, StringComparison.Ordinal);
        Assert.Equal(1UL, await ledger.Jobs.GetJobCountAsync());

        // The auditor verifies the trail with the node's log and the bank's result file.
        var audit = await MustAsync("audit", "verify", "--rpc", Rpc, "--deployment", DeploymentFile, "--result", resultFile, "--execution-log", Path.Combine(data, "execution.log"), "--log-node", nodeAddress.ToString());
        Assert.DoesNotContain("FAIL", audit.Out, StringComparison.Ordinal);
    }

    private async Task WaitForNodeAsync(string op, Address node)
    {
        // The node serves in the background; publish as soon as it answers, SENSITIVE with the sample's domains and cap.
        var policy = Path.Combine(_root, "tax-policy.json");
        await File.WriteAllTextAsync(policy, CliFixture.TaxPolicy);
        for (var attempt = 0; ; attempt++)
        {
            var run = await RunAsync(As(op, "operator", "publish", "--tls-ca", CaFile, "--dataset", "tax", "--node", node.ToString(), "--policy", policy));
            if (run.Exit == 0)
            {
                return;
            }

            Assert.True(attempt < 40 && run.Error.Contains("cannot be reached", StringComparison.OrdinalIgnoreCase) || attempt < 40 && run.Error.Contains("node", StringComparison.OrdinalIgnoreCase), $"publish failed: {run.Error}");
            Assert.False(_node!.IsCompleted, $"node serve stopped: {(_node.IsCompleted ? _node.Result.Error : string.Empty)}");
            await Task.Delay(250);
        }
    }
}
