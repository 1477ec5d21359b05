using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Ledger.Tests.Contracts;

[Collection(LedgerCollection.Name)]
public class LicensesAndJobsTests(LedgerFixture ledger)
{
    private static readonly byte[] Spec = Encoding.UTF8.GetBytes("{\"groupBy\":[\"district\"],\"measures\":[\"COUNT\"]}");

    [Fact]
    public async Task A_granted_license_reads_back_with_its_terms()
    {
        var world = await ledger.NewWorldAsync(quota: 20, epsilonBudget: "2.0");

        var license = await ledger.Authority.Licenses.GetLicenseAsync(world.LicenseId);
        var request = await ledger.Authority.Licenses.GetRequestAsync(world.RequestId);

        Assert.Equal(world.EnterpriseKey.Address, license.Licensee);
        Assert.Equal(world.Dataset.Id, license.DatasetId);
        Assert.Equal(20u, license.QuotaRemaining);
        Assert.Equal(Epsilon.Parse("2.0"), license.EpsilonRemaining);
        Assert.Equal(ComputationKindSet.Aggregate, license.Kinds);
        Assert.False(license.Revoked);
        Assert.Equal(RequestStatus.Granted, request.Status);
        Assert.Equal(world.LicenseId, request.LicenseId);
        Assert.Equal("small-business credit risk statistics", request.Purpose);
        Assert.True(await ledger.Authority.Licenses.IsValidAsync(world.LicenseId));
    }

    [Fact]
    public async Task Request_is_refused_for_an_account_that_is_not_an_enterprise()
    {
        var world = await ledger.NewWorldAsync(grant: false);

        await Refusal.ExpectAsync("WrongRole", () => world.Operator.Licenses.RequestAsync(world.Dataset.Id, "operators do not request"));
    }

    [Fact]
    public async Task Request_is_refused_without_a_purpose()
    {
        var world = await ledger.NewWorldAsync(grant: false);

        await Refusal.ExpectAsync("EmptyPurpose", () => world.Enterprise.Licenses.RequestAsync(world.Dataset.Id, string.Empty));
    }

    [Fact]
    public async Task Grant_is_refused_for_another_datasets_operator()
    {
        var world = await ledger.NewWorldAsync(grant: false);
        var other = await ledger.NewWorldAsync(grant: false);
        var expires = DateTimeOffset.FromUnixTimeSeconds((long)await ledger.NowAsync()).AddDays(1);

        var ex = await Refusal.ExpectAsync("NotDatasetOperator", () =>
            other.Operator.Licenses.GrantAsync(world.RequestId, ComputationKindSet.Aggregate, 5, expires, Epsilon.Parse("1")));

        Assert.Equal(other.OperatorKey.Address, ex.Error.Arguments.GetAddress("caller"));
    }

    [Fact]
    public async Task Grant_is_refused_for_kinds_the_dataset_does_not_offer_a_zero_quota_or_a_past_expiry()
    {
        var world = await ledger.NewWorldAsync(datasetKinds: ComputationKindSet.Aggregate, grant: false);
        var now = DateTimeOffset.FromUnixTimeSeconds((long)await ledger.NowAsync());

        var kinds = await Refusal.ExpectAsync("KindsNotOffered", () =>
            world.Operator.Licenses.GrantAsync(world.RequestId, ComputationKindSet.HeScoring, 5, now.AddDays(1), Epsilon.Parse("1")));
        await Refusal.ExpectAsync("InvalidQuota", () =>
            world.Operator.Licenses.GrantAsync(world.RequestId, ComputationKindSet.Aggregate, 0, now.AddDays(1), Epsilon.Parse("1")));
        await Refusal.ExpectAsync("InvalidExpiry", () =>
            world.Operator.Licenses.GrantAsync(world.RequestId, ComputationKindSet.Aggregate, 5, now.AddSeconds(-10), Epsilon.Parse("1")));

        Assert.Equal((ulong)ComputationKindSet.HeScoring, kinds.Error.Arguments.GetUInt64("requested"));
    }

    [Fact]
    public async Task Grant_is_refused_for_a_request_already_granted_and_reject_for_one_already_rejected()
    {
        var granted = await ledger.NewWorldAsync();
        var rejected = await ledger.NewWorldAsync(grant: false);
        var expires = DateTimeOffset.FromUnixTimeSeconds((long)await ledger.NowAsync()).AddDays(1);

        await Refusal.ExpectAsync("RequestNotPending", () =>
            granted.Operator.Licenses.GrantAsync(granted.RequestId, ComputationKindSet.Aggregate, 5, expires, Epsilon.Parse("1")));
        await rejected.Operator.Licenses.RejectAsync(rejected.RequestId, "purpose too broad");

        Assert.Equal(RequestStatus.Rejected, (await ledger.Authority.Licenses.GetRequestAsync(rejected.RequestId)).Status);
        await Refusal.ExpectAsync("RequestNotPending", () => rejected.Operator.Licenses.RejectAsync(rejected.RequestId, "again"));
        await Refusal.ExpectAsync("UnknownRequest", () => rejected.Operator.Licenses.RejectAsync(ulong.MaxValue, "none"));
    }

    [Fact]
    public async Task A_job_is_submitted_consumes_quota_and_budget_and_is_completed_by_the_node_with_its_signature()
    {
        var world = await ledger.NewWorldAsync(quota: 3, epsilonBudget: "2.0");

        var jobId = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.5"));
        var pending = await ledger.Authority.Jobs.GetJobAsync(jobId);
        var license = await ledger.Authority.Licenses.GetLicenseAsync(world.LicenseId);
        var resultHash = Keccak256.Compute("result bytes"u8);
        var signature = JobsContract.SignResult(world.NodeKey, ledger.Deployment.Jobs, ledger.Deployment.ChainId, jobId, resultHash);
        var receipt = await world.Node.Jobs.CompleteAsync(jobId, resultHash, signature);
        var completed = await ledger.Authority.Jobs.GetJobAsync(jobId);

        Assert.Equal(JobStatus.Pending, pending.Status);
        Assert.Equal(Keccak256.Compute(Spec), pending.SpecHash);
        Assert.Equal((ulong)Spec.Length, pending.SpecSize);
        Assert.Equal(world.EnterpriseKey.Address, pending.Submitter);
        Assert.Equal(2u, license.QuotaRemaining);
        Assert.Equal(Epsilon.Parse("1.5"), license.EpsilonRemaining);
        Assert.Equal(JobStatus.Completed, completed.Status);
        Assert.Equal(resultHash, completed.ResultHash);
        var completedEvent = Assert.Single(world.Node.Jobs.EventsIn(receipt));
        Assert.Equal("JobCompleted", completedEvent.Name);
        Assert.Equal(signature.ToBytes(), completedEvent.Values.GetBytes("signature"));
    }

    [Fact]
    public async Task The_JobSubmitted_event_carries_spec_kind_epsilon_and_what_is_left_of_the_license()
    {
        var world = await ledger.NewWorldAsync(quota: 5, epsilonBudget: "1.0");
        var from = await ledger.Rpc.GetBlockNumberAsync();

        var jobId = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.25"));
        var events = await ledger.Authority.Jobs.GetEventsAsync(from);
        var submitted = events.Single(e => e.Name == "JobSubmitted" && e.Values.GetUInt64("jobId") == jobId);

        Assert.Equal(Spec, submitted.Values.GetBytes("spec"));
        Assert.Equal(world.LicenseId, submitted.Values.GetUInt64("licenseId"));
        Assert.Equal((ulong)ComputationKind.Aggregate, submitted.Values.GetUInt64("kind"));
        Assert.Equal(250_000UL, submitted.Values.GetUInt64("epsilon"));
        Assert.Equal(4UL, submitted.Values.GetUInt64("quotaRemaining"));
        Assert.Equal(750_000UL, submitted.Values.GetUInt64("epsilonRemaining"));
    }

    [Fact]
    public async Task The_local_result_digest_equals_the_contracts()
    {
        var resultHash = Keccak256.Compute("anything"u8);

        var onChain = await ledger.Authority.Jobs.GetResultDigestAsync(42, resultHash);

        Assert.Equal(JobsContract.ResultDigest(ledger.Deployment.Jobs, ledger.Deployment.ChainId, 42, resultHash), onChain);
    }

    [Fact]
    public async Task Submit_is_refused_for_an_enterprise_that_is_not_the_licensee()
    {
        var world = await ledger.NewWorldAsync();
        var other = await ledger.NewWorldAsync();

        var ex = await Refusal.ExpectAsync("NotLicensee", () => other.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero));

        Assert.Equal(world.LicenseId, ex.Error.Arguments.GetUInt64("licenseId"));
        Assert.Equal(other.EnterpriseKey.Address, ex.Error.Arguments.GetAddress("caller"));
    }

    [Fact]
    public async Task Submit_is_refused_for_a_license_that_does_not_exist()
    {
        var world = await ledger.NewWorldAsync();

        await Refusal.ExpectAsync("UnknownLicense", () => world.Enterprise.Jobs.SubmitAsync(999_999, ComputationKind.Aggregate, Spec, Epsilon.Zero));
    }

    [Fact]
    public async Task Submit_is_refused_when_the_license_is_revoked()
    {
        var world = await ledger.NewWorldAsync();

        await world.Operator.Licenses.RevokeAsync(world.LicenseId, "purpose changed");
        var ex = await Refusal.ExpectAsync("LicenseRevoked", () => world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero));

        Assert.Equal(world.LicenseId, ex.Error.Arguments.GetUInt64("licenseId"));
        Assert.False(await ledger.Authority.Licenses.IsValidAsync(world.LicenseId));
        await Refusal.ExpectAsync("LicenseAlreadyRevoked", () => world.Operator.Licenses.RevokeAsync(world.LicenseId, "again"));
    }

    [Fact]
    public async Task Submit_is_refused_when_the_license_has_expired()
    {
        var world = await ledger.NewWorldAsync(validFor: TimeSpan.FromSeconds(100));

        await ledger.AdvanceTimeAsync(200);
        var ex = await Refusal.ExpectAsync("LicenseExpired", () => world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero));

        Assert.Equal(world.LicenseId, ex.Error.Arguments.GetUInt64("licenseId"));
        Assert.Contains("LicenseExpired(", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_is_refused_when_the_quota_is_used_up()
    {
        var world = await ledger.NewWorldAsync(quota: 1);
        await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);

        await Refusal.ExpectAsync("QuotaExhausted", () => world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero));
    }

    [Fact]
    public async Task Submit_is_refused_when_epsilon_exceeds_the_remaining_budget()
    {
        var world = await ledger.NewWorldAsync(epsilonBudget: "1.0");
        await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.75"));

        var ex = await Refusal.ExpectAsync("BudgetExceeded", () => world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.5")));

        Assert.Equal(500_000UL, ex.Error.Arguments.GetUInt64("requested"));
        Assert.Equal(250_000UL, ex.Error.Arguments.GetUInt64("remaining"));
    }

    [Fact]
    public async Task Submit_is_refused_for_a_kind_the_license_does_not_allow()
    {
        var world = await ledger.NewWorldAsync(licenseKinds: ComputationKindSet.Aggregate);

        var ex = await Refusal.ExpectAsync("KindNotAllowed", () => world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.HeWeightedAggregate, Spec, Epsilon.Zero));

        Assert.Equal((ulong)ComputationKind.HeWeightedAggregate, ex.Error.Arguments.GetUInt64("kind"));
    }

    [Fact]
    public async Task Submit_is_refused_when_the_enterprise_is_suspended()
    {
        var world = await ledger.NewWorldAsync();

        await ledger.Authority.Participants.SuspendAsync(world.EnterpriseKey.Address, "investigation");
        var ex = await Refusal.ExpectAsync("ParticipantSuspended", () => world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero));

        Assert.Equal(world.EnterpriseKey.Address, ex.Error.Arguments.GetAddress("account"));
    }

    [Fact]
    public async Task Submit_is_refused_for_an_empty_or_oversized_spec()
    {
        var world = await ledger.NewWorldAsync();

        await Refusal.ExpectAsync("EmptySpec", () => world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Array.Empty<byte>(), Epsilon.Zero));
        var ex = await Refusal.ExpectAsync("SpecTooLarge", () => world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, new byte[JobsContract.MaxSpecSize + 1], Epsilon.Zero));

        Assert.Equal((ulong)JobsContract.MaxSpecSize + 1, ex.Error.Arguments.GetUInt64("size"));
    }

    [Fact]
    public async Task A_refused_submission_sends_nothing_and_uses_no_nonce()
    {
        var world = await ledger.NewWorldAsync();
        await world.Operator.Licenses.RevokeAsync(world.LicenseId, "revoked");
        var nonceBefore = await ledger.Rpc.GetTransactionCountAsync(world.EnterpriseKey.Address, BlockTag.Pending);

        await Refusal.ExpectAsync("LicenseRevoked", () => world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero));

        Assert.Equal(nonceBefore, await ledger.Rpc.GetTransactionCountAsync(world.EnterpriseKey.Address, BlockTag.Pending));
    }

    [Fact]
    public async Task Complete_is_refused_for_an_account_that_is_not_the_datasets_node()
    {
        var world = await ledger.NewWorldAsync();
        var other = await ledger.NewWorldAsync();
        var jobId = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);
        var resultHash = Keccak256.Compute("r"u8);
        var signature = JobsContract.SignResult(other.NodeKey, ledger.Deployment.Jobs, ledger.Deployment.ChainId, jobId, resultHash);

        var ex = await Refusal.ExpectAsync("NotDatasetNode", () => other.Node.Jobs.CompleteAsync(jobId, resultHash, signature));

        Assert.Equal(other.NodeKey.Address, ex.Error.Arguments.GetAddress("caller"));
    }

    [Fact]
    public async Task Complete_is_refused_when_the_signature_is_not_the_nodes_signer()
    {
        var world = await ledger.NewWorldAsync();
        var forger = await ledger.NewAccountAsync();
        var jobId = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);
        var resultHash = Keccak256.Compute("r"u8);
        var forged = JobsContract.SignResult(forger, ledger.Deployment.Jobs, ledger.Deployment.ChainId, jobId, resultHash);

        var ex = await Refusal.ExpectAsync("BadResultSignature", () => world.Node.Jobs.CompleteAsync(jobId, resultHash, forged));

        Assert.Equal(forger.Address, ex.Error.Arguments.GetAddress("recovered"));
        Assert.Equal(world.NodeKey.Address, ex.Error.Arguments.GetAddress("expected"));
    }

    [Fact]
    public async Task Complete_is_refused_when_the_signature_covers_another_result()
    {
        var world = await ledger.NewWorldAsync();
        var jobId = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);
        var signedFor = Keccak256.Compute("honest result"u8);
        var signature = JobsContract.SignResult(world.NodeKey, ledger.Deployment.Jobs, ledger.Deployment.ChainId, jobId, signedFor);

        await Refusal.ExpectAsync("BadResultSignature", () => world.Node.Jobs.CompleteAsync(jobId, Keccak256.Compute("tampered result"u8), signature));
    }

    [Fact]
    public async Task A_job_completes_or_fails_only_once()
    {
        var world = await ledger.NewWorldAsync();
        var completedJob = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);
        var failedJob = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);
        var resultHash = Keccak256.Compute("r"u8);
        var signature = JobsContract.SignResult(world.NodeKey, ledger.Deployment.Jobs, ledger.Deployment.ChainId, completedJob, resultHash);
        await world.Node.Jobs.CompleteAsync(completedJob, resultHash, signature);
        await world.Node.Jobs.FailAsync(failedJob, "license revoked before execution");

        var twice = await Refusal.ExpectAsync("JobNotPending", () => world.Node.Jobs.CompleteAsync(completedJob, resultHash, signature));
        await Refusal.ExpectAsync("JobNotPending", () => world.Node.Jobs.FailAsync(completedJob, "late"));
        await Refusal.ExpectAsync("JobNotPending", () => world.Node.Jobs.CompleteAsync(failedJob, resultHash, JobsContract.SignResult(world.NodeKey, ledger.Deployment.Jobs, ledger.Deployment.ChainId, failedJob, resultHash)));

        Assert.Equal((ulong)JobStatus.Completed, twice.Error.Arguments.GetUInt64("status"));
        Assert.Equal(JobStatus.Failed, (await ledger.Authority.Jobs.GetJobAsync(failedJob)).Status);
    }

    [Fact]
    public async Task Complete_is_refused_when_the_node_is_suspended()
    {
        var world = await ledger.NewWorldAsync();
        var jobId = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);
        await ledger.Authority.Participants.SuspendAsync(world.NodeKey.Address, "compromised");
        var resultHash = Keccak256.Compute("r"u8);

        await Refusal.ExpectAsync("ParticipantSuspended", () =>
            world.Node.Jobs.CompleteAsync(jobId, resultHash, JobsContract.SignResult(world.NodeKey, ledger.Deployment.Jobs, ledger.Deployment.ChainId, jobId, resultHash)));
    }

    [Fact]
    public async Task Reading_an_unknown_job_is_refused_with_UnknownJob()
    {
        await Refusal.ExpectAsync("UnknownJob", () => ledger.Authority.Jobs.GetJobAsync(ulong.MaxValue));
    }

    [Fact]
    public async Task A_hashed_submission_records_the_hash_and_size_of_an_off_chain_payload()
    {
        var world = await ledger.NewWorldAsync(datasetKinds: ComputationKindSet.Aggregate | ComputationKindSet.HeWeightedAggregate, licenseKinds: ComputationKindSet.HeWeightedAggregate);
        var payloadHash = Keccak256.Compute(new byte[1_000_000]);

        var jobId = await world.Enterprise.Jobs.SubmitHashedAsync(world.LicenseId, ComputationKind.HeWeightedAggregate, payloadHash, 1_000_000, Epsilon.Zero);
        var job = await ledger.Authority.Jobs.GetJobAsync(jobId);

        Assert.Equal(payloadHash, job.SpecHash);
        Assert.Equal(1_000_000UL, job.SpecSize);
        Assert.Equal(ComputationKind.HeWeightedAggregate, job.Kind);
    }

    [Fact]
    public async Task A_hashed_submission_is_refused_for_a_zero_spec_hash()
    {
        var world = await ledger.NewWorldAsync(datasetKinds: ComputationKindSet.Aggregate | ComputationKindSet.HeWeightedAggregate, licenseKinds: ComputationKindSet.HeWeightedAggregate);
        var countBefore = await ledger.Authority.Jobs.GetJobCountAsync();

        await Refusal.ExpectAsync("ZeroSpecHash", () => world.Enterprise.Jobs.SubmitHashedAsync(world.LicenseId, ComputationKind.HeWeightedAggregate, Hash32.Zero, 1_000, Epsilon.Zero));

        Assert.Equal(countBefore, await ledger.Authority.Jobs.GetJobCountAsync());
        Assert.Equal(20u, (await ledger.Authority.Licenses.GetLicenseAsync(world.LicenseId)).QuotaRemaining);
    }

    [Fact]
    public async Task Many_submissions_in_flight_from_one_account_all_land_with_consecutive_nonces()
    {
        var world = await ledger.NewWorldAsync(quota: 30);

        var pending = new List<PendingTransaction>();
        for (var i = 0; i < 25; i++)
        {
            pending.Add(await world.Enterprise.Jobs.SubmitWithoutWaitingAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero, gasLimit: 400_000));
        }

        var receipts = await Task.WhenAll(pending.Select(p => p.WaitAsync()));
        var jobIds = receipts.Select(world.Enterprise.Jobs.JobIdOf).ToList();

        Assert.All(receipts, r => Assert.True(r.Succeeded));
        Assert.Equal(25, jobIds.Distinct().Count());
        Assert.Equal(5u, (await ledger.Authority.Licenses.GetLicenseAsync(world.LicenseId)).QuotaRemaining);
    }

    [Fact]
    public async Task Connecting_with_a_deployment_of_another_chain_is_refused()
    {
        var wrongChain = ledger.Deployment with { ChainId = 1 };

        var ex = await Assert.ThrowsAsync<RpcException>(() => DataTrustLedger.ConnectAsync(ledger.Rpc, wrongChain));

        Assert.Equal(RpcErrorKind.ChainIdMismatch, ex.Kind);
    }

    [Fact]
    public async Task Connecting_to_addresses_without_contracts_is_refused()
    {
        var noContracts = ledger.Deployment with { Jobs = Address.Parse("0x00000000000000000000000000000000000000aa") };

        var ex = await Assert.ThrowsAsync<DeploymentFileException>(() => DataTrustLedger.ConnectAsync(ledger.Rpc, noContracts));

        Assert.Contains("No contract is deployed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deployment_round_trips_through_its_file_and_a_broken_file_is_refused()
    {
        var path = Path.Combine(Path.GetTempPath(), $"deployment-{Guid.NewGuid():N}.json");
        try
        {
            ledger.Deployment.Save(path);

            Assert.Equal(ledger.Deployment, Deployment.Load(path));
            Assert.Throws<DeploymentFileException>(() => Deployment.Parse("{\"format\":\"datatrust-deployment\",\"version\":1}"));
            Assert.Throws<DeploymentFileException>(() => Deployment.Parse("not json"));
            Assert.Throws<DeploymentFileException>(() => Deployment.Load(path + ".missing"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
