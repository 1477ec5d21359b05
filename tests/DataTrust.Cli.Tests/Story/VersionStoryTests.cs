using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataTrust.Cli.Tests.Commands;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.LocalChain;

namespace DataTrust.Cli.Tests.Story;

/// <summary>
/// Dataset versions through the CLI against a real anvil and a node the CLI serves over TLS with a real DuckDB file:
/// publish v1, a job on v1, import v2, publish v2, a job on v2; the v1 result still verifies against v1's commitment and
/// the audit passes and lists both versions.
/// </summary>
public sealed class VersionStoryTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("datatrust-versions-").FullName;
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

    private static Task<CliRun> RunAsync(string[] args, CancellationToken cancellationToken = default) =>
        CliFixture.RunAsync(args, CliFixture.Password, cancellationToken);

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

    private string[] Chain(params string[] args) => [.. args, "--rpc", Rpc, "--deployment", DeploymentFile];

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [Fact]
    public async Task A_new_version_is_published_jobs_name_their_version_and_the_audit_shows_both()
    {
        var (authority, _) = await KeyAsync("authority");
        var (op, opAddress) = await KeyAsync("operator");
        var (bank, bankAddress) = await KeyAsync("bank");
        var (nodeKey, nodeAddress) = await KeyAsync("node");
        await MustAsync("chain", "deploy", "--key", authority, "--rpc", Rpc, "--out", DeploymentFile);
        foreach (var account in new[] { opAddress, bankAddress, nodeAddress })
        {
            await MustAsync("chain", "fund", "--rpc", Rpc, "--address", account.ToString(), "--ether", "10");
        }

        await MustAsync(As(authority, "admin", "admit", "--role", "operator", "--account", opAddress.ToString(), "--name", "Tax data operator"));
        await MustAsync(As(authority, "admin", "admit", "--role", "enterprise", "--account", bankAddress.ToString(), "--name", "Bank", "--credit-code", CliFixture.CreditCode));
        var data = Path.Combine(_root, "node");
        var imported = await MustAsync("node", "import", "--data", data, "--sample", "tax", "--rows", "600", "--seed", "1");
        Assert.Contains("imported tax version 1: 600 rows", imported.Out, StringComparison.Ordinal);
        var endpoint = $"127.0.0.1:{FreePort()}";
        _node = RunAsync(["node", "serve", "--data", data, "--listen", endpoint, .. _tls!.ServeOptions, "--rpc", Rpc, "--deployment", DeploymentFile, "--key", nodeKey], _stopNode.Token);
        await MustAsync(As(authority, "admin", "admit-node", "--account", nodeAddress.ToString(), "--name", "Tax node", "--domain", "tax", "--endpoint", $"https://{endpoint}"));
        var policy = Path.Combine(_root, "tax-policy.json");
        await File.WriteAllTextAsync(policy, CliFixture.TaxPolicy);
        await PublishWhenTheNodeAnswersAsync(As(op, "operator", "publish", "--tls-ca", _tls.CaFile, "--dataset", "tax", "--node", nodeAddress.ToString(), "--policy", policy));

        using var rpc = _chain!.CreateClient();
        var ledger = await DataTrustLedger.ConnectAsync(rpc, Deployment.Load(DeploymentFile));
        var datasetId = DatasetIds.OnChainId("tax");
        await MustAsync(As(bank, "enterprise", "request", "--dataset", "tax", "--purpose", "small-business credit risk statistics"));
        var requestId = await ledger.Licenses.GetRequestCountAsync();
        await MustAsync(As(op, "operator", "grant", "--request", requestId.ToString(CultureInfo.InvariantCulture), "--kinds", "aggregate", "--quota", "20", "--days", "90", "--epsilon", "2.0"));
        var licenseId = (await ledger.Licenses.GetRequestAsync(requestId)).LicenseId.ToString(CultureInfo.InvariantCulture);
        var query = Path.Combine(_root, "query.json");
        await File.WriteAllTextAsync(query, """{"datasetId":"tax","groupBy":["year"],"measures":[{"function":"COUNT"}]}""");

        // A job on version 1.
        var result1 = Path.Combine(_root, "job-1.json");
        var first = await MustAsync(As(bank, "enterprise", "submit", "--tls-ca", _tls.CaFile, "--license", licenseId, "--query", query, "--epsilon", "0.5", "--out", result1));
        Assert.Contains("computed on version 1 of the dataset", first.Out, StringComparison.Ordinal);

        // A new snapshot is a new local version; the chain still names version 1, so it cannot be dropped.
        var second = await MustAsync("node", "import", "--data", data, "--sample", "tax", "--rows", "700", "--seed", "2", "--json");
        Assert.Equal(2, JsonNode.Parse(second.Out)!["version"]!.GetValue<int>());
        var listed = JsonNode.Parse((await MustAsync(Chain("node", "datasets", "list", "--data", data, "--json"))).Out)!["datasets"]!.AsArray();
        Assert.Equal([1, 2], listed.Select(d => d!["version"]!.GetValue<int>()));
        Assert.True(listed[0]!["published"]!.GetValue<bool>());
        Assert.True(listed[0]!["catalogCurrent"]!.GetValue<bool>());
        Assert.False(listed[1]!["published"]!.GetValue<bool>());
        var refusedDrop = await RunAsync(Chain("node", "datasets", "drop", "--data", data, "--dataset", "tax", "--version", "1"));
        Assert.NotEqual(0, refusedDrop.Exit);
        Assert.Contains("is the catalog's current version 1", refusedDrop.Error, StringComparison.Ordinal);
        Assert.Equal(2, JsonNode.Parse((await MustAsync(Chain("node", "datasets", "list", "--data", data, "--json"))).Out)!["datasets"]!.AsArray().Count);

        // The operator publishes the node's newest version; a second publish of the same snapshot, or with a policy override, is refused.
        var published = await MustAsync(As(op, "operator", "publish", "--tls-ca", _tls.CaFile, "--dataset", "tax", "--node", nodeAddress.ToString()));
        Assert.Contains("Published version 2 of 'tax'", published.Out, StringComparison.Ordinal);
        var again = await RunAsync(As(op, "operator", "publish", "--tls-ca", _tls.CaFile, "--dataset", "tax", "--node", nodeAddress.ToString()));
        Assert.Contains("is already catalog version 2", again.Error, StringComparison.Ordinal);
        var overridden = await RunAsync(As(op, "operator", "publish", "--tls-ca", _tls.CaFile, "--dataset", "tax", "--node", nodeAddress.ToString(), "--grade", "RESTRICTED"));
        Assert.Contains("--grade cannot be given", overridden.Error, StringComparison.Ordinal);
        Assert.Equal(2u, await ledger.Catalog.GetCurrentVersionAsync(datasetId));

        // A job now runs on version 2.
        var result2 = Path.Combine(_root, "job-2.json");
        var secondRun = await MustAsync(As(bank, "enterprise", "submit", "--tls-ca", _tls.CaFile, "--license", licenseId, "--query", query, "--epsilon", "0.5", "--out", result2));
        Assert.Contains("computed on version 2 of the dataset", secondRun.Out, StringComparison.Ordinal);
        var v1 = await ledger.Catalog.GetVersionAsync(datasetId, 1);
        var v2 = await ledger.Catalog.GetVersionAsync(datasetId, 2);
        var jobs = JsonNode.Parse((await MustAsync(As(bank, "enterprise", "jobs", "--json"))).Out)!.AsArray();
        Assert.Equal([1u, 2u], jobs.Select(j => j!["datasetVersion"]!.GetValue<uint>()));

        // describe shows which version the catalog names; version 1, now retired, may be dropped.
        var described = JsonNode.Parse((await MustAsync(Chain("node", "datasets", "describe", "--data", data, "--dataset", "tax", "--version", "1", "--json"))).Out)!;
        Assert.Equal(1, described["catalogVersion"]!.GetValue<int>());
        Assert.False(described["catalogCurrent"]!.GetValue<bool>());
        Assert.Equal(2, described["catalogCurrentVersion"]!.GetValue<int>());
        Assert.Equal(600, described["rows"]!.GetValue<int>());
        Assert.Equal(v1.SnapshotCommitment.ToString(), described["snapshotCommitment"]!.GetValue<string>());
        Assert.Contains(described["schema"]!.AsArray(), c => c!["name"]!.GetValue<string>() == "tax_paid");
        Assert.Equal("SENSITIVE", described["policy"]!["grade"]!.GetValue<string>());
        var dropped = await MustAsync(Chain("node", "datasets", "drop", "--data", data, "--dataset", "tax", "--version", "1"));
        Assert.Contains("dropped tax version 1", dropped.Out, StringComparison.Ordinal);

        // The audit: both results verify, each against the commitment of the version its job names, and both versions are listed.
        var audit = JsonNode.Parse((await MustAsync(Chain("audit", "verify", "--result", result1, "--result", result2, "--json"))).Out)!;
        Assert.Equal("pass", audit["verdict"]!.GetValue<string>());
        var versionCheck = audit["checks"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "result-versions")!;
        Assert.Equal(2, versionCheck["checked"]!.GetValue<int>());
        var versions = audit["datasets"]!.AsArray().Single(d => d!["id"]!.GetValue<string>() == datasetId.ToString())!["versions"]!.AsArray();
        Assert.Equal([v1.SnapshotCommitment.ToString(), v2.SnapshotCommitment.ToString()], versions.Select(v => v!["snapshotCommitment"]!.GetValue<string>()));
        Assert.Equal([1, 1], versions.Select(v => v!["jobs"]!.GetValue<int>()));

        // A result file of job 1 relabelled as job 2's is caught by the version check (and by the hash check).
        var swapped = Path.Combine(_root, "job-1-as-2.json");
        var doc = JsonNode.Parse(await File.ReadAllTextAsync(result1))!;
        doc["jobId"] = 2;
        await File.WriteAllTextAsync(swapped, doc.ToJsonString());
        var failed = JsonNode.Parse((await RunAsync(Chain("audit", "verify", "--result", swapped, "--json"))).Out)!;
        var findings = failed["checks"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "result-versions")!["findings"]!.AsArray();
        Assert.Contains(findings, f => f!["what"]!.GetValue<string>().Contains("names version 2", StringComparison.Ordinal));
    }

    private async Task PublishWhenTheNodeAnswersAsync(string[] publish)
    {
        for (var attempt = 0; ; attempt++)
        {
            var run = await RunAsync(publish);
            if (run.Exit == 0)
            {
                return;
            }

            Assert.True(attempt < 40, $"publish failed: {run.Error}");
            Assert.False(_node!.IsCompleted, $"node serve stopped: {(_node.IsCompleted ? _node.Result.Error : string.Empty)}");
            await Task.Delay(250);
        }
    }
}
