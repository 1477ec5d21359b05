using System.Numerics;
using System.Text;
using System.Text.Json;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Ledger.Tests.Contracts;

/// <summary>Many transactions signed locally and sent in one JSON-RPC batch request, against a real anvil.</summary>
[Collection(LedgerCollection.Name)]
public class BatchSendTests(LedgerFixture ledger)
{
    private static readonly byte[] Spec = Encoding.UTF8.GetBytes("{\"groupBy\":[\"district\"],\"measures\":[\"COUNT\"]}");

    /// <summary>A transfer of more than any test account holds: the endpoint refuses it on arrival ("insufficient funds").</summary>
    private static readonly TransactionRequest Unaffordable = new(Sink, [2], BigInteger.Pow(10, 30));

    private const ulong TransferGas = 100_000;

    private static readonly Address Sink = Address.Parse("0x00000000000000000000000000000000000b47c4");

    [Fact]
    public async Task Submissions_sent_in_one_request_are_mined_each_with_its_own_nonce_and_JobSubmitted()
    {
        var world = await ledger.NewWorldAsync(quota: 10);
        var counter = new RequestCounter();
        using var rpc = new JsonRpcClient(ledger.Rpc.Endpoint, handler: counter);
        var enterprise = await DataTrustLedger.ConnectAsync(rpc, ledger.Deployment, world.EnterpriseKey);
        await enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero); // fees and nonce now known
        var first = await ledger.Rpc.GetBlockNumberAsync() + 1;
        var before = counter.Bodies.Count;

        var outcomes = await enterprise.Jobs.SubmitManyWithoutWaitingAsync(
            [.. Enumerable.Range(0, 4).Select(_ => new JobSubmission(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.1")))], gasLimit: 400_000);
        var sendRequests = counter.Bodies.Skip(before).Where(b => b.Contains("eth_sendRawTransaction", StringComparison.Ordinal)).ToList();
        var receipts = new List<TransactionReceipt>();
        foreach (var outcome in outcomes)
        {
            receipts.Add(await outcome.Pending!.WaitAsync());
        }

        var jobIds = receipts.Select(enterprise.Jobs.JobIdOf).ToList();
        var events = (await enterprise.Jobs.GetEventsAsync(first)).Where(e => e.Name == "JobSubmitted").ToList();
        var license = await ledger.Authority.Licenses.GetLicenseAsync(world.LicenseId);

        var batch = Assert.Single(sendRequests);
        Assert.Equal(4, JsonDocument.Parse(batch).RootElement.GetArrayLength());
        Assert.All(outcomes, o => Assert.True(o.Sent));
        Assert.Equal([.. Enumerable.Range(0, 4).Select(i => outcomes[0].Nonce + (ulong)i)], outcomes.Select(o => o.Nonce));
        Assert.Equal(4, jobIds.Distinct().Count());
        Assert.Equal(jobIds.Order(), events.Select(e => e.Values.GetUInt64("jobId")).Order());
        Assert.Equal(receipts.Select(r => r.TransactionHash.ToString()).Order(), events.Select(e => e.TransactionHash.ToString()).Order());
        Assert.Equal(5u, license.QuotaRemaining);
        Assert.Equal(Epsilon.Parse("1.6"), license.EpsilonRemaining);
    }

    [Fact]
    public async Task A_submission_the_contract_refuses_is_sent_with_the_batch_and_its_receipt_decodes_the_custom_error()
    {
        var world = await ledger.NewWorldAsync(quota: 10);

        var outcomes = await world.Enterprise.Jobs.SubmitManyWithoutWaitingAsync(
            [
                new JobSubmission(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero),
                new JobSubmission(999_999, ComputationKind.Aggregate, Spec, Epsilon.Zero),
                new JobSubmission(world.LicenseId, ComputationKind.Aggregate, ReadOnlyMemory<byte>.Empty, Epsilon.Zero),
            ],
            gasLimit: 400_000);

        var mined = await outcomes[0].Pending!.WaitAsync();
        await Refusal.ExpectAsync("UnknownLicense", () => outcomes[1].Pending!.WaitAsync());
        await Refusal.ExpectAsync("EmptySpec", () => outcomes[2].Pending!.WaitAsync());
        Assert.True(mined.Succeeded);
        Assert.Equal(9u, (await ledger.Authority.Licenses.GetLicenseAsync(world.LicenseId)).QuotaRemaining);
    }

    [Fact]
    public async Task Batch_completions_sent_in_one_request_complete_their_jobs_and_a_refused_one_decodes_its_item()
    {
        var world = await ledger.NewWorldAsync(quota: 10);
        var jobs = new List<ulong>();
        for (var i = 0; i < 3; i++)
        {
            jobs.Add(await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero));
        }

        var outcomes = await world.Node.Jobs.CompleteBatchesWithoutWaitingAsync(
            [
                [Completion(world, jobs[0]), Completion(world, jobs[1])],
                [Completion(world, jobs[2]), Completion(world, 999_999)],
            ],
            gasLimit: 400_000);

        var mined = await outcomes[0].Pending!.WaitAsync();
        var refusal = await Refusal.ExpectAsync("BatchItemRefused", () => outcomes[1].Pending!.WaitAsync());
        var item = JobsContract.BatchRefusalOf(refusal)!;
        Assert.True(mined.Succeeded);
        Assert.Equal(2, world.Node.Jobs.EventsIn(mined).Count(e => e.Name == "JobCompleted"));
        Assert.Equal(1, item.Index);
        Assert.Equal(999_999UL, item.JobId);
        Assert.Equal("UnknownJob", item.Error.Name);
        Assert.Equal(JobStatus.Completed, (await world.Node.Jobs.GetJobAsync(jobs[1])).Status);
        Assert.Equal(JobStatus.Pending, (await world.Node.Jobs.GetJobAsync(jobs[2])).Status);
    }

    [Fact]
    public async Task A_transaction_the_endpoint_refuses_is_reported_alone_and_the_next_send_fills_its_nonce()
    {
        var key = await ledger.NewAccountAsync();
        var sender = await TransactionSender.CreateAsync(ledger.Rpc, key);
        var start = await ledger.Rpc.GetTransactionCountAsync(key.Address, BlockTag.Latest);

        var outcomes = await sender.SubmitManyAsync("transfer", [new(Sink, [1]), Unaffordable, new(Sink, [3])], TransferGas);
        var filler = await sender.SubmitAsync("transfer", Sink, [4], TransferGas);
        var receipts = new[] { await outcomes[0].Pending!.WaitAsync(), await filler.WaitAsync(), await outcomes[2].Pending!.WaitAsync() };
        var after = await sender.SendAsync("transfer", Sink, [5], TransferGas);

        Assert.True(outcomes[0].Sent);
        Assert.False(outcomes[1].Sent);
        Assert.Equal(RpcErrorKind.ServerError, outcomes[1].Error!.Kind);
        Assert.Contains("funds", outcomes[1].Error!.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(outcomes[2].Sent);
        Assert.Equal([start, start + 1, start + 2], outcomes.Select(o => o.Nonce));
        Assert.Equal(start + 1, await NonceOfAsync(filler.Hash));
        Assert.All(receipts, r => Assert.True(r.Succeeded));
        Assert.Equal(start + 3, await NonceOfAsync(after.TransactionHash));
        Assert.Equal(start + 4, await ledger.Rpc.GetTransactionCountAsync(key.Address, BlockTag.Latest));
    }

    [Fact]
    public async Task A_refused_tail_of_a_batch_gives_its_nonces_back_so_the_count_stays_with_the_chain()
    {
        var key = await ledger.NewAccountAsync();
        var sender = await TransactionSender.CreateAsync(ledger.Rpc, key);
        var start = await ledger.Rpc.GetTransactionCountAsync(key.Address, BlockTag.Latest);

        var outcomes = await sender.SubmitManyAsync("transfer", [new(Sink, [1]), Unaffordable, Unaffordable], TransferGas);
        await outcomes[0].Pending!.WaitAsync();
        var next = await sender.SendAsync("transfer", Sink, [2], TransferGas);

        Assert.Equal([true, false, false], outcomes.Select(o => o.Sent));
        Assert.Equal(start + 1, await NonceOfAsync(next.TransactionHash));
        Assert.Equal(start + 2, await ledger.Rpc.GetTransactionCountAsync(key.Address, BlockTag.Latest));
    }

    [Fact]
    public async Task A_batch_item_whose_nonce_the_chain_already_used_is_refused_alone_and_the_count_is_read_again()
    {
        var key = await ledger.NewAccountAsync();
        var nonces = new NonceManager(ledger.Rpc);
        var sender = new TransactionSender(ledger.Rpc, key, await ledger.Rpc.GetChainIdAsync(), nonces);
        var taken = await nonces.ReserveAsync(key.Address);
        await (await TransactionSender.CreateAsync(ledger.Rpc, key)).SendAsync("transfer", Sink, [9], TransferGas); // another sender uses it
        nonces.Release(key.Address, taken); // so this counter hands it out again: it is now behind the chain

        var outcomes = await sender.SubmitManyAsync("transfer", [new(Sink, [1]), new(Sink, [2])], TransferGas);
        await outcomes[1].Pending!.WaitAsync();
        var next = await sender.SendAsync("transfer", Sink, [3], TransferGas);

        Assert.Equal([taken, taken + 1], outcomes.Select(o => o.Nonce));
        Assert.False(outcomes[0].Sent);
        Assert.Contains("nonce", outcomes[0].Error!.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(outcomes[1].Sent);
        Assert.Equal(taken + 2, await NonceOfAsync(next.TransactionHash));
    }

    [Fact]
    public async Task A_nonce_given_back_below_the_newest_is_handed_out_again_first()
    {
        var key = await ledger.NewAccountAsync();
        var nonces = new NonceManager(ledger.Rpc);
        var start = await ledger.Rpc.GetTransactionCountAsync(key.Address, BlockTag.Pending);

        var five = await nonces.ReserveManyAsync(key.Address, 5);
        nonces.Release(key.Address, start + 3);
        nonces.Release(key.Address, start + 1);
        var again = await nonces.ReserveManyAsync(key.Address, 3);
        nonces.Release(key.Address, start + 5);
        nonces.Release(key.Address, start + 3);
        var afterNewest = await nonces.ReserveAsync(key.Address);

        Assert.Equal([start, start + 1, start + 2, start + 3, start + 4], five);
        Assert.Equal([start + 1, start + 3, start + 5], again);
        Assert.Equal(start + 3, afterNewest);
        Assert.Equal(start + 5, await nonces.ReserveAsync(key.Address));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => nonces.ReserveManyAsync(key.Address, 0));
    }

    [Fact]
    public async Task An_empty_batch_or_one_larger_than_the_client_allows_is_refused_before_a_nonce_is_taken()
    {
        var key = await ledger.NewAccountAsync();
        using var rpc = new JsonRpcClient(ledger.Rpc.Endpoint, new JsonRpcClientOptions { MaxBatchSize = 2 });
        var sender = await TransactionSender.CreateAsync(rpc, key);

        await Assert.ThrowsAsync<ArgumentException>(() => sender.SubmitManyAsync("transfer", [], TransferGas));
        await Assert.ThrowsAsync<ArgumentException>(() => sender.SubmitManyAsync("transfer", [new(Sink, [1]), new(Sink, [2]), new(Sink, [3])], TransferGas));
        var sent = await sender.SendAsync("transfer", Sink, [1], TransferGas);

        Assert.Equal(await ledger.Rpc.GetTransactionCountAsync(key.Address, BlockTag.Latest) - 1, await NonceOfAsync(sent.TransactionHash));
    }

    private static JobCompletion Completion(World world, ulong jobId)
    {
        var resultHash = Ledger.Crypto.Keccak256.Compute(BitConverter.GetBytes(jobId));
        return new JobCompletion(jobId, resultHash, JobsContract.SignResult(world.NodeKey, world.Node.Deployment.Jobs, world.Node.Deployment.ChainId, jobId, resultHash));
    }

    private async Task<ulong> NonceOfAsync(Hash32 hash)
    {
        var transaction = await ledger.Rpc.CallAsync("eth_getTransactionByHash", [hash.ToString()]);
        return ulong.Parse(transaction.GetProperty("nonce").GetString()![2..], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Passes every request on to the real endpoint and keeps its body, to count round trips.</summary>
    internal sealed class RequestCounter() : DelegatingHandler(new SocketsHttpHandler())
    {
        private readonly List<string> _bodies = [];

        public IReadOnlyList<string> Bodies
        {
            get
            {
                lock (_bodies)
                {
                    return [.. _bodies];
                }
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
            lock (_bodies)
            {
                _bodies.Add(body);
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
