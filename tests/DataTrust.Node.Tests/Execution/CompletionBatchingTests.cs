using System.Security.Cryptography;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Node.Execution;
using DataTrust.Protos.V1;
using BlockTag = DataTrust.Ledger.Rpc.BlockTag;
using ColumnType = DataTrust.Core.Catalog.ColumnType;
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Node.Tests.Execution;

/// <summary>
/// Group commit of completions: while one completion is in flight, the node's later completions queue and go together
/// in one Jobs.completeBatch; each caller gets its result only once its own completion is mined. Real anvil, real node,
/// gRPC over loopback. Mining is held (automine off) so the in-flight window is certain rather than a race.
/// </summary>
[Collection(ChainedNodeCollection.Name)]
public class CompletionBatchingTests(ChainedNodeFixture node)
{
    private const int Concurrent = 6;

    [Fact]
    public async Task Concurrent_jobs_complete_in_fewer_transactions_than_jobs_each_completed_once()
    {
        var license = await node.LicenseAsync(quota: Concurrent);
        var jobIds = new List<ulong>();
        for (var i = 0; i < Concurrent; i++)
        {
            jobIds.Add(await node.SubmitAsync(license, ChainedNodeFixture.TaxPaidByGrade()));
        }

        var nonceBefore = await node.Rpc.GetTransactionCountAsync(node.NodeAccount, BlockTag.Pending);
        var fromBlock = await node.Rpc.GetBlockNumberAsync() + 1;
        var responses = new List<Task<ExecuteResponse>>();
        await node.Rpc.CallAsync("evm_setAutomine", [false]);
        try
        {
            foreach (var jobId in jobIds)
            {
                responses.Add(node.Jobs.ExecuteAsync(node.Request(jobId)).ResponseAsync);
            }

            // Every job computed and its result stored, one completion in the pool: the rest are queued behind it.
            var results = Path.Combine(node.DataDirectory, "results");
            await Until(async () => jobIds.All(id => File.Exists(Path.Combine(results, $"job-{id}.result")))
                && await node.Rpc.GetTransactionCountAsync(node.NodeAccount, BlockTag.Pending) == nonceBefore + 1);
            await Task.Delay(300);
            Assert.All(responses, r => Assert.False(r.IsCompleted, "no caller has its result before its completion is mined"));

            var all = Task.WhenAll(responses);
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (!all.IsCompleted && !deadline.IsCancellationRequested)
            {
                await node.Rpc.CallAsync("evm_mine", []);
                await Task.WhenAny(all, Task.Delay(100));
            }
        }
        finally
        {
            await node.Rpc.CallAsync("evm_setAutomine", [true]);
        }

        var answers = await Task.WhenAll(responses);
        var transactions = await node.Rpc.GetTransactionCountAsync(node.NodeAccount, BlockTag.Latest) - nonceBefore;
        Assert.InRange(transactions, 2ul, Concurrent - 1ul);

        var completed = (await node.Authority.Jobs.GetEventsAsync(fromBlock)).Where(e => e.Name == "JobCompleted").ToList();
        Assert.Equal(jobIds.Order(), completed.Select(e => e.Values.GetUInt64("jobId")).Order());
        Assert.True(completed.GroupBy(e => e.TransactionHash).Max(g => g.Count()) >= 2, "some completions shared a transaction");
        for (var i = 0; i < jobIds.Count; i++)
        {
            var job = await node.Authority.Jobs.GetJobAsync(jobIds[i]);
            Assert.Equal(JobStatus.Completed, job.Status);
            Assert.Equal(Keccak256.Compute(answers[i].Result.Span), job.ResultHash);
        }
    }

    [Fact]
    public async Task A_lone_job_is_completed_at_once_with_a_single_complete()
    {
        var license = await node.LicenseAsync();
        var jobId = await node.SubmitAsync(license, ChainedNodeFixture.TaxPaidByGrade());
        var fromBlock = await node.Rpc.GetBlockNumberAsync() + 1;

        await node.Jobs.ExecuteAsync(node.Request(jobId));

        var completed = Assert.Single(await node.Authority.Jobs.GetEventsAsync(fromBlock), e => e.Name == "JobCompleted");
        Assert.Equal(jobId, completed.Values.GetUInt64("jobId"));
        var tx = await node.Rpc.CallAsync("eth_getTransactionByHash", [completed.TransactionHash.ToString()]);
        var input = tx.GetProperty("input").GetString()!;
        Assert.StartsWith("0x" + DataTrustAbi.Jobs.Abi.GetFunction("complete").SelectorHex.Replace("0x", string.Empty, StringComparison.Ordinal), input, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_refused_item_gets_its_own_error_and_the_rest_of_its_batch_still_completes()
    {
        var (jobs, nodeKey, ids) = await SecondNodeWithJobsAsync(4);
        var batcher = new CompletionBatcher(jobs);
        var completions = ids.Select(id => Completion(nodeKey, id)).ToList();
        var foreign = Completion(nodeKey, ids[2]) with { Signature = JobsContract.SignResult(node.EnterpriseKey, jobs.Address, node.Authority.Deployment.ChainId, ids[2], Completion(nodeKey, ids[2]).ResultHash) };
        completions[2] = foreign;

        Task[] calls;
        await node.Rpc.CallAsync("evm_setAutomine", [false]);
        try
        {
            var first = batcher.CompleteAsync(completions[0], CancellationToken.None);
            await Until(async () => await node.Rpc.GetTransactionCountAsync(nodeKey.Address, BlockTag.Pending) > await node.Rpc.GetTransactionCountAsync(nodeKey.Address, BlockTag.Latest));
            calls = [first, .. completions.Skip(1).Select(c => batcher.CompleteAsync(c, CancellationToken.None))];
            var all = Task.WhenAll(calls.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default)));
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (!all.IsCompleted && !deadline.IsCancellationRequested)
            {
                await node.Rpc.CallAsync("evm_mine", []);
                await Task.WhenAny(all, Task.Delay(100));
            }
        }
        finally
        {
            await node.Rpc.CallAsync("evm_setAutomine", [true]);
        }

        var refused = await Assert.ThrowsAsync<ContractRevertedException>(() => calls[2]);
        Assert.Equal("BadResultSignature", refused.ErrorName);
        Assert.Equal(ids[2], refused.Error.Arguments.GetUInt64("jobId"));
        await Task.WhenAll(calls[0], calls[1], calls[3]);
        Assert.Equal(JobStatus.Pending, (await node.Authority.Jobs.GetJobAsync(ids[2])).Status);
        foreach (var i in new[] { 0, 1, 3 })
        {
            var job = await node.Authority.Jobs.GetJobAsync(ids[i]);
            Assert.Equal((JobStatus.Completed, completions[i].ResultHash), (job.Status, job.ResultHash));
        }

        // The first went alone; the three behind it were refused at the estimate for their item 1 (nothing sent), and the
        // two others then went as one batch.
        Assert.Equal(2ul, await node.Rpc.GetTransactionCountAsync(nodeKey.Address, BlockTag.Latest));
    }

    /// <summary>A node account of its own (so its nonces are not the running node's) with a dataset and pending jobs on it.</summary>
    private async Task<(JobsContract Jobs, Ledger.Signing.EthereumKey NodeKey, List<ulong> Ids)> SecondNodeWithJobsAsync(int count)
    {
        var nodeKey = await node.FundedAsync();
        await node.Authority.Participants.AdmitNodeAsync(nodeKey.Address, "Batch node", "batch", "http://127.0.0.1:1", nodeKey.Address);
        var id = new Hash32(RandomNumberGenerator.GetBytes(32));
        await node.Operator.Catalog.PublishAsync(new DatasetSpec(
            id, "batch", nodeKey.Address, Hash32.Zero, 1, Hash32.Zero, ProtectionGrade.Restricted, 10, 1, 85, ComputationKindSet.Aggregate,
            [new ColumnSpec("x", ColumnType.Int, ColumnPermissions.Aggregate, 0, 100)]));
        var request = await node.Enterprise.Licenses.RequestAsync(id, "batching");
        var now = (await node.Rpc.GetBlockAsync(BlockTag.Latest))!.Timestamp;
        var license = await node.Operator.Licenses.GrantAsync(request, ComputationKindSet.Aggregate, (uint)count, DateTimeOffset.FromUnixTimeSeconds((long)now).AddDays(1), Epsilon.Zero);
        var ids = new List<ulong>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(await node.Enterprise.Jobs.SubmitAsync(license, ComputationKind.Aggregate, "{}"u8.ToArray(), Epsilon.Zero));
        }

        var ledger = await DataTrustLedger.ConnectAsync(node.Rpc, node.Authority.Deployment, nodeKey);
        return (ledger.Jobs, nodeKey, ids);
    }

    private JobCompletion Completion(Ledger.Signing.EthereumKey nodeKey, ulong jobId)
    {
        var hash = Keccak256.Compute(BitConverter.GetBytes(jobId));
        return new JobCompletion(jobId, hash, JobsContract.SignResult(nodeKey, node.Authority.Deployment.Jobs, node.Authority.Deployment.ChainId, jobId, hash));
    }

    private static async Task Until(Func<Task<bool>> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            await Task.Delay(50, deadline.Token);
        }
    }
}
