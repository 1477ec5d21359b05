using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Tests.Contracts;

/// <summary>Nothing stays pending for ever: fail before a row is read and cancel past the deadline, each with an exact refund.</summary>
[Collection(LedgerCollection.Name)]
public class JobLifecycleTests(LedgerFixture ledger)
{
    private static readonly byte[] Spec = Encoding.UTF8.GetBytes("{\"groupBy\":[\"year\"],\"measures\":[\"COUNT\"]}");

    [Fact]
    public async Task The_deployment_has_the_default_pending_deadline_of_one_hour()
    {
        Assert.Equal(DataTrustLedger.DefaultPendingDeadline, await ledger.Authority.Jobs.GetPendingDeadlineAsync());
        Assert.Equal(TimeSpan.FromHours(1), DataTrustLedger.DefaultPendingDeadline);
    }

    [Fact]
    public async Task A_job_records_its_submission_time()
    {
        var world = await ledger.NewWorldAsync();

        var jobId = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.1"));
        var job = await ledger.Authority.Jobs.GetJobAsync(jobId);

        Assert.Equal((await ledger.Rpc.GetBlockAsync(BlockTag.Number(job.SubmittedBlock)))!.Timestamp, job.SubmittedAt);
    }

    [Fact]
    public async Task Fail_refunds_the_quota_and_epsilon_to_the_license_and_the_dataset_cap_exactly()
    {
        var world = await ledger.NewWorldAsync(quota: 5, epsilonBudget: "2.0");
        var kept = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.25"));
        var refused = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.5"));

        var receipt = await world.Node.Jobs.FailAsync(refused, "consent withdrawn before execution");

        var license = await ledger.Authority.Licenses.GetLicenseAsync(world.LicenseId);
        Assert.Equal(4u, license.QuotaRemaining);
        Assert.Equal(Epsilon.Parse("1.75"), license.EpsilonRemaining);
        Assert.Equal(Epsilon.Parse("0.25"), await ledger.Authority.Licenses.GetDatasetEpsilonSpentAsync(world.Dataset.Id));
        Assert.Equal(JobStatus.Failed, (await ledger.Authority.Jobs.GetJobAsync(refused)).Status);
        Assert.Equal(JobStatus.Pending, (await ledger.Authority.Jobs.GetJobAsync(kept)).Status);

        var failed = Assert.Single(world.Node.Jobs.EventsIn(receipt));
        Assert.Equal("JobFailed", failed.Name);
        Assert.Equal("consent withdrawn before execution", failed.Values.GetString("reason"));
        var refunds = world.Node.Licenses.EventsIn(receipt);
        Assert.Equal(["LicenseRefunded", "DatasetEpsilonRefunded"], refunds.Select(e => e.Name));
        Assert.Equal(world.LicenseId, refunds[0].Values.GetUInt64("licenseId"));
        Assert.Equal(refused, refunds[0].Values.GetUInt64("jobId"));
        Assert.Equal(500_000ul, refunds[0].Values.GetUInt64("epsilon"));
        Assert.Equal(4ul, refunds[0].Values.GetUInt64("quotaRemaining"));
        Assert.Equal(1_750_000ul, refunds[0].Values.GetUInt64("epsilonRemaining"));
        Assert.Equal(world.Dataset.Id, refunds[1].Values.GetHash32("datasetId"));
        Assert.Equal(500_000ul, refunds[1].Values.GetUInt64("epsilon"));
        Assert.Equal(250_000ul, refunds[1].Values.GetUInt64("spent"));
        Assert.True(failed.LogIndex < refunds[0].LogIndex);
    }

    [Fact]
    public async Task Failing_an_exact_job_refunds_its_quota_and_leaves_the_dataset_tally_alone()
    {
        var world = await ledger.NewWorldAsync(quota: 2);
        var jobId = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);

        var receipt = await world.Node.Jobs.FailAsync(jobId, "spec names an unknown column");

        Assert.Equal(2u, (await ledger.Authority.Licenses.GetLicenseAsync(world.LicenseId)).QuotaRemaining);
        Assert.Equal(["LicenseRefunded"], world.Node.Licenses.EventsIn(receipt).Select(e => e.Name));
    }

    [Fact]
    public async Task A_failed_open_job_refunds_nothing()
    {
        var world = await ledger.NewWorldAsync(grant: false, grade: ProtectionGrade.Open, epsilonCap: "0");
        var stranger = await ledger.AsAsync(await ledger.NewAccountAsync());
        var jobId = await stranger.Jobs.SubmitOpenAsync(world.Dataset.Id, ComputationKind.Aggregate, Spec);

        var receipt = await world.Node.Jobs.FailAsync(jobId, "spec names an unknown column");

        Assert.Empty(world.Node.Licenses.EventsIn(receipt));
        Assert.Equal("JobFailed", Assert.Single(world.Node.Jobs.EventsIn(receipt)).Name);
        Assert.Equal(JobStatus.Failed, (await ledger.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task Cancel_before_the_deadline_is_refused_with_NotPastDeadline()
    {
        var world = await ledger.NewWorldAsync();
        var jobId = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.1"));
        var job = await ledger.Authority.Jobs.GetJobAsync(jobId);

        var ex = await Refusal.ExpectAsync("NotPastDeadline", () => world.Enterprise.Jobs.CancelAsync(jobId));

        Assert.Equal(jobId, ex.Error.Arguments.GetUInt64("jobId"));
        Assert.Equal(job.SubmittedAt + 3600, ex.Error.Arguments.GetUInt64("deadline"));
        Assert.Equal(JobStatus.Pending, (await ledger.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task Cancel_by_another_account_is_refused_with_NotSubmitter_even_past_the_deadline()
    {
        var world = await ledger.NewWorldAsync();
        var jobId = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.1"));
        await ledger.AdvanceTimeAsync(3600);

        var byNode = await Refusal.ExpectAsync("NotSubmitter", () => world.Node.Jobs.CancelAsync(jobId));
        await Refusal.ExpectAsync("NotSubmitter", () => world.Operator.Jobs.CancelAsync(jobId));

        Assert.Equal(world.NodeKey.Address, byNode.Error.Arguments.GetAddress("caller"));
        Assert.Equal(JobStatus.Pending, (await ledger.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task Cancel_of_an_unknown_job_is_refused_with_UnknownJob()
    {
        var world = await ledger.NewWorldAsync(grant: false);

        await Refusal.ExpectAsync("UnknownJob", () => world.Enterprise.Jobs.CancelAsync(999_999));
    }

    [Fact]
    public async Task Cancel_past_the_deadline_closes_the_job_as_Cancelled_with_its_refund()
    {
        var world = await ledger.NewWorldAsync(quota: 3, epsilonBudget: "1.0");
        var jobId = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.4"));
        var spentBefore = await ledger.Authority.Licenses.GetDatasetEpsilonSpentAsync(world.Dataset.Id);
        await ledger.AdvanceTimeAsync(3600);

        var receipt = await world.Enterprise.Jobs.CancelAsync(jobId);

        var job = await ledger.Authority.Jobs.GetJobAsync(jobId);
        var license = await ledger.Authority.Licenses.GetLicenseAsync(world.LicenseId);
        Assert.Equal(JobStatus.Cancelled, job.Status);
        Assert.Equal(receipt.BlockNumber, job.FinishedBlock);
        Assert.Equal(3u, license.QuotaRemaining);
        Assert.Equal(Epsilon.Parse("1.0"), license.EpsilonRemaining);
        Assert.Equal(Epsilon.Parse("0.4"), spentBefore);
        Assert.Equal(Epsilon.Zero, await ledger.Authority.Licenses.GetDatasetEpsilonSpentAsync(world.Dataset.Id));
        var cancelled = Assert.Single(world.Enterprise.Jobs.EventsIn(receipt));
        Assert.Equal("JobCancelled", cancelled.Name);
        Assert.Equal(jobId, cancelled.Values.GetUInt64("jobId"));
        Assert.Equal(world.EnterpriseKey.Address, cancelled.Values.GetAddress("submitter"));
        Assert.Equal(["LicenseRefunded", "DatasetEpsilonRefunded"], world.Enterprise.Licenses.EventsIn(receipt).Select(e => e.Name));
    }

    [Fact]
    public async Task A_closed_job_cannot_be_cancelled_failed_or_completed_again()
    {
        var world = await ledger.NewWorldAsync();
        var completedJob = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);
        var failedJob = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);
        var cancelledJob = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.1"));
        var resultHash = Keccak256.Compute("r"u8);
        await world.Node.Jobs.CompleteAsync(completedJob, resultHash, Sign(world, completedJob, resultHash));
        await world.Node.Jobs.FailAsync(failedJob, "malformed spec");
        await ledger.AdvanceTimeAsync(3600);
        await world.Enterprise.Jobs.CancelAsync(cancelledJob);
        var license = await ledger.Authority.Licenses.GetLicenseAsync(world.LicenseId);

        var cancelCompleted = await Refusal.ExpectAsync("JobNotPending", () => world.Enterprise.Jobs.CancelAsync(completedJob));
        await Refusal.ExpectAsync("JobNotPending", () => world.Enterprise.Jobs.CancelAsync(failedJob));
        var cancelTwice = await Refusal.ExpectAsync("JobNotPending", () => world.Enterprise.Jobs.CancelAsync(cancelledJob));
        await Refusal.ExpectAsync("JobNotPending", () => world.Node.Jobs.FailAsync(cancelledJob, "late"));
        await Refusal.ExpectAsync("JobNotPending", () => world.Node.Jobs.FailAsync(failedJob, "twice"));
        await Refusal.ExpectAsync("JobNotPending", () => world.Node.Jobs.CompleteAsync(cancelledJob, resultHash, Sign(world, cancelledJob, resultHash)));

        Assert.Equal((ulong)JobStatus.Completed, cancelCompleted.Error.Arguments.GetUInt64("status"));
        Assert.Equal((ulong)JobStatus.Cancelled, cancelTwice.Error.Arguments.GetUInt64("status"));
        Assert.Equal(license, await ledger.Authority.Licenses.GetLicenseAsync(world.LicenseId));
    }

    private EthSignature Sign(World world, ulong jobId, Hash32 resultHash) =>
        JobsContract.SignResult(world.NodeKey, ledger.Deployment.Jobs, ledger.Deployment.ChainId, jobId, resultHash);
}
