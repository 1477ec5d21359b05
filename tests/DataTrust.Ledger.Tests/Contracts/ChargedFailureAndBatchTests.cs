using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;

namespace DataTrust.Ledger.Tests.Contracts;

/// <summary>
/// Jobs.failCharged closes a job refused after rows were read with nothing refunded; Jobs.completeBatch completes many jobs in one
/// transaction, all or none, naming the first refused item and its inner error.
/// </summary>
[Collection(LedgerCollection.Name)]
public class ChargedFailureAndBatchTests(LedgerFixture ledger)
{
    private static readonly byte[] Spec = Encoding.UTF8.GetBytes("{\"groupBy\":[\"year\"],\"measures\":[\"COUNT\"]}");

    [Fact]
    public async Task FailCharged_closes_the_job_as_Failed_and_refunds_nothing()
    {
        var world = await ledger.NewWorldAsync(quota: 5, epsilonBudget: "2.0");
        var jobId = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.5"));
        var before = await ledger.Authority.Licenses.GetLicenseAsync(world.LicenseId);

        var receipt = await world.Node.Jobs.FailChargedAsync(jobId, "HeValueOutOfRange at rows");

        var job = await ledger.Authority.Jobs.GetJobAsync(jobId);
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(receipt.BlockNumber, job.FinishedBlock);
        Assert.Equal(before, await ledger.Authority.Licenses.GetLicenseAsync(world.LicenseId));
        Assert.Equal(4u, before.QuotaRemaining);
        Assert.Equal(Epsilon.Parse("0.5"), await ledger.Authority.Licenses.GetDatasetEpsilonSpentAsync(world.Dataset.Id));
        Assert.Empty(world.Node.Licenses.EventsIn(receipt));
        var failed = Assert.Single(world.Node.Jobs.EventsIn(receipt));
        Assert.Equal("JobFailed", failed.Name);
        Assert.Equal(jobId, failed.Values.GetUInt64("jobId"));
        Assert.Equal(world.NodeKey.Address, failed.Values.GetAddress("node"));
        Assert.Equal("HeValueOutOfRange at rows", failed.Values.GetString("reason"));
        Assert.False(failed.Values.GetBool("refunded"));
    }

    [Fact]
    public async Task Fail_says_refunded_in_its_event()
    {
        var world = await ledger.NewWorldAsync();
        var jobId = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.1"));

        var receipt = await world.Node.Jobs.FailAsync(jobId, "spec names an unknown column");

        Assert.True(Assert.Single(world.Node.Jobs.EventsIn(receipt)).Values.GetBool("refunded"));
    }

    [Fact]
    public async Task A_charged_failure_cannot_be_cancelled_for_a_refund_past_the_deadline()
    {
        var world = await ledger.NewWorldAsync(quota: 3, epsilonBudget: "1.0");
        var jobId = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.4"));
        await world.Node.Jobs.FailChargedAsync(jobId, "HeValueOutOfRange at rows");
        await ledger.AdvanceTimeAsync(3600);

        var ex = await Refusal.ExpectAsync("JobNotPending", () => world.Enterprise.Jobs.CancelAsync(jobId));

        Assert.Equal((ulong)JobStatus.Failed, ex.Error.Arguments.GetUInt64("status"));
        var license = await ledger.Authority.Licenses.GetLicenseAsync(world.LicenseId);
        Assert.Equal(2u, license.QuotaRemaining);
        Assert.Equal(Epsilon.Parse("0.6"), license.EpsilonRemaining);
    }

    [Fact]
    public async Task FailCharged_is_refused_for_an_unknown_job_another_node_a_suspended_node_and_a_closed_job()
    {
        var world = await ledger.NewWorldAsync();
        var other = await ledger.NewWorldAsync(grant: false);
        var jobId = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);
        var closed = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);
        await world.Node.Jobs.FailAsync(closed, "malformed spec");

        var unknown = await Refusal.ExpectAsync("UnknownJob", () => world.Node.Jobs.FailChargedAsync(999_999, "x"));
        var notNode = await Refusal.ExpectAsync("NotDatasetNode", () => other.Node.Jobs.FailChargedAsync(jobId, "x"));
        var byEnterprise = await Refusal.ExpectAsync("NotDatasetNode", () => world.Enterprise.Jobs.FailChargedAsync(jobId, "x"));
        var notPending = await Refusal.ExpectAsync("JobNotPending", () => world.Node.Jobs.FailChargedAsync(closed, "x"));
        await ledger.Authority.Participants.SuspendAsync(world.NodeKey.Address, "key rotation");
        var suspended = await Refusal.ExpectAsync("ParticipantSuspended", () => world.Node.Jobs.FailChargedAsync(jobId, "x"));

        Assert.Equal(999_999ul, unknown.Error.Arguments.GetUInt64("jobId"));
        Assert.Equal(other.NodeKey.Address, notNode.Error.Arguments.GetAddress("caller"));
        Assert.Equal(world.EnterpriseKey.Address, byEnterprise.Error.Arguments.GetAddress("caller"));
        Assert.Equal((ulong)JobStatus.Failed, notPending.Error.Arguments.GetUInt64("status"));
        Assert.Equal(world.NodeKey.Address, suspended.Error.Arguments.GetAddress("account"));
        Assert.Equal(JobStatus.Pending, (await ledger.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task CompleteBatch_completes_every_job_in_one_transaction_with_one_event_each_in_order()
    {
        var world = await ledger.NewWorldAsync();
        var ids = new List<ulong>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero));
        }

        var completions = ids.Select(id => Completion(world, id)).ToList();
        var receipt = await world.Node.Jobs.CompleteBatchAsync(completions);

        var events = world.Node.Jobs.EventsIn(receipt);
        Assert.Equal(ids, events.Select(e => e.Values.GetUInt64("jobId")));
        Assert.All(events, e => Assert.Equal("JobCompleted", e.Name));
        for (var i = 0; i < ids.Count; i++)
        {
            var job = await ledger.Authority.Jobs.GetJobAsync(ids[i]);
            Assert.Equal(JobStatus.Completed, job.Status);
            Assert.Equal(completions[i].ResultHash, job.ResultHash);
            Assert.Equal(receipt.BlockNumber, job.FinishedBlock);
            Assert.Equal(completions[i].Signature.ToBytes(), events[i].Values.GetBytes("signature"));
        }
    }

    [Fact]
    public async Task CompleteBatch_is_atomic_and_names_the_first_refused_item_with_its_inner_error()
    {
        var world = await ledger.NewWorldAsync();
        var other = await ledger.NewWorldAsync();
        var a = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);
        var b = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);
        var done = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);
        var foreign = await other.Enterprise.Jobs.SubmitAsync(other.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);
        await world.Node.Jobs.CompleteAsync(done, Completion(world, done).ResultHash, Completion(world, done).Signature);
        var good = Completion(world, a);
        var wrongHash = good with { ResultHash = Keccak256.Compute("other"u8) };
        var byOtherSigner = Completion(world, b) with { Signature = JobsContract.SignResult(other.NodeKey, ledger.Deployment.Jobs, ledger.Deployment.ChainId, b, Completion(world, b).ResultHash) };

        var unknown = await ItemRefusalAsync(world, [good, Completion(world, 999_999)], 1, "UnknownJob");
        var notNode = await ItemRefusalAsync(world, [good, Completion(world, foreign)], 1, "NotDatasetNode");
        var closed = await ItemRefusalAsync(world, [good, Completion(world, done)], 1, "JobNotPending");
        var twice = await ItemRefusalAsync(world, [good, Completion(world, b), good], 2, "JobNotPending");
        var badSig = await ItemRefusalAsync(world, [good, byOtherSigner], 1, "BadResultSignature");
        await ItemRefusalAsync(world, [wrongHash, Completion(world, b)], 0, "BadResultSignature");
        var shortSignature = Completion(world, b).Signature.ToBytes()[..64];
        var data = DataTrustAbi.Jobs.Abi.GetFunction("completeBatch").EncodeCall(
            [new object?[] { a, b }, new object?[] { good.ResultHash.ToArray(), Completion(world, b).ResultHash.ToArray() }, new object?[] { good.Signature.ToBytes(), shortSignature }]);
        var malformed = JobsContract.BatchRefusalOf(await Refusal.ExpectAsync("BatchItemRefused", () => world.Node.Jobs.Sender!.SendAsync("Jobs.completeBatch", ledger.Deployment.Jobs, data)));
        Assert.Equal((1, b, "InvalidSignature"), (malformed!.Index, malformed.JobId, malformed.Error.Name));

        Assert.Equal(999_999ul, unknown.Error.Arguments.GetUInt64("jobId"));
        Assert.Equal(world.NodeKey.Address, notNode.Error.Arguments.GetAddress("caller"));
        Assert.Equal((ulong)JobStatus.Completed, closed.Error.Arguments.GetUInt64("status"));
        Assert.Equal(a, twice.JobId);
        Assert.Equal((ulong)JobStatus.Completed, twice.Error.Arguments.GetUInt64("status"));
        Assert.Equal(other.NodeKey.Address, badSig.Error.Arguments.GetAddress("recovered"));
        Assert.Equal(world.NodeKey.Address, badSig.Error.Arguments.GetAddress("expected"));
        Assert.Equal(JobStatus.Pending, (await ledger.Authority.Jobs.GetJobAsync(a)).Status);
        Assert.Equal(JobStatus.Pending, (await ledger.Authority.Jobs.GetJobAsync(b)).Status);
    }

    [Fact]
    public async Task CompleteBatch_is_refused_for_an_empty_or_oversized_batch_with_BatchSizeInvalid()
    {
        var world = await ledger.NewWorldAsync();
        var jobId = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);
        var one = Completion(world, jobId);

        var empty = await Refusal.ExpectAsync("BatchSizeInvalid", () => world.Node.Jobs.CompleteBatchAsync([]));
        var oversized = await Refusal.ExpectAsync("BatchSizeInvalid", () => world.Node.Jobs.CompleteBatchAsync(Enumerable.Repeat(one, JobsContract.MaxBatch + 1).ToList()));

        Assert.Equal(0ul, empty.Error.Arguments.GetUInt64("size"));
        Assert.Equal((ulong)JobsContract.MaxBatch, empty.Error.Arguments.GetUInt64("max"));
        Assert.Equal((ulong)JobsContract.MaxBatch + 1, oversized.Error.Arguments.GetUInt64("size"));
        Assert.Equal(JobStatus.Pending, (await ledger.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task CompleteBatch_is_refused_with_BatchLengthMismatch_when_the_arrays_differ()
    {
        var world = await ledger.NewWorldAsync();
        var jobId = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);
        var one = Completion(world, jobId);
        var data = DataTrustAbi.Jobs.Abi.GetFunction("completeBatch").EncodeCall(
            [new object?[] { jobId, jobId }, new object?[] { one.ResultHash.ToArray() }, new object?[] { one.Signature.ToBytes() }]);

        var ex = await Refusal.ExpectAsync("BatchLengthMismatch", () => world.Node.Jobs.Sender!.SendAsync("Jobs.completeBatch", ledger.Deployment.Jobs, data));

        Assert.Equal(2ul, ex.Error.Arguments.GetUInt64("jobIds"));
        Assert.Equal(1ul, ex.Error.Arguments.GetUInt64("resultHashes"));
        Assert.Equal(1ul, ex.Error.Arguments.GetUInt64("signatures"));
        Assert.Equal(JobStatus.Pending, (await ledger.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task CompleteBatch_by_a_suspended_node_or_a_non_node_is_refused_with_the_callers_own_error()
    {
        var world = await ledger.NewWorldAsync();
        var jobId = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);
        var one = Completion(world, jobId);
        var stranger = await ledger.AsAsync(await ledger.NewAccountAsync());

        var byEnterprise = await Refusal.ExpectAsync("WrongRole", () => world.Enterprise.Jobs.CompleteBatchAsync([one]));
        var byStranger = await Refusal.ExpectAsync("NotAdmitted", () => stranger.Jobs.CompleteBatchAsync([one]));
        await ledger.Authority.Participants.SuspendAsync(world.NodeKey.Address, "key rotation");
        var suspended = await Refusal.ExpectAsync("ParticipantSuspended", () => world.Node.Jobs.CompleteBatchAsync([one]));

        Assert.Equal(world.EnterpriseKey.Address, byEnterprise.Error.Arguments.GetAddress("account"));
        Assert.Equal(stranger.Jobs.Sender!.From, byStranger.Error.Arguments.GetAddress("account"));
        Assert.Equal(world.NodeKey.Address, suspended.Error.Arguments.GetAddress("account"));
        Assert.Equal(JobStatus.Pending, (await ledger.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public void BatchRefusalOf_is_null_for_another_error()
    {
        var decoded = DataTrustAbi.ErrorDecoder.Decode(DataTrustAbi.Jobs.Abi.Errors.Single(e => e.Name == "EmptySpec").Selector);
        Assert.Null(JobsContract.BatchRefusalOf(new ContractRevertedException("Jobs.submit", decoded)));
    }

    private async Task<BatchItemRefusal> ItemRefusalAsync(World world, IReadOnlyList<JobCompletion> batch, int index, string inner)
    {
        var ex = await Refusal.ExpectAsync("BatchItemRefused", () => world.Node.Jobs.CompleteBatchAsync(batch));
        var item = JobsContract.BatchRefusalOf(ex);
        Assert.NotNull(item);
        Assert.Equal(index, item.Index);
        Assert.Equal(batch[index].JobId, item.JobId);
        Assert.Equal(inner, item.Error.Name);
        return item;
    }

    private JobCompletion Completion(World world, ulong jobId)
    {
        var resultHash = Keccak256.Compute(BitConverter.GetBytes(jobId));
        return new JobCompletion(jobId, resultHash, JobsContract.SignResult(world.NodeKey, ledger.Deployment.Jobs, ledger.Deployment.ChainId, jobId, resultHash));
    }
}
