using System.Diagnostics;
using System.Net;
using System.Numerics;
using System.Security.Cryptography;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;
using DataTrust.Portal;
using DataTrust.Portal.Indexing;

namespace DataTrust.Benchmarks.Portal;

/// <summary>
/// The portal benchmark's chain: a local anvil with 1,000 published datasets and 10,000 jobs of one enterprise under a few
/// licenses (quota ≥ 10,000, ε 0) on a RESTRICTED dataset, sent with the Ledger's batched sends without waiting; and a
/// portal acting as that enterprise, its index warm.
/// </summary>
/// <remarks>
/// The chain mines a block a second (interval mining, a large gas limit) rather than one per transaction: on the shared
/// 2-core machine at load 35–65, automine took 0.45 s per publish and ~0.8 s per submit (10,000 jobs would have taken
/// two hours); with interval mining the publishes of 25 operators and the batched submits share blocks.
/// </remarks>
public sealed class PortalWorkload : IAsyncDisposable
{
    /// <summary>Datasets in the catalog.</summary>
    public const int Datasets = 1_000;

    /// <summary>Jobs of the enterprise.</summary>
    public const int Jobs = 10_000;

    private const int Licenses = 4;
    private const int Operators = 25;
    private const int SendsPerBatch = 200;
    private readonly List<EthereumKey> _keys = [];
    private LocalChain? _chain;
    private JsonRpcClient? _rpc;

    /// <summary>The portal acting as the enterprise.</summary>
    public PortalHost Host { get; private set; } = null!;

    /// <summary>How long building the chain state took.</summary>
    public TimeSpan Build { get; private set; }

    /// <summary>How long a fresh index took to catch up over the whole history (the first CatchUp).</summary>
    public TimeSpan WarmUp { get; private set; }

    /// <summary>The chain's head block when the portal started.</summary>
    public ulong Head { get; private set; }

    /// <summary>Builds the chain state and starts the portal; <paramref name="log"/> gets progress lines.</summary>
    public static async Task<PortalWorkload> StartAsync(Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var workload = new PortalWorkload();
        try
        {
            await workload.BuildAsync(log);
            return workload;
        }
        catch
        {
            await workload.DisposeAsync();
            throw;
        }
    }

    private async Task BuildAsync(Action<string> log)
    {
        var clock = Stopwatch.StartNew();
        _chain = await LocalChain.StartAsync(new LocalChainOptions { GasLimit = 1_000_000_000, BlockTime = TimeSpan.FromSeconds(1) });
        _rpc = _chain.CreateClient();
        var authority = Keep(EthereumKey.FromPrivateKeyHex(_chain.DevelopmentPrivateKeys[0]));
        var ledger = await DataTrustLedger.DeployAsync(_rpc, authority);
        var op = await FundedAsync();
        var node = await FundedAsync();
        var enterpriseHex = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(EthereumKey.PrivateKeySize));
        var enterprise = Keep(EthereumKey.FromPrivateKeyHex(enterpriseHex));
        await _rpc.CallAsync("anvil_setBalance", [enterprise.Address.ToLowerHex(), JsonRpcClient.ToQuantity(BigInteger.Pow(10, 24))]);
        await ledger.Participants.AdmitAsync(op.Address, Role.Operator, "Benchmark data operator");
        var publishers = new List<DataTrustLedger>();
        for (var i = 0; i < Operators; i++)
        {
            var key = await FundedAsync();
            await ledger.Participants.AdmitAsync(key.Address, Role.Operator, $"Benchmark data operator {i}");
            publishers.Add(await DataTrustLedger.ConnectAsync(_rpc, ledger.Deployment, key));
        }

        await ledger.Participants.AdmitNodeAsync(node.Address, "Benchmark node", "tax", "http://127.0.0.1:1", node.Address);
        await ledger.Participants.AdmitAsync(enterprise.Address, Role.Enterprise, "Benchmark bank", "91350100M000100Y43");
        var asOperator = await DataTrustLedger.ConnectAsync(_rpc, ledger.Deployment, op);
        var asEnterprise = await DataTrustLedger.ConnectAsync(_rpc, ledger.Deployment, enterprise);

        var restricted = DatasetIds.OnChainId("bench_restricted");
        await asOperator.Catalog.PublishAsync(Spec(restricted, "Restricted register", node.Address, ProtectionGrade.Restricted));
        // Each operator publishes its share one after another (its own nonces); the operators run side by side.
        await Task.WhenAll(publishers.Select(async (publisher, p) =>
        {
            for (var i = 1 + p; i < Datasets; i += Operators)
            {
                await publisher.Catalog.PublishAsync(Spec(DatasetIds.OnChainId($"bench_{i:D4}"), $"Register {i:D4}", node.Address, i % 2 == 0 ? ProtectionGrade.Open : ProtectionGrade.Restricted));
            }
        }));

        log($"published {Datasets} datasets in {clock.Elapsed.TotalSeconds:0.0} s");
        var licenses = new List<ulong>();
        for (var i = 0; i < Licenses; i++)
        {
            var request = await asEnterprise.Licenses.RequestAsync(restricted, $"benchmark purpose {i}");
            licenses.Add(await asOperator.Licenses.GrantAsync(request, ComputationKindSet.Aggregate, Jobs, DateTimeOffset.UtcNow.AddYears(1), Epsilon.Zero));
        }

        var spec = RandomNumberGenerator.GetBytes(200);
        var pending = new List<PendingTransaction>();
        for (var sent = 0; sent < Jobs; sent += SendsPerBatch)
        {
            var batch = Enumerable.Range(sent, Math.Min(SendsPerBatch, Jobs - sent))
                .Select(i => new JobSubmission(licenses[i % Licenses], ComputationKind.Aggregate, spec, Epsilon.Zero)).ToList();
            foreach (var outcome in await asEnterprise.Jobs.SubmitManyWithoutWaitingAsync(batch, gasLimit: 600_000))
            {
                pending.Add(outcome.Pending ?? throw new InvalidOperationException("a submit was not taken: " + outcome.Error?.Message));
            }
        }

        foreach (var transaction in pending)
        {
            await transaction.WaitAsync();
        }

        Build = clock.Elapsed;
        log($"submitted {Jobs} jobs; chain built in {Build.TotalSeconds:0.0} s");

        // The index's first catch-up over the whole history, on its own (the portal below does the same at start).
        var index = new ChainIndex(DataTrustLedger.Bind(_rpc, ledger.Deployment), TimeSpan.FromSeconds(1));
        clock.Restart();
        await index.CatchUpAsync();
        WarmUp = clock.Elapsed;
        var counted = index.Read(s => (s.Block, s.Datasets.Count, s.Jobs.Count));
        await index.DisposeAsync();
        if (counted.Item2 != Datasets || counted.Item3 != Jobs)
        {
            throw new InvalidOperationException($"the index holds {counted.Item2} datasets and {counted.Item3} jobs, not {Datasets} and {Jobs}");
        }

        Head = counted.Block;
        log($"index warm-up over {Head} blocks: {WarmUp.TotalSeconds:0.00} s");
        Host = await PortalHost.StartAsync(new PortalOptions
        {
            Rpc = _chain.RpcUri,
            Deployment = ledger.Deployment,
            Key = EthereumKey.FromPrivateKeyHex(enterpriseHex),
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
        });
    }

    /// <summary>A cookie-keeping HTTP client signed in to the portal.</summary>
    public async Task<HttpClient> SignedInClientAsync()
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = Host.BaseUri };
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        using var response = await client.GetAsync(Host.IssueLoginUri());
        response.EnsureSuccessStatusCode();
        return client;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        _rpc?.Dispose();
        if (_chain is not null)
        {
            await _chain.DisposeAsync();
        }

        foreach (var key in _keys)
        {
            key.Dispose();
        }
    }

    private EthereumKey Keep(EthereumKey key)
    {
        _keys.Add(key);
        return key;
    }

    private async Task<EthereumKey> FundedAsync()
    {
        var key = Keep(EthereumKey.Generate());
        await _rpc!.CallAsync("anvil_setBalance", [key.Address.ToLowerHex(), JsonRpcClient.ToQuantity(BigInteger.Pow(10, 24))]);
        return key;
    }

    private static DatasetSpec Spec(Hash32 id, string name, Address node, ProtectionGrade grade) =>
        new(id, name, node, Hash32.Sha256([1, 2, 3]), 1_000, Hash32.Sha256([4, 5, 6]), grade, 5, 2, 80, ComputationKindSet.Aggregate,
            [
                new ColumnSpec("uscc", ColumnType.Text, ColumnPermissions.JoinKey, 0, 0),
                new ColumnSpec("district", ColumnType.Text, ColumnPermissions.GroupBy | ColumnPermissions.Filter, 0, 0, ["鼓楼区", "台江区"]),
                new ColumnSpec("tax_paid", ColumnType.Decimal, ColumnPermissions.Aggregate, 0, 1_000_000),
            ]);
}
