using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;

namespace DataTrust.Ledger.Tests.Contracts;

/// <summary>Jobs.submitOpen: anyone may run an aggregate on an OPEN dataset, without a license.</summary>
[Collection(LedgerCollection.Name)]
public class OpenJobsTests(LedgerFixture ledger)
{
    private static readonly byte[] Spec = Encoding.UTF8.GetBytes("{\"groupBy\":[\"district\"],\"measures\":[\"COUNT\"]}");

    [Fact]
    public async Task Anyone_may_run_an_aggregate_on_an_open_dataset_and_its_node_completes_it()
    {
        var world = await ledger.NewWorldAsync(grant: false, grade: ProtectionGrade.Open, epsilonCap: "0");
        var strangerKey = await ledger.NewAccountAsync();
        var stranger = await ledger.AsAsync(strangerKey);
        var from = await ledger.Rpc.GetBlockNumberAsync();

        var jobId = await stranger.Jobs.SubmitOpenAsync(world.Dataset.Id, ComputationKind.Aggregate, Spec);
        var job = await ledger.Authority.Jobs.GetJobAsync(jobId);
        var submitted = (await ledger.Authority.Jobs.GetEventsAsync(from)).Single(e => e.Name == "JobSubmitted" && e.Values.GetUInt64("jobId") == jobId);
        var resultHash = Keccak256.Compute("open result"u8);
        await world.Node.Jobs.CompleteAsync(jobId, resultHash, JobsContract.SignResult(world.NodeKey, ledger.Deployment.Jobs, ledger.Deployment.ChainId, jobId, resultHash));

        Assert.Equal(0UL, job.LicenseId);
        Assert.Equal(world.Dataset.Id, job.DatasetId);
        Assert.Equal(strangerKey.Address, job.Submitter);
        Assert.Equal(Epsilon.Zero, job.Epsilon);
        Assert.Equal(Keccak256.Compute(Spec), job.SpecHash);
        Assert.Equal(0UL, submitted.Values.GetUInt64("licenseId"));
        Assert.Equal(world.Dataset.Id, submitted.Values.GetHash32("datasetId"));
        Assert.Equal(strangerKey.Address, submitted.Values.GetAddress("submitter"));
        Assert.Equal(Spec, submitted.Values.GetBytes("spec"));
        Assert.Equal(0UL, submitted.Values.GetUInt64("epsilon"));
        Assert.Equal(0UL, submitted.Values.GetUInt64("quotaRemaining"));
        Assert.Equal(0UL, submitted.Values.GetUInt64("epsilonRemaining"));
        Assert.Equal(JobStatus.Completed, (await ledger.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Theory]
    [InlineData(ProtectionGrade.Restricted)]
    [InlineData(ProtectionGrade.Sensitive)]
    public async Task An_open_job_on_a_dataset_that_is_not_open_is_refused_with_NotOpen(ProtectionGrade grade)
    {
        var world = await ledger.NewWorldAsync(grant: false, grade: grade);

        var ex = await Refusal.ExpectAsync("NotOpen", () => world.Enterprise.Jobs.SubmitOpenAsync(world.Dataset.Id, ComputationKind.Aggregate, Spec));

        Assert.Equal(world.Dataset.Id, ex.Error.Arguments.GetHash32("datasetId"));
        Assert.Equal((int)grade, (int)ex.Error.Arguments.GetBigInteger("grade"));
    }

    [Fact]
    public async Task A_dataset_raised_from_open_takes_no_more_open_jobs()
    {
        var world = await ledger.NewWorldAsync(grant: false, grade: ProtectionGrade.Open);
        await world.Enterprise.Jobs.SubmitOpenAsync(world.Dataset.Id, ComputationKind.Aggregate, Spec);

        await world.Operator.Catalog.RaiseGradeAsync(world.Dataset.Id, ProtectionGrade.Restricted);

        await Refusal.ExpectAsync("NotOpen", () => world.Enterprise.Jobs.SubmitOpenAsync(world.Dataset.Id, ComputationKind.Aggregate, Spec));
    }

    [Theory]
    [InlineData(ComputationKind.HeWeightedAggregate)]
    [InlineData(ComputationKind.HeScoring)]
    public async Task An_open_job_of_another_kind_than_aggregate_is_refused_with_KindNotOpen(ComputationKind kind)
    {
        var world = await ledger.NewWorldAsync(datasetKinds: ComputationKindSet.Aggregate | ComputationKindSet.HeWeightedAggregate | ComputationKindSet.HeScoring, grant: false, grade: ProtectionGrade.Open);

        var ex = await Refusal.ExpectAsync("KindNotOpen", () => world.Enterprise.Jobs.SubmitOpenAsync(world.Dataset.Id, kind, Spec));

        Assert.Equal((int)kind, (int)ex.Error.Arguments.GetBigInteger("kind"));
    }

    [Fact]
    public async Task An_open_aggregate_on_a_dataset_that_does_not_allow_aggregates_is_refused_with_KindNotOpen()
    {
        var world = await ledger.NewWorldAsync(datasetKinds: ComputationKindSet.HeWeightedAggregate, grant: false, grade: ProtectionGrade.Open);

        await Refusal.ExpectAsync("KindNotOpen", () => world.Enterprise.Jobs.SubmitOpenAsync(world.Dataset.Id, ComputationKind.Aggregate, Spec));
    }

    [Fact]
    public async Task An_open_job_is_refused_on_a_retired_or_unknown_dataset_and_for_an_empty_or_oversized_spec()
    {
        var world = await ledger.NewWorldAsync(grant: false, grade: ProtectionGrade.Open);
        var unknown = LedgerFixture.NewId();

        await Refusal.ExpectAsync("EmptySpec", () => world.Enterprise.Jobs.SubmitOpenAsync(world.Dataset.Id, ComputationKind.Aggregate, Array.Empty<byte>()));
        var large = await Refusal.ExpectAsync("SpecTooLarge", () => world.Enterprise.Jobs.SubmitOpenAsync(world.Dataset.Id, ComputationKind.Aggregate, new byte[JobsContract.MaxSpecSize + 1]));
        var missing = await Refusal.ExpectAsync("UnknownDataset", () => world.Enterprise.Jobs.SubmitOpenAsync(unknown, ComputationKind.Aggregate, Spec));
        await world.Operator.Catalog.RetireAsync(world.Dataset.Id);
        var retired = await Refusal.ExpectAsync("DatasetRetired", () => world.Enterprise.Jobs.SubmitOpenAsync(world.Dataset.Id, ComputationKind.Aggregate, Spec));

        Assert.Equal(JobsContract.MaxSpecSize + 1, (int)large.Error.Arguments.GetBigInteger("size"));
        Assert.Equal(unknown, missing.Error.Arguments.GetHash32("id"));
        Assert.Equal(world.Dataset.Id, retired.Error.Arguments.GetHash32("id"));
    }
}
