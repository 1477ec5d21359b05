using System.Numerics;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Execution;

namespace DataTrust.Benchmarks.Ledger;

/// <summary>
/// Job records per second against a local anvil: each record is a submit (enterprise) and a complete (node),
/// sent with pipelined nonces and fixed gas limits, then awaited. Reported time is per job record. The chain mines
/// a block every 200 ms with a large gas limit (interval mining, as a consortium chain does), so the pipelined
/// transactions share blocks; with automine anvil mines one block inside every send and nothing can overlap.
/// Variants: one <c>complete</c> per job, sent one after another (the baseline); the same with the submits' sends
/// overlapped and the completions in one <c>completeBatch</c> (one signature per result still); and the completions
/// through the node's own group commit (<see cref="CompletionBatcher"/>), all the jobs' completions arriving at once; and the
/// batched one with the sends themselves gathered into JSON-RPC batch requests (still one signed transaction per submit).
/// </summary>
/// <remarks>
/// In process, one warmup and five iterations of one invocation each: on the shared 2-core machine BenchmarkDotNet's
/// out-of-process boilerplate build ran past its 2-minute limit, and each invocation already holds 200 job records.
/// </remarks>
[InProcess]
[WarmupCount(1)]
[IterationCount(5)]
[InvocationCount(1, 1)]
[MemoryDiagnoser]
public class JobThroughputBenchmarks
{
    private const int JobsPerInvoke = 200;

    /// <summary>
    /// Job records per invocation of the batched variants: each invocation waits at least two blocks (submits mined, then
    /// completions), so 200 records per 0.4 s could never pass 500/s; 1,000 amortise the wait.
    /// </summary>
    private const int BatchedJobsPerInvoke = 1000;

    /// <summary>Completions per <c>completeBatch</c> in the batched variant.</summary>
    private const int BatchSize = 250;

    /// <summary>Gas allowed per item of a batch (a fixed limit for pipelining: one new storage slot, a signature check, an event).</summary>
    private const ulong GasPerBatchItem = 60_000;

    /// <summary>How many signed submissions go in one JSON-RPC batch request in the batched-requests variant.</summary>
    private const int SendsPerRequest = 20;

    /// <summary>
    /// How many of those requests are under way at once: while the endpoint takes some batches the next are being signed, and anvil
    /// appears to serve concurrent requests on several threads but one batch's calls one after another. Tried on the 2-core machine (load
    /// average 5.9–7.7, per record): 250 × 1 ≈ 1.5 ms, 100 × 2 0.8–1.75 ms, 250 × 4 0.80–0.90 ms, 50 × 6 0.81–1.05 ms, 20 × 16 0.79–0.85 ms.
    /// </summary>
    private const int RequestsInFlight = 16;

    /// <summary>How many submissions are being sent (signed and handed to the endpoint) at once.</summary>
    private const int SendsInFlight = 16;
    private static readonly byte[] Spec = RandomNumberGenerator.GetBytes(300);
    private readonly List<EthereumKey> _keys = [];
    private LocalChain? _chain;
    private JsonRpcClient? _rpc;
    private DataTrustLedger? _enterprise;
    private DataTrustLedger? _node;
    private EthereumKey? _nodeKey;
    private ulong _licenseId;
    private CompletionBatcher? _batcher;

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
        _batcher = new CompletionBatcher(_node.Jobs);
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

    /// <summary>
    /// Submit <see cref="JobsPerInvoke"/> jobs with their sends overlapped, then complete them all in one <c>completeBatch</c>;
    /// time per job record.
    /// </summary>
    [Benchmark(OperationsPerInvoke = BatchedJobsPerInvoke)]
    public async Task SubmitAndCompleteJobRecordBatched()
    {
        var jobIds = await SubmitOverlappedAsync();
        var batches = new List<PendingTransaction>();
        foreach (var chunk in jobIds.Chunk(BatchSize))
        {
            var completions = chunk.Select(Completion).ToList();
            batches.Add(await _node!.Jobs.CompleteBatchWithoutWaitingAsync(completions, gasLimit: 100_000 + (GasPerBatchItem * (ulong)completions.Count)));
        }

        foreach (var batch in batches)
        {
            await batch.WaitAsync();
        }
    }

    /// <summary>
    /// Submit <see cref="JobsPerInvoke"/> jobs with their sends overlapped, then hand every completion at once to the node's
    /// group commit (the first goes alone, the rest queue behind it and go as one batch); time per job record.
    /// </summary>
    [Benchmark(OperationsPerInvoke = BatchedJobsPerInvoke)]
    public async Task SubmitAndCompleteJobRecordThroughGroupCommit()
    {
        var jobIds = await SubmitOverlappedAsync();
        await Task.WhenAll(jobIds.Select(id => _batcher!.CompleteAsync(Completion(id), CancellationToken.None)));
    }

    /// <summary>
    /// Submit <see cref="BatchedJobsPerInvoke"/> jobs, one signed transaction each but sent <see cref="SendsPerRequest"/> to a
    /// JSON-RPC batch request (<see cref="RequestsInFlight"/> requests under way at once), then sign the results on both cores
    /// (one signature per result still) and complete them in <c>completeBatch</c> transactions sent together in one more request;
    /// time per job record.
    /// </summary>
    [Benchmark(OperationsPerInvoke = BatchedJobsPerInvoke)]
    public async Task SubmitAndCompleteJobRecordBatchedRequests()
    {
        var fromBlock = await _rpc!.GetBlockNumberAsync() + 1;
        var submission = new JobSubmission(_licenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);
        var requests = new List<Task<IReadOnlyList<BatchSendOutcome>>>();
        using var inFlight = new SemaphoreSlim(RequestsInFlight);
        for (var i = 0; i < BatchedJobsPerInvoke; i += SendsPerRequest)
        {
            var count = Math.Min(SendsPerRequest, BatchedJobsPerInvoke - i);
            await inFlight.WaitAsync();
            requests.Add(Task.Run(async () =>
            {
                try
                {
                    return await _enterprise!.Jobs.SubmitManyWithoutWaitingAsync([.. Enumerable.Repeat(submission, count)], gasLimit: 400_000);
                }
                finally
                {
                    inFlight.Release();
                }
            }));
        }

        var sent = (await Task.WhenAll(requests)).SelectMany(o => o).Select(o => o.Error is null ? o : throw o.Error).ToList();
        var jobIds = await JobIdsAsync(fromBlock, [.. sent.Select(o => o.Pending!)]);
        var batches = await _node!.Jobs.CompleteBatchesWithoutWaitingAsync(
            [.. jobIds.AsParallel().AsOrdered().Select(Completion).Chunk(BatchSize)],
            gasLimit: 100_000 + (GasPerBatchItem * BatchSize));
        foreach (var batch in batches)
        {
            await (batch.Pending ?? throw batch.Error!).WaitAsync();
        }
    }

    /// <summary>
    /// Sends <see cref="BatchedJobsPerInvoke"/> submissions, a few at a time, and reads the job ids from the mined JobSubmitted
    /// events in one <c>eth_getLogs</c> rather than one receipt each (the receipt of any that is missing there is awaited, so a
    /// reverted submission still raises).
    /// </summary>
    private async Task<ulong[]> SubmitOverlappedAsync()
    {
        var fromBlock = await _rpc!.GetBlockNumberAsync() + 1;
        var submits = new Task<PendingTransaction>[BatchedJobsPerInvoke];
        using var inFlight = new SemaphoreSlim(SendsInFlight);
        for (var i = 0; i < BatchedJobsPerInvoke; i++)
        {
            await inFlight.WaitAsync();
            submits[i] = SendAsync(inFlight);
        }

        return await JobIdsAsync(fromBlock, await Task.WhenAll(submits));
    }

    /// <summary>
    /// The job ids of mined submissions, in order, from the JobSubmitted events in one <c>eth_getLogs</c> (the receipt of any that is
    /// missing there is awaited, so a reverted submission still raises).
    /// </summary>
    private async Task<ulong[]> JobIdsAsync(ulong fromBlock, PendingTransaction[] pending)
    {
        var last = await pending[^1].WaitAsync();
        var byHash = (await _enterprise!.Jobs.GetEventsAsync(fromBlock, last.BlockNumber))
            .Where(e => e.Name == "JobSubmitted")
            .ToDictionary(e => e.TransactionHash, e => e.Values.GetUInt64("jobId"));
        var jobIds = new ulong[pending.Length];
        for (var i = 0; i < pending.Length; i++)
        {
            jobIds[i] = byHash.TryGetValue(pending[i].Hash, out var id) ? id : _enterprise.Jobs.JobIdOf(await pending[i].WaitAsync());
        }

        return jobIds;
    }

    private async Task<PendingTransaction> SendAsync(SemaphoreSlim inFlight)
    {
        try
        {
            return await _enterprise!.Jobs.SubmitWithoutWaitingAsync(_licenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero, gasLimit: 400_000);
        }
        finally
        {
            inFlight.Release();
        }
    }

    private JobCompletion Completion(ulong jobId)
    {
        var resultHash = Keccak256.Compute(BitConverter.GetBytes(jobId));
        return new JobCompletion(jobId, resultHash, JobsContract.SignResult(_nodeKey!, _node!.Deployment.Jobs, _node.Deployment.ChainId, jobId, resultHash));
    }
}
