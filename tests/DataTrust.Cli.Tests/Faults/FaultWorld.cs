using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using DataTrust.Cli.Tests.Commands;
using DataTrust.Faults;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Cli.Tests.Faults;

/// <summary>
/// A deployment for fault tests: a real anvil that keeps a state file (so it can be stopped and restarted), a node that
/// runs as its own <c>datatrust node serve</c> process (so it can really be killed) and talks to the chain through a
/// <see cref="FaultProxy"/>, and an enterprise holding a granted license on the node's SENSITIVE tax dataset.
/// </summary>
public sealed class FaultWorld : IAsyncLifetime
{
    public const string Password = CliFixture.Password;
    private Process? _node;
    private readonly StringBuilder _nodeOutput = new();

    public string Root { get; } = Directory.CreateTempSubdirectory("datatrust-faults-").FullName;

    public LocalChain Chain { get; private set; } = null!;

    public FaultProxy NodeRpc { get; private set; } = null!;

    public string Rpc => Chain.RpcUri.ToString();

    public string DeploymentFile => Path.Combine(Root, "deployment.json");

    public string StatePath => Path.Combine(Root, "chain-state.json");

    public string Data => Path.Combine(Root, "node");

    public string QueryFile => Path.Combine(Root, "query.json");

    public string Bank { get; private set; } = string.Empty;

    public string NodeKey { get; private set; } = string.Empty;

    public Address NodeAddress { get; private set; }

    public ulong LicenseId { get; private set; }

    public string NodeEndpoint { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        Chain = await LocalChain.StartAsync(new LocalChainOptions { StatePath = StatePath });
        NodeRpc = new FaultProxy(Chain.RpcUri);
        var (authority, _) = await KeyAsync("authority");
        var (op, opAddress) = await KeyAsync("operator");
        (Bank, var bankAddress) = await KeyAsync("bank");
        (NodeKey, NodeAddress) = await KeyAsync("node");
        await MustAsync("chain", "deploy", "--key", authority, "--rpc", Rpc, "--out", DeploymentFile);
        foreach (var account in new[] { opAddress, bankAddress, NodeAddress })
        {
            await MustAsync("chain", "fund", "--rpc", Rpc, "--address", account.ToString(), "--ether", "10");
        }

        await MustAsync(As(authority, "admin", "admit", "--role", "operator", "--account", opAddress.ToString(), "--name", "Tax data operator"));
        await MustAsync(As(authority, "admin", "admit", "--role", "enterprise", "--account", bankAddress.ToString(), "--name", "Bank", "--credit-code", CliFixture.CreditCode));
        await MustAsync("node", "import", "--data", Data, "--sample", "tax", "--rows", "600");
        NodeEndpoint = $"127.0.0.1:{FreePort()}";
        await StartNodeAsync();
        await MustAsync(As(authority, "admin", "admit-node", "--account", NodeAddress.ToString(), "--name", "Tax node", "--domain", "tax", "--endpoint", $"http://{NodeEndpoint}"));

        var policy = Path.Combine(Root, "tax-policy.json");
        await File.WriteAllTextAsync(policy, CliFixture.TaxPolicy);
        await MustAsync(As(op, "operator", "publish", "--dataset", "tax", "--node", NodeAddress.ToString(), "--policy", policy));
        await MustAsync(As(Bank, "enterprise", "request", "--dataset", "tax", "--purpose", "credit risk statistics under faults"));
        using var ledger = await LedgerAsync();
        var requestId = await ledger.Value.Licenses.GetRequestCountAsync();
        await MustAsync(As(op, "operator", "grant", "--request", requestId.ToString(CultureInfo.InvariantCulture), "--kinds", "aggregate", "--quota", "50", "--days", "90", "--epsilon", "20"));
        LicenseId = (await ledger.Value.Licenses.GetRequestAsync(requestId)).LicenseId;
        await File.WriteAllTextAsync(QueryFile, """{"datasetId":"tax","groupBy":["year"],"measures":[{"function":"COUNT"},{"function":"SUM","column":"tax_paid"}]}""");
    }

    public async Task DisposeAsync()
    {
        KillNode();
        await NodeRpc.DisposeAsync();
        await Chain.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // DuckDB may hold a file briefly; the OS cleans the temp folder.
        }
    }

    /// <summary>Starts <c>datatrust node serve</c> as a child process on the node's data and endpoint, through the proxy, and waits until it serves.</summary>
    public async Task StartNodeAsync()
    {
        Assert.Null(_node);
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "datatrust"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "node", "serve", "--data", Data, "--listen", NodeEndpoint, "--rpc", NodeRpc.Uri.ToString(), "--deployment", DeploymentFile, "--key", NodeKey })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment[CliEnvironment.PasswordVariable] = Password;
        var serving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Record(e.Data, serving);
        process.ErrorDataReceived += (_, e) => Record(e.Data, serving);
        process.Exited += (_, _) => serving.TrySetException(new InvalidOperationException("node serve exited: " + NodeOutput));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _node = process;
        await serving.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>Kills the node process with SIGKILL (no shutdown code runs) and waits until it is gone.</summary>
    public void KillNode()
    {
        if (_node is null)
        {
            return;
        }

        if (!_node.HasExited)
        {
            _node.Kill();
            _node.WaitForExit();
        }

        _node.Dispose();
        _node = null;
    }

    public string NodeOutput
    {
        get
        {
            lock (_nodeOutput)
            {
                return _nodeOutput.ToString();
            }
        }
    }

    /// <summary>Stops anvil gracefully (it writes its state file).</summary>
    public Task StopChainAsync() => Chain.StopAsync();

    /// <summary>Starts anvil again on the same port from its state file.</summary>
    public async Task RestartChainAsync() =>
        Chain = await LocalChain.StartAsync(new LocalChainOptions { StatePath = StatePath, Port = Chain.RpcUri.Port });

    public async Task<Disposable<DataTrustLedger>> LedgerAsync()
    {
        var rpc = Chain.CreateClient();
        return new Disposable<DataTrustLedger>(await DataTrustLedger.ConnectAsync(rpc, Deployment.Load(DeploymentFile)), rpc);
    }

    /// <summary>How many transactions the node's account has sent (each one is a completion or a failure).</summary>
    public async Task<ulong> NodeTransactionsAsync()
    {
        using var rpc = Chain.CreateClient();
        return await rpc.GetTransactionCountAsync(NodeAddress, BlockTag.Latest);
    }

    /// <summary>Submits an aggregate job on chain only (<c>--no-run</c>) and returns its id.</summary>
    public async Task<ulong> SubmitPendingAsync()
    {
        await MustAsync(As(Bank, "enterprise", "submit", "--license", LicenseId.ToString(CultureInfo.InvariantCulture), "--query", QueryFile, "--epsilon", "0.1", "--no-run"));
        using var ledger = await LedgerAsync();
        return await ledger.Value.Jobs.GetJobCountAsync();
    }

    /// <summary>Fetches (or runs) a job's result as the bank into a file.</summary>
    public Task<CliRun> ResultAsync(ulong jobId, string file, CancellationToken cancellationToken = default) =>
        RunAsync(As(Bank, "enterprise", "result", "--job", jobId.ToString(CultureInfo.InvariantCulture), "--out", file), cancellationToken);

    /// <summary>Runs the auditor over the whole trail with the node's execution log and asserts it passes.</summary>
    public async Task AssertAuditPassesAsync(params string[] resultFiles)
    {
        var args = new List<string> { "audit", "verify", "--rpc", Rpc, "--deployment", DeploymentFile, "--execution-log", Path.Combine(Data, "execution.log"), "--log-node", NodeAddress.ToString() };
        foreach (var file in resultFiles)
        {
            args.AddRange(["--result", file]);
        }

        var audit = await RunAsync([.. args]);
        Assert.True(audit.Exit == CliApp.Ok, $"audit exited {audit.Exit}: {audit.Out}\n{audit.Error}");
        Assert.DoesNotContain("FAIL", audit.Out, StringComparison.Ordinal);
    }

    public string File_(string name) => Path.Combine(Root, name);

    public static Task<CliRun> RunAsync(string[] args, CancellationToken cancellationToken = default) => CliFixture.RunAsync(args, Password, cancellationToken);

    public static async Task<CliRun> MustAsync(params string[] args)
    {
        var run = await RunAsync(args);
        Assert.True(run.Exit == CliApp.Ok, $"datatrust {string.Join(' ', args)} exited {run.Exit}: {run.Error}");
        return run;
    }

    public string[] As(string key, params string[] args) => [.. args, "--rpc", Rpc, "--deployment", DeploymentFile, "--key", key];

    private void Record(string? line, TaskCompletionSource serving)
    {
        if (line is null)
        {
            return;
        }

        lock (_nodeOutput)
        {
            _nodeOutput.AppendLine(line);
        }

        if (line.Contains("serving on", StringComparison.Ordinal))
        {
            serving.TrySetResult();
        }
    }

    private async Task<(string Key, Address Address)> KeyAsync(string name)
    {
        var run = await MustAsync("keys", "new", "--light", "--out", Path.Combine(Root, "keys", name), "--json");
        using var json = JsonDocument.Parse(run.Out);
        return (json.RootElement.GetProperty("keystore").GetString()!, Address.Parse(json.RootElement.GetProperty("address").GetString()!));
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}

/// <summary>A value together with what must be disposed after it.</summary>
public sealed class Disposable<T>(T value, IDisposable owner) : IDisposable
{
    public T Value { get; } = value;

    public void Dispose() => owner.Dispose();
}
