using System.Numerics;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;

namespace DataTrust.Benchmarks.Ledger;

/// <summary>
/// Job records per second against a local anvil: each record is a submit (enterprise) and a complete (node),
/// sent with pipelined nonces and fixed gas limits, then awaited. Reported time is per job record. The chain mines
/// a block every 200 ms with a large gas limit (interval mining, as a consortium chain does), so the pipelined
/// transactions share blocks; with automine anvil mines one block inside every send and nothing can overlap.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class JobThroughputBenchmarks
{
    private const int JobsPerInvoke = 200;
    private static readonly byte[] Spec = RandomNumberGenerator.GetBytes(300);
    private readonly List<EthereumKey> _keys = [];
    private LocalChain? _chain;
    private JsonRpcClient? _rpc;
    private DataTrustLedger? _enterprise;
    private DataTrustLedger? _node;
    private EthereumKey? _nodeKey;
    private ulong _licenseId;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        _chain = await LocalChain.StartAsync(new LocalChainOptions { BlockTime = TimeSpan.FromMilliseconds(200), GasLimit = 1_000_000_000 });
        _rpc = _chain.CreateClient();
        var authority = EthereumKey.FromPrivateKeyHex(_chain.DevelopmentPrivateKeys[0]);
        _keys.Add(authority);
        var ledger = await DataTrustLedger.DeployAsync(_rpc, authority);
        var op = await NewAccountAsync();
        _nodeKey = await NewAccountAsync();
        var ent = await NewAccountAsync();
        await ledger.Participants.AdmitAsync(op.Address, Role.Operator, "operator");
        await ledger.Participants.AdmitNodeAsync(_nodeKey.Address, "node", "tax", "http://127.0.0.1:1", _nodeKey.Address);
        await ledger.Participants.AdmitAsync(ent.Address, Role.Enterprise, "bank", "91350100M000100Y43");
        var asOperator = await DataTrustLedger.ConnectAsync(_rpc, ledger.Deployment, op);
        var id = new Hash32(RandomNumberGenerator.GetBytes(32));
        await asOperator.Catalog.PublishAsync(new DatasetSpec(
            id, "bench", _nodeKey.Address, Hash32.Zero, 1, Hash32.Zero, ProtectionGrade.Restricted, 10, 1, 85, ComputationKindSet.Aggregate,
            [new ColumnSpec("x", ColumnType.Int, ColumnPermissions.Aggregate, 0, 100)]));
        _enterprise = await DataTrustLedger.ConnectAsync(_rpc, ledger.Deployment, ent);
        _node = await DataTrustLedger.ConnectAsync(_rpc, ledger.Deployment, _nodeKey);
        var request = await _enterprise.Licenses.RequestAsync(id, "benchmark");
        _licenseId = await asOperator.Licenses.GrantAsync(request, ComputationKindSet.Aggregate, uint.MaxValue, DateTimeOffset.UtcNow.AddYears(1), Epsilon.Zero);
    }

    private async Task<EthereumKey> NewAccountAsync()
    {
        var key = EthereumKey.Generate();
        _keys.Add(key);
        await _rpc!.CallAsync("anvil_setBalance", [key.Address.ToLowerHex(), JsonRpcClient.ToQuantity(BigInteger.Pow(10, 24))]);
        return key;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _rpc?.Dispose();
        _chain?.StopAsync().GetAwaiter().GetResult();
        foreach (var key in _keys)
        {
            key.Dispose();
        }
    }

    /// <summary>Submit and complete <see cref="JobsPerInvoke"/> jobs, pipelined; time per job record.</summary>
    [Benchmark(OperationsPerInvoke = JobsPerInvoke)]
    public async Task SubmitAndCompleteJobRecord()
    {
        var submits = new PendingTransaction[JobsPerInvoke];
        for (var i = 0; i < JobsPerInvoke; i++)
        {
            submits[i] = await _enterprise!.Jobs.SubmitWithoutWaitingAsync(_licenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero, gasLimit: 400_000);
        }

        var completes = new PendingTransaction[JobsPerInvoke];
        for (var i = 0; i < JobsPerInvoke; i++)
        {
            var receipt = await submits[i].WaitAsync();
            var jobId = _enterprise!.Jobs.JobIdOf(receipt);
            var resultHash = Keccak256.Compute(BitConverter.GetBytes(jobId));
            var signature = JobsContract.SignResult(_nodeKey!, _node!.Deployment.Jobs, _node.Deployment.ChainId, jobId, resultHash);
            completes[i] = await _node.Jobs.CompleteWithoutWaitingAsync(jobId, resultHash, signature, gasLimit: 200_000);
        }

        foreach (var complete in completes)
        {
            await complete.WaitAsync();
        }
    }
}
