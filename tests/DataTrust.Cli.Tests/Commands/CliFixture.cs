using System.Text.Json;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Node.Hosting;
using DataTrust.Node.Samples;
using DataTrust.Node.Storage;
using Microsoft.AspNetCore.Builder;

namespace DataTrust.Cli.Tests.Commands;

/// <summary>What one CLI run printed and returned.</summary>
public sealed record CliRun(int Exit, string Out, string Error)
{
    /// <summary>The error output as lines (a failure must be exactly one).</summary>
    public IReadOnlyList<string> ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>
/// A real anvil with DataTrust deployed through <c>datatrust chain deploy</c>, a real node serving the tax sample under
/// several dataset ids, and keystores for the authority, an operator, an enterprise and the node, all admitted and funded.
/// </summary>
public sealed class CliFixture : IAsyncLifetime
{
    public const string Password = "cli-test-password";
    public const int Rows = 120;
    public static readonly string CreditCode = "91310000MA1FL8XQ3" + Core.Identity.UnifiedSocialCreditCode.ComputeCheckCharacter("91310000MA1FL8XQ3");
    public static readonly string[] DatasetIds =
        ["tax_a", "tax_b", "tax_c", "tax_d", "tax_e", "tax_f", "tax_g", "tax_h", "tax_i", "tax_j", "tax_k", "tax_l", "tax_m", "tax_n", "tax_he", "tax_he2"];

    /// <summary>
    /// The public domains, grid and ε cap the tax sample's policy declares, as a policy file: publishing with it meets the
    /// SENSITIVE grade whether or not the node's catalog service states them.
    /// </summary>
    public const string TaxPolicy = """
        {
          "epsilonCap": 20,
          "columns": {
            "year": { "domain": { "from": 2023, "to": 2025 }, "grid": 1 },
            "credit_grade": { "domain": ["A", "B", "M", "C", "D"] }
          }
        }
        """;

    private LocalChain? _chain;
    private WebApplication? _node;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "datatrust-cli-" + Guid.NewGuid().ToString("N"));

    public LocalChain Chain => _chain ?? throw new InvalidOperationException("The fixture is not started.");

    public string Rpc => Chain.RpcUri.ToString();

    public string DeploymentFile => Path.Combine(Root, "deployment.json");

    public string AuthorityKey { get; private set; } = string.Empty;

    public string OperatorKey { get; private set; } = string.Empty;

    public string EnterpriseKey { get; private set; } = string.Empty;

    public Address Authority { get; private set; }

    public Address Operator { get; private set; }

    public Address Enterprise { get; private set; }

    public Address Node { get; private set; }

    /// <summary>The node account's keystore (the fixture's node itself serves without a chain).</summary>
    public string NodeKey { get; private set; } = string.Empty;

    public Uri NodeEndpoint { get; private set; } = null!;

    public DataTrustLedger Ledger { get; private set; } = null!;

    private JsonRpcClient? _rpc;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        _chain = await LocalChain.StartAsync(new LocalChainOptions { Port = 0 });
        var data = Path.Combine(Root, "node-data");
        var csv = Path.Combine(Root, "tax.csv");
        SampleDataset.Tax.WriteCsv(csv, Rows, seed: 7);
        using (var store = new DatasetStore(data))
        {
            foreach (var id in DatasetIds)
            {
                store.Import(SampleDataset.Tax.ImportFrom(csv, id));
            }
        }

        _node = NodeApp.Create(new NodeOptions { DataDirectory = data, ListenAddress = "127.0.0.1:0" });
        await _node.StartAsync();
        NodeEndpoint = NodeApp.BoundAddress(_node);

        (AuthorityKey, Authority) = await NewKeyAsync("authority");
        (OperatorKey, Operator) = await NewKeyAsync("operator");
        (EnterpriseKey, Enterprise) = await NewKeyAsync("enterprise");
        (NodeKey, Node) = await NewKeyAsync("node");

        await MustAsync("chain", "deploy", "--key", AuthorityKey, "--rpc", Rpc, "--out", DeploymentFile);
        foreach (var account in new[] { Operator, Enterprise })
        {
            await MustAsync("chain", "fund", "--rpc", Rpc, "--address", account.ToString(), "--ether", "10");
        }

        await MustAsync(Authority_("admit", "--role", "operator", "--account", Operator.ToString(), "--name", "Tax bureau data operator"));
        await MustAsync(Authority_("admit", "--role", "enterprise", "--account", Enterprise.ToString(), "--name", "Acme Credit", "--credit-code", CreditCode));
        await MustAsync(Authority_("admit-node", "--account", Node.ToString(), "--name", "Tax node", "--domain", "tax", "--endpoint", NodeEndpoint.ToString()));

        _rpc = Chain.CreateClient();
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

    /// <summary>A captured environment whose password variable is <paramref name="password"/> (null: unset, and no prompt).</summary>
    public static CliEnvironment Environment(StringWriter output, StringWriter error, string? password = Password, CancellationToken cancellationToken = default) =>
        new(output, error, name => name == CliEnvironment.PasswordVariable ? password : null, null, cancellationToken);

    public static async Task<CliRun> RunAsync(string[] args, string? password = Password, CancellationToken cancellationToken = default)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliApp.RunAsync(args, Environment(output, error, password, cancellationToken));
        return new CliRun(exit, output.ToString(), error.ToString());
    }

    public Task<CliRun> RunAsync(params string[] args) => RunAsync(args, Password);

    public async Task<CliRun> MustAsync(params string[] args)
    {
        var run = await RunAsync(args, Password);
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

    public string[] Authority_(params string[] args) => As(AuthorityKey, ["admin", .. args]);

    public string[] Operator_(params string[] args) => As(OperatorKey, ["operator", .. args]);

    public string[] Enterprise_(params string[] args) => As(EnterpriseKey, ["enterprise", .. args]);

    /// <summary>Creates a light keystore through <c>datatrust keys new</c>; a fresh one is unfunded and not admitted.</summary>
    public async Task<(string Path, Address Address)> NewKeyAsync(string folder)
    {
        var run = await MustAsync("keys", "new", "--light", "--out", Path.Combine(Root, "keys", folder), "--json");
        using var json = JsonDocument.Parse(run.Out);
        return (json.RootElement.GetProperty("keystore").GetString()!, Address.Parse(json.RootElement.GetProperty("address").GetString()!));
    }

    /// <summary>Publishes one of the node's datasets as OPEN (for tests where protection is not the point), with extra arguments.</summary>
    public Task<CliRun> PublishOpenAsync(string datasetId, params string[] extra) => PublishAsync(datasetId, ["--grade", "OPEN", .. extra]);

    /// <summary>Writes <see cref="TaxPolicy"/> to a file and returns its path.</summary>
    public string TaxPolicyFile() => WriteFile("tax-policy-" + Guid.NewGuid().ToString("N") + ".json", TaxPolicy);

    /// <summary>Publishes one of the node's datasets as the operator, with extra arguments.</summary>
    public Task<CliRun> PublishAsync(string datasetId, params string[] extra) =>
        RunAsync(Operator_(["publish", "--dataset", datasetId, "--node", Node.ToString(), .. extra]));

    public async Task<bool> IsPublishedAsync(string datasetId) =>
        (await Ledger.Catalog.GetDatasetIdsAsync()).Contains(Core.Catalog.DatasetIds.OnChainId(datasetId));

    public string WriteFile(string name, string text)
    {
        var path = Path.Combine(Root, name);
        File.WriteAllText(path, text);
        return path;
    }
}

[CollectionDefinition(Name)]
public sealed class CliCollection : ICollectionFixture<CliFixture>
{
    public const string Name = "cli";
}
