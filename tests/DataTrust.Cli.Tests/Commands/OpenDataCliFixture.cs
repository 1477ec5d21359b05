using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Keystore;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Node.Hosting;
using DataTrust.Node.Samples;
using DataTrust.Node.Storage;
using Microsoft.AspNetCore.Builder;

namespace DataTrust.Cli.Tests.Commands;

/// <summary>
/// A real anvil with DataTrust deployed through <c>datatrust chain deploy</c>, and a real node that runs jobs (chain
/// configured) and serves snapshots, holding the OPEN market register, the RESTRICTED social-security register, the
/// SENSITIVE tax register, and a RESTRICTED copy that the operator published as OPEN. Everything is published through
/// <c>datatrust operator publish</c>; the enterprise is admitted and holds no license.
/// </summary>
public sealed class OpenDataCliFixture : IAsyncLifetime
{
    public const string Open = "market_register";
    public const string Restricted = "social_security";
    public const string Sensitive = "tax";

    /// <summary>RESTRICTED on its node, published OPEN with <c>--grade OPEN</c>: the node must still refuse it.</summary>
    public const string RestrictedPublishedOpen = "ss_published_open";

    public const int Rows = 3000;

    private LocalChain? _chain;
    private WebApplication? _node;
    private JsonRpcClient? _rpc;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "datatrust-open-cli-" + Guid.NewGuid().ToString("N"));

    public string Rpc => _chain!.RpcUri.ToString();

    public string DeploymentFile => Path.Combine(Root, "deployment.json");

    public string EnterpriseKey { get; private set; } = string.Empty;

    public Address Enterprise { get; private set; }

    public Address Node { get; private set; }

    /// <summary>The node account's keystore (the node serves with it, connected to the chain).</summary>
    public string NodeKey { get; private set; } = string.Empty;

    /// <summary>The anvil the fixture runs (to move its clock).</summary>
    public LocalChain Chain => _chain ?? throw new InvalidOperationException("The fixture is not started.");

    public Uri NodeEndpoint { get; private set; } = null!;

    public DataTrustLedger Ledger { get; private set; } = null!;

    /// <summary>The CSV each dataset was imported from.</summary>
    public Dictionary<string, string> SourceCsv { get; } = new(StringComparer.Ordinal);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        _chain = await LocalChain.StartAsync(new LocalChainOptions { Port = 0 });
        var (authorityKey, _) = await NewKeyAsync("authority");
        var (operatorKey, op) = await NewKeyAsync("operator");
        (EnterpriseKey, Enterprise) = await NewKeyAsync("enterprise");
        var (nodeKey, node) = await NewKeyAsync("node");
        NodeKey = nodeKey;
        Node = node;

        await MustAsync("chain", "deploy", "--key", authorityKey, "--rpc", Rpc, "--out", DeploymentFile);
        foreach (var account in new[] { op, Enterprise, Node })
        {
            await MustAsync("chain", "fund", "--rpc", Rpc, "--address", account.ToString(), "--ether", "10");
        }

        await MustAsync(As(authorityKey, "admin", "admit", "--role", "operator", "--account", op.ToString(), "--name", "Market regulation data operator"));
        await MustAsync(As(authorityKey, "admin", "admit", "--role", "enterprise", "--account", Enterprise.ToString(), "--name", "Acme Credit", "--credit-code", CliFixture.CreditCode));

        var data = Path.Combine(Root, "node-data");
        using (var store = new DatasetStore(data))
        {
            Import(store, SampleDataset.MarketRegister, Open);
            Import(store, SampleDataset.SocialSecurity, Restricted);
            Import(store, SampleDataset.Tax, Sensitive);
            Import(store, SampleDataset.SocialSecurity, RestrictedPublishedOpen);
        }

        var chain = new NodeChain(_chain.RpcUri, Deployment.Load(DeploymentFile), Keystore.Load(nodeKey, CliFixture.Password));
        _node = NodeApp.Create(new NodeOptions { DataDirectory = data, ListenAddress = "127.0.0.1:0" }, chain: chain);
        await _node.StartAsync();
        NodeEndpoint = NodeApp.BoundAddress(_node);
        await MustAsync(As(authorityKey, "admin", "admit-node", "--account", Node.ToString(), "--name", "Market node", "--domain", "market", "--endpoint", NodeEndpoint.ToString()));

        foreach (var id in new[] { Open, Restricted, Sensitive })
        {
            await MustAsync(As(operatorKey, "operator", "publish", "--dataset", id, "--node", Node.ToString()));
        }

        await MustAsync(As(operatorKey, "operator", "publish", "--dataset", RestrictedPublishedOpen, "--node", Node.ToString(), "--grade", "OPEN"));

        _rpc = _chain.CreateClient();
        Ledger = await DataTrustLedger.ConnectAsync(_rpc, Deployment.Load(DeploymentFile));
    }

    public async Task DisposeAsync()
    {
        _rpc?.Dispose();
        if (_node is not null)
        {
            await _node.StopAsync();
            await _node.DisposeAsync();
        }

        if (_chain is not null)
        {
            await _chain.DisposeAsync();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // DuckDB may hold a file briefly; the OS cleans the temp folder.
        }
    }

    public Task<CliRun> RunAsync(params string[] args) => CliFixture.RunAsync(args, CliFixture.Password);

    public async Task<CliRun> MustAsync(params string[] args)
    {
        var run = await RunAsync(args);
        if (run.Exit != CliApp.Ok)
        {
            throw new InvalidOperationException($"'{string.Join(' ', args)}' failed with {run.Exit}: {run.Error}");
        }

        return run;
    }

    /// <summary>A command line with the chain options and a key appended.</summary>
    public string[] As(string key, params string[] args) => [.. args, "--rpc", Rpc, "--deployment", DeploymentFile, "--key", key];

    /// <summary>A read-only command line with the chain options appended.</summary>
    public string[] ReadOnly(params string[] args) => [.. args, "--rpc", Rpc, "--deployment", DeploymentFile];

    /// <summary>A fresh directory for one test's files.</summary>
    public string NewFolder()
    {
        var path = Path.Combine(Root, "t-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public string WriteFile(string name, string text)
    {
        var path = Path.Combine(NewFolder(), name);
        File.WriteAllText(path, text);
        return path;
    }

    public async Task<(string Path, Address Address)> NewKeyAsync(string folder)
    {
        var run = await MustAsync("keys", "new", "--light", "--out", Path.Combine(Root, "keys", folder), "--json");
        using var json = System.Text.Json.JsonDocument.Parse(run.Out);
        return (json.RootElement.GetProperty("keystore").GetString()!, Address.Parse(json.RootElement.GetProperty("address").GetString()!));
    }

    private void Import(DatasetStore store, SampleDataset sample, string id)
    {
        var csv = Path.Combine(Root, id + ".csv");
        sample.WriteCsv(csv, Rows, seed: 5);
        SourceCsv[id] = csv;
        store.Import(sample.ImportFrom(csv, id));
    }
}

[CollectionDefinition(Name)]
public sealed class OpenDataCliCollection : ICollectionFixture<OpenDataCliFixture>
{
    public const string Name = "open data cli";
}
