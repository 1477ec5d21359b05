using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Tests.Abi;

namespace DataTrust.Ledger.Tests.Contracts;

/// <summary>Jobs.submitJoin, completeJoin, failJoin, fail and cancel of ENCLAVE_JOIN jobs against a real anvil.</summary>
[Collection(LedgerCollection.Name)]
public class EnclaveJoinTests(LedgerFixture ledger)
{
    [Fact]
    public async Task A_join_consumes_quota_and_the_full_epsilon_on_every_license_and_completes_with_the_quoted_enclave_key()
    {
        var w = await EnclaveWorld.CreateAsync(ledger, datasets: 3);
        var (enclave, quoteId) = await w.StartEnclaveAsync();

        var jobId = await w.SubmitAsync("0.5");
        var afterSubmit = await w.LicensesAsync();
        var join = await ledger.Authority.Jobs.GetJoinAsync(jobId);
        var pending = await ledger.Authority.Jobs.GetJobAsync(jobId);
        var resultHash = LedgerFixture.NewId();
        var receipt = await w.Host.Jobs.CompleteJoinAsync(jobId, quoteId, resultHash, w.SignResult(enclave, jobId, resultHash));
        var done = await ledger.Authority.Jobs.GetJobAsync(jobId);

        Assert.All(afterSubmit, l => Assert.Equal((4u, Epsilon.Parse("1.5")), (l.QuotaRemaining, l.EpsilonRemaining)));
        foreach (var d in w.Datasets)
        {
            Assert.Equal(Epsilon.Parse("0.5"), await ledger.Authority.Licenses.GetDatasetEpsilonSpentAsync(d.Dataset.Id));
        }

        Assert.Equal(w.Measurement, join.Measurement);
        Assert.Equal(w.LicenseIds, join.LicenseIds);
        Assert.Equal(w.Datasets.Select(d => d.Dataset.Id), join.DatasetIds);
        Assert.Equal((ComputationKind.EnclaveJoin, JobStatus.Pending, w.LicenseIds[0], w.Datasets[0].Dataset.Id), (pending.Kind, pending.Status, pending.LicenseId, pending.DatasetId));
        Assert.Equal(Epsilon.Parse("0.5"), pending.Epsilon);
        Assert.Equal((JobStatus.Completed, resultHash), (done.Status, done.ResultHash));
        var completed = Assert.Single(ledger.Authority.Jobs.EventsIn(receipt));
        Assert.Equal("JoinCompleted", completed.Name);
        Assert.Equal(quoteId, completed.Values.GetUInt64("quoteId"));
        Assert.Equal(enclave.Address, completed.Values.GetAddress("enclave"));
    }

    [Fact]
    public async Task A_join_naming_one_dataset_or_more_than_eight_is_refused_with_JoinSizeInvalid()
    {
        var w = await EnclaveWorld.CreateAsync(ledger);

        var one = await Refusal.ExpectAsync("JoinSizeInvalid", () => w.SubmitAsync(licenses: [w.LicenseIds[0]]));
        var nine = await Refusal.ExpectAsync("JoinSizeInvalid", () => w.SubmitAsync(licenses: [.. Enumerable.Repeat(w.LicenseIds[0], 9)]));

        Assert.Equal((1UL, 2UL, 8UL), (one.Error.Arguments.GetUInt64("count"), one.Error.Arguments.GetUInt64("min"), one.Error.Arguments.GetUInt64("max")));
        Assert.Equal(9UL, nine.Error.Arguments.GetUInt64("count"));
        await AssertUntouchedAsync(w);
    }

    [Fact]
    public async Task An_exact_join_is_refused_with_JoinNeedsEpsilon()
    {
        var w = await EnclaveWorld.CreateAsync(ledger);

        await Refusal.ExpectAsync("JoinNeedsEpsilon", () => w.SubmitAsync("0"));

        await AssertUntouchedAsync(w);
    }

    [Fact]
    public async Task A_join_under_an_unapproved_or_revoked_measurement_is_refused_with_MeasurementNotApproved()
    {
        var w = await EnclaveWorld.CreateAsync(ledger);
        var unknown = LedgerFixture.NewId();

        var never = await Refusal.ExpectAsync("MeasurementNotApproved", () => w.SubmitAsync(measurement: unknown));
        await ledger.Authority.Enclaves.RevokeMeasurementAsync(w.Measurement);
        var revoked = await Refusal.ExpectAsync("MeasurementNotApproved", () => w.SubmitAsync());

        Assert.Equal(unknown, never.Error.Arguments.GetHash32("measurement"));
        Assert.Equal(w.Measurement, revoked.Error.Arguments.GetHash32("measurement"));
        await AssertUntouchedAsync(w);
    }

    [Fact]
    public async Task A_join_naming_one_dataset_twice_is_refused_with_DuplicateJoinDataset_whether_by_one_license_or_two()
    {
        var w = await EnclaveWorld.CreateAsync(ledger);
        var d0 = w.Datasets[0];
        var requestId = await w.Enterprise.Licenses.RequestAsync(d0.Dataset.Id, "a second license on the tax data");
        var expires = DateTimeOffset.FromUnixTimeSeconds((long)await ledger.NowAsync()) + TimeSpan.FromDays(30);
        var second = await d0.Operator.Licenses.GrantAsync(requestId, ComputationKindSet.EnclaveJoin, 5, expires, Epsilon.Parse("2"));

        var sameLicense = await Refusal.ExpectAsync("DuplicateJoinDataset", () => w.SubmitAsync(licenses: [w.LicenseIds[0], w.LicenseIds[1], w.LicenseIds[0]]));
        var twoLicenses = await Refusal.ExpectAsync("DuplicateJoinDataset", () => w.SubmitAsync(licenses: [w.LicenseIds[0], second]));

        Assert.Equal(d0.Dataset.Id, sameLicense.Error.Arguments.GetHash32("datasetId"));
        Assert.Equal(d0.Dataset.Id, twoLicenses.Error.Arguments.GetHash32("datasetId"));
        await AssertUntouchedAsync(w);
        Assert.Equal(5u, (await ledger.Authority.Licenses.GetLicenseAsync(second)).QuotaRemaining);
    }

    [Fact]
    public async Task A_join_over_a_dataset_whose_policy_forbids_joins_is_refused_with_JoinNotAllowed()
    {
        var w = await EnclaveWorld.CreateAsync(ledger, joinAllowed: i => i != 1);

        var refused = await Refusal.ExpectAsync("JoinNotAllowed", () => w.SubmitAsync());

        Assert.Equal(w.Datasets[1].Dataset.Id, refused.Error.Arguments.GetHash32("datasetId"));
        await AssertUntouchedAsync(w);
    }

    [Fact]
    public async Task A_join_with_a_license_the_caller_does_not_hold_is_refused_with_NotLicensee()
    {
        var w = await EnclaveWorld.CreateAsync(ledger);
        var other = await EnclaveWorld.CreateAsync(ledger);

        var refused = await Refusal.ExpectAsync("NotLicensee", () => w.SubmitAsync(licenses: [w.LicenseIds[0], other.LicenseIds[1]]));
        await Refusal.ExpectAsync("UnknownLicense", () => w.SubmitAsync(licenses: [w.LicenseIds[0], ulong.MaxValue]));

        Assert.Equal(other.LicenseIds[1], refused.Error.Arguments.GetUInt64("licenseId"));
        Assert.Equal(w.EnterpriseKey.Address, refused.Error.Arguments.GetAddress("caller"));
        await AssertUntouchedAsync(w);
        await AssertUntouchedAsync(other);
    }

    [Fact]
    public async Task A_join_under_a_license_without_the_join_kind_is_refused_with_KindNotAllowed()
    {
        var w = await EnclaveWorld.CreateAsync(ledger);
        var d1 = w.Datasets[1];
        var requestId = await w.Enterprise.Licenses.RequestAsync(d1.Dataset.Id, "aggregates only");
        var expires = DateTimeOffset.FromUnixTimeSeconds((long)await ledger.NowAsync()) + TimeSpan.FromDays(30);
        var aggregateOnly = await d1.Operator.Licenses.GrantAsync(requestId, ComputationKindSet.Aggregate, 5, expires, Epsilon.Parse("2"));

        var refused = await Refusal.ExpectAsync("KindNotAllowed", () => w.SubmitAsync(licenses: [w.LicenseIds[0], aggregateOnly]));

        Assert.Equal((aggregateOnly, (ulong)ComputationKind.EnclaveJoin), (refused.Error.Arguments.GetUInt64("licenseId"), refused.Error.Arguments.GetUInt64("kind")));
        await AssertUntouchedAsync(w);
    }

    [Fact]
    public async Task A_join_beyond_a_license_budget_or_a_dataset_cap_is_refused_and_consumes_nothing()
    {
        var w = await EnclaveWorld.CreateAsync(ledger, epsilonBudget: "1.0", epsilonCap: "0.8");

        var budget = await Refusal.ExpectAsync("BudgetExceeded", () => w.SubmitAsync("1.2"));
        var cap = await Refusal.ExpectAsync("DatasetCapExceeded", () => w.SubmitAsync("0.9"));

        Assert.Equal(w.LicenseIds[0], budget.Error.Arguments.GetUInt64("licenseId"));
        Assert.Equal(w.Datasets[0].Dataset.Id, cap.Error.Arguments.GetHash32("datasetId"));
        await AssertUntouchedAsync(w);
    }

    [Fact]
    public async Task A_join_once_a_license_quota_is_spent_is_refused_with_QuotaExhausted()
    {
        var w = await EnclaveWorld.CreateAsync(ledger, quota: 1);

        await w.SubmitAsync("0.1");
        var refused = await Refusal.ExpectAsync("QuotaExhausted", () => w.SubmitAsync("0.1"));

        Assert.Equal(w.LicenseIds[0], refused.Error.Arguments.GetUInt64("licenseId"));
        Assert.All(await w.LicensesAsync(), l => Assert.Equal((0u, Epsilon.Parse("1.9")), (l.QuotaRemaining, l.EpsilonRemaining)));
    }

    [Fact]
    public async Task A_join_spec_must_be_present_and_a_join_cannot_be_submitted_as_a_plain_job()
    {
        var w = await EnclaveWorld.CreateAsync(ledger);

        await Refusal.ExpectAsync("EmptySpec", () => w.Enterprise.Jobs.SubmitJoinAsync(w.LicenseIds, w.Measurement, Array.Empty<byte>(), Epsilon.Parse("0.5")));
        await Refusal.ExpectAsync("SpecTooLarge", () => w.Enterprise.Jobs.SubmitJoinAsync(w.LicenseIds, w.Measurement, new byte[JobsContract.MaxSpecSize + 1], Epsilon.Parse("0.5")));
        await Refusal.ExpectAsync("UseSubmitJoin", () => w.Enterprise.Jobs.SubmitAsync(w.LicenseIds[0], ComputationKind.EnclaveJoin, EnclaveWorld.Spec, Epsilon.Parse("0.5")));
        await Refusal.ExpectAsync("UseSubmitJoin", () => w.Enterprise.Jobs.SubmitHashedAsync(w.LicenseIds[0], ComputationKind.EnclaveJoin, LedgerFixture.NewId(), 10, Epsilon.Parse("0.5")));

        await AssertUntouchedAsync(w);
    }

    [Fact]
    public async Task A_completion_signed_by_a_key_other_than_the_quoted_enclave_is_refused_with_BadResultSignature()
    {
        var w = await EnclaveWorld.CreateAsync(ledger);
        var (enclave, quoteId) = await w.StartEnclaveAsync();
        var (impostor, _) = await w.StartEnclaveAsync(host: await ledger.AsAsync(await ledger.NewAccountAsync()));
        var jobId = await w.SubmitAsync();
        var resultHash = LedgerFixture.NewId();

        var other = await Refusal.ExpectAsync("BadResultSignature", () => w.Host.Jobs.CompleteJoinAsync(jobId, quoteId, resultHash, w.SignResult(impostor, jobId, resultHash)));
        var otherHash = await Refusal.ExpectAsync("BadResultSignature", () => w.Host.Jobs.CompleteJoinAsync(jobId, quoteId, LedgerFixture.NewId(), w.SignResult(enclave, jobId, resultHash)));
        var platform = await Refusal.ExpectAsync("BadResultSignature", () => w.Host.Jobs.CompleteJoinAsync(jobId, quoteId, resultHash, w.SignResult(w.PlatformKey, jobId, resultHash)));

        Assert.Equal((impostor.Address, enclave.Address), (other.Error.Arguments.GetAddress("recovered"), other.Error.Arguments.GetAddress("expected")));
        Assert.Equal(enclave.Address, otherHash.Error.Arguments.GetAddress("expected"));
        Assert.Equal(w.PlatformKey.Address, platform.Error.Arguments.GetAddress("recovered"));
        Assert.Equal(JobStatus.Pending, (await ledger.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task A_completion_under_a_quote_of_another_measurement_is_refused_with_QuoteMeasurementMismatch()
    {
        var w = await EnclaveWorld.CreateAsync(ledger);
        var otherBuild = LedgerFixture.NewId();
        await ledger.Authority.Enclaves.ApproveMeasurementAsync(otherBuild, "another enclave build");
        var (enclave, quoteId) = await w.StartEnclaveAsync(measurement: otherBuild);
        var jobId = await w.SubmitAsync();
        var resultHash = LedgerFixture.NewId();

        var refused = await Refusal.ExpectAsync("QuoteMeasurementMismatch", () => w.Host.Jobs.CompleteJoinAsync(jobId, quoteId, resultHash, w.SignResult(enclave, jobId, resultHash)));

        Assert.Equal((otherBuild, w.Measurement), (refused.Error.Arguments.GetHash32("quoteMeasurement"), refused.Error.Arguments.GetHash32("jobMeasurement")));
    }

    [Theory]
    [InlineData(QuoteStatus.None)]
    [InlineData(QuoteStatus.Superseded)]
    [InlineData(QuoteStatus.MeasurementRevoked)]
    [InlineData(QuoteStatus.PlatformKeyRevoked)]
    public async Task A_completion_or_failure_under_an_unusable_quote_is_refused_with_QuoteNotUsable_and_why(QuoteStatus why)
    {
        var w = await EnclaveWorld.CreateAsync(ledger);
        var (enclave, quoteId) = await w.StartEnclaveAsync();
        var jobId = await w.SubmitAsync();
        switch (why)
        {
            case QuoteStatus.None:
                quoteId = ulong.MaxValue;
                break;
            case QuoteStatus.Superseded:
                await w.StartEnclaveAsync();
                break;
            case QuoteStatus.MeasurementRevoked:
                await ledger.Authority.Enclaves.RevokeMeasurementAsync(w.Measurement);
                break;
            case QuoteStatus.PlatformKeyRevoked:
                await ledger.Authority.Enclaves.RevokePlatformKeyAsync(w.PlatformKey.Address);
                break;
        }

        var resultHash = LedgerFixture.NewId();
        var completion = await Refusal.ExpectAsync("QuoteNotUsable", () => w.Host.Jobs.CompleteJoinAsync(jobId, quoteId, resultHash, w.SignResult(enclave, jobId, resultHash)));
        var failure = await Refusal.ExpectAsync("QuoteNotUsable", () => w.Host.Jobs.FailJoinAsync(jobId, quoteId, "x", false, w.SignFailure(enclave, jobId, "x", false)));

        Assert.Equal((quoteId, (ulong)why), (completion.Error.Arguments.GetUInt64("quoteId"), completion.Error.Arguments.GetUInt64("status")));
        Assert.Equal((ulong)why, failure.Error.Arguments.GetUInt64("status"));
        Assert.Equal(JobStatus.Pending, (await ledger.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task A_join_completes_once_and_the_second_completion_or_failure_is_refused_with_JobNotPending()
    {
        var w = await EnclaveWorld.CreateAsync(ledger);
        var (enclave, quoteId) = await w.StartEnclaveAsync();
        var jobId = await w.SubmitAsync();
        var resultHash = LedgerFixture.NewId();
        var signature = w.SignResult(enclave, jobId, resultHash);
        await w.Host.Jobs.CompleteJoinAsync(jobId, quoteId, resultHash, signature);

        var twice = await Refusal.ExpectAsync("JobNotPending", () => w.Host.Jobs.CompleteJoinAsync(jobId, quoteId, resultHash, signature));
        await Refusal.ExpectAsync("JobNotPending", () => w.Host.Jobs.FailJoinAsync(jobId, quoteId, "late", false, w.SignFailure(enclave, jobId, "late", false)));
        await Refusal.ExpectAsync("JobNotPending", () => w.Datasets[0].Node.Jobs.FailAsync(jobId, "late"));

        Assert.Equal((ulong)JobStatus.Completed, twice.Error.Arguments.GetUInt64("status"));
        Assert.All(await w.LicensesAsync(), l => Assert.Equal(4u, l.QuotaRemaining));
    }

    [Fact]
    public async Task Only_an_enclave_finishes_a_join_with_a_result_and_a_plain_job_is_no_join()
    {
        var w = await EnclaveWorld.CreateAsync(ledger);
        var (enclave, quoteId) = await w.StartEnclaveAsync();
        var jobId = await w.SubmitAsync();
        var node = w.Datasets[0];
        var resultHash = LedgerFixture.NewId();
        var nodeSignature = JobsContract.SignResult(node.NodeKey, w.Jobs, w.ChainId, jobId, resultHash);
        var plain = await ledger.NewWorldAsync();
        var plainJob = await plain.Enterprise.Jobs.SubmitAsync(plain.LicenseId, ComputationKind.Aggregate, EnclaveWorld.Spec, Epsilon.Parse("0.1"));

        await Refusal.ExpectAsync("JoinNeedsEnclave", () => node.Node.Jobs.CompleteAsync(jobId, resultHash, nodeSignature));
        await Refusal.ExpectAsync("JoinNeedsEnclave", () => node.Node.Jobs.FailChargedAsync(jobId, "read rows"));
        var batch = await Refusal.ExpectAsync("BatchItemRefused", () => node.Node.Jobs.CompleteBatchAsync([new JobCompletion(jobId, resultHash, nodeSignature)]));
        var notAJoin = await Refusal.ExpectAsync("NotAJoin", () => w.Host.Jobs.CompleteJoinAsync(plainJob, quoteId, resultHash, w.SignResult(enclave, plainJob, resultHash)));
        await Refusal.ExpectAsync("NotAJoin", () => ledger.Authority.Jobs.GetJoinAsync(plainJob));
        await Refusal.ExpectAsync("UnknownJob", () => w.Host.Jobs.CompleteJoinAsync(ulong.MaxValue, quoteId, resultHash, w.SignResult(enclave, ulong.MaxValue, resultHash)));
        await Refusal.ExpectAsync("UnknownJob", () => ledger.Authority.Jobs.GetJoinAsync(ulong.MaxValue));

        Assert.Equal("JoinNeedsEnclave", JobsContract.BatchRefusalOf(batch)!.Error.Name);
        Assert.Equal(plainJob, notAJoin.Error.Arguments.GetUInt64("jobId"));
        Assert.Equal(JobStatus.Pending, (await ledger.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task An_enclave_failure_refunds_every_license_exactly_unless_charged()
    {
        var w = await EnclaveWorld.CreateAsync(ledger, datasets: 3);
        var (enclave, quoteId) = await w.StartEnclaveAsync();
        var refundedJob = await w.SubmitAsync("0.4");
        var chargedJob = await w.SubmitAsync("0.3");
        var from = await ledger.Rpc.GetBlockNumberAsync() + 1;

        var refundedReceipt = await w.Host.Jobs.FailJoinAsync(refundedJob, quoteId, "join key has no match", false, w.SignFailure(enclave, refundedJob, "join key has no match", false));
        await w.Host.Jobs.FailJoinAsync(chargedJob, quoteId, "group below the minimum", true, w.SignFailure(enclave, chargedJob, "group below the minimum", true));
        var refunds = (await ledger.Authority.Licenses.GetEventsAsync(from)).Where(e => e.Name == "LicenseRefunded").ToList();
        var failed = Assert.Single(ledger.Authority.Jobs.EventsIn(refundedReceipt));

        Assert.All(await w.LicensesAsync(), l => Assert.Equal((4u, Epsilon.Parse("1.7")), (l.QuotaRemaining, l.EpsilonRemaining)));
        foreach (var d in w.Datasets)
        {
            Assert.Equal(Epsilon.Parse("0.3"), await ledger.Authority.Licenses.GetDatasetEpsilonSpentAsync(d.Dataset.Id));
        }

        Assert.Equal(w.LicenseIds, refunds.Select(e => e.Values.GetUInt64("licenseId")));
        Assert.All(refunds, e => Assert.Equal((refundedJob, 400_000UL), (e.Values.GetUInt64("jobId"), e.Values.GetUInt64("epsilon"))));
        Assert.Equal(("JoinFailed", true, enclave.Address), (failed.Name, failed.Values.GetBool("refunded"), failed.Values.GetAddress("enclave")));
        Assert.Equal(JobStatus.Failed, (await ledger.Authority.Jobs.GetJobAsync(chargedJob)).Status);
    }

    [Fact]
    public async Task A_failure_signature_binds_the_reason_and_the_charge()
    {
        var w = await EnclaveWorld.CreateAsync(ledger);
        var (enclave, quoteId) = await w.StartEnclaveAsync();
        var jobId = await w.SubmitAsync();
        var refundedSignature = w.SignFailure(enclave, jobId, "no rows", false);

        var charge = await Refusal.ExpectAsync("BadResultSignature", () => w.Host.Jobs.FailJoinAsync(jobId, quoteId, "no rows", true, refundedSignature));
        await Refusal.ExpectAsync("BadResultSignature", () => w.Host.Jobs.FailJoinAsync(jobId, quoteId, "other reason", false, refundedSignature));

        Assert.Equal(enclave.Address, charge.Error.Arguments.GetAddress("expected"));
        Assert.Equal(JobStatus.Pending, (await ledger.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task The_join_failure_digest_is_the_same_in_CSharp_in_the_contract_and_in_cast()
    {
        const string reason = "ERROR_REASON_JOIN_EMPTY: no key matched";
        var local = JobsContract.JoinFailureDigest(ledger.Deployment.Jobs, ledger.Deployment.ChainId, 42, reason, true);
        var onChain = await ledger.Authority.Jobs.GetJoinFailureDigestAsync(42, reason, true);
        var encoded = CastTool.Run(
            "abi-encode", "f(bytes32,address,uint256,uint64,bytes32,bool)",
            CastTool.Run("keccak", JobsContract.JoinFailureTag), ledger.Deployment.Jobs.ToLowerHex(),
            ledger.Deployment.ChainId.ToString(System.Globalization.CultureInfo.InvariantCulture), "42", CastTool.Run("keccak", reason), "true");

        var byCast = Hash32.Parse(CastTool.Run("keccak", encoded));

        Assert.Equal(byCast, local);
        Assert.Equal(byCast, onChain);
    }

    [Fact]
    public async Task The_result_an_enclave_signs_is_the_resultDigest_nodes_sign_as_cast_computes_it()
    {
        var resultHash = LedgerFixture.NewId();
        var encoded = CastTool.Run(
            "abi-encode", "f(address,uint256,uint64,bytes32)", ledger.Deployment.Jobs.ToLowerHex(),
            ledger.Deployment.ChainId.ToString(System.Globalization.CultureInfo.InvariantCulture), "7", resultHash.ToString());

        var byCast = Hash32.Parse(CastTool.Run("keccak", encoded));

        Assert.Equal(byCast, await ledger.Authority.Jobs.GetResultDigestAsync(7, resultHash));
        Assert.Equal(byCast, JobsContract.ResultDigest(ledger.Deployment.Jobs, ledger.Deployment.ChainId, 7, resultHash));
    }

    [Fact]
    public async Task The_node_of_any_joined_dataset_may_fail_a_join_refunded_and_no_other_node_may()
    {
        var w = await EnclaveWorld.CreateAsync(ledger);
        var stranger = await ledger.NewWorldAsync();
        var jobId = await w.SubmitAsync("0.5");

        var refused = await Refusal.ExpectAsync("NotDatasetNode", () => stranger.Node.Jobs.FailAsync(jobId, "not mine"));
        var receipt = await w.Datasets[1].Node.Jobs.FailAsync(jobId, "ERROR_REASON_COLUMN_NOT_PERMITTED: district is not GROUP_BY");
        var failed = Assert.Single(ledger.Authority.Jobs.EventsIn(receipt));

        Assert.Equal(stranger.NodeKey.Address, refused.Error.Arguments.GetAddress("caller"));
        Assert.Equal(("JobFailed", true, w.Datasets[1].NodeKey.Address), (failed.Name, failed.Values.GetBool("refunded"), failed.Values.GetAddress("node")));
        await AssertUntouchedAsync(w);
    }

    [Fact]
    public async Task A_join_pending_past_the_deadline_is_cancelled_by_its_submitter_with_every_license_refunded()
    {
        var w = await EnclaveWorld.CreateAsync(ledger, datasets: 3);
        var jobId = await w.SubmitAsync("0.25");

        await Refusal.ExpectAsync("NotPastDeadline", () => w.Enterprise.Jobs.CancelAsync(jobId));
        await ledger.AdvanceTimeAsync((ulong)DataTrustLedger.DefaultPendingDeadline.TotalSeconds + 1);
        await w.Enterprise.Jobs.CancelAsync(jobId);

        Assert.Equal(JobStatus.Cancelled, (await ledger.Authority.Jobs.GetJobAsync(jobId)).Status);
        await AssertUntouchedAsync(w);
    }

    /// <summary>Every license of the world has its full quota and budget and every dataset its whole cap.</summary>
    private async Task AssertUntouchedAsync(EnclaveWorld w)
    {
        foreach (var l in await w.LicensesAsync())
        {
            Assert.Equal((l.Quota, l.EpsilonBudget), (l.QuotaRemaining, l.EpsilonRemaining));
        }

        foreach (var d in w.Datasets)
        {
            Assert.Equal(Epsilon.Zero, await ledger.Authority.Licenses.GetDatasetEpsilonSpentAsync(d.Dataset.Id));
        }
    }

    [Fact]
    public async Task A_completion_in_the_block_its_quote_was_recorded_is_refused_with_QuoteRecordedThisBlock()
    {
        var w = await EnclaveWorld.CreateAsync(ledger);
        var jobId = await w.SubmitAsync();
        var (enclave, quoteId) = await w.StartEnclaveAsync();
        var recordedBlock = (await ledger.Authority.Enclaves.GetQuoteAsync(quoteId)).RecordedBlock;
        var resultHash = LedgerFixture.NewId();
        var signature = w.SignResult(enclave, jobId, resultHash);
        var data = DataTrustAbi.Jobs.Abi.GetFunction("completeJoin").EncodeCall([jobId, quoteId, resultHash.ToArray(), signature.ToBytes()]);

        // Executed on the state and block number of the quote's own block, as a transaction mined beside it would be.
        var sameBlock = await Assert.ThrowsAsync<RpcException>(() => ledger.Rpc.CallContractAsync(new CallRequest(w.Jobs, data, w.HostKey.Address), BlockTag.Number(recordedBlock)));
        var decoded = DataTrustAbi.ErrorDecoder.Decode(sameBlock.RevertData!);
        await w.Host.Jobs.CompleteJoinAsync(jobId, quoteId, resultHash, signature);

        Assert.Equal(("QuoteRecordedThisBlock", quoteId), (decoded.Name, decoded.Arguments.GetUInt64("quoteId")));
        Assert.Equal(JobStatus.Completed, (await ledger.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task A_submitter_job_history_lists_its_joins_and_the_enclave_failures_among_them()
    {
        var w = await EnclaveWorld.CreateAsync(ledger);
        var (enclave, quoteId) = await w.StartEnclaveAsync();
        var from = await ledger.Rpc.GetBlockNumberAsync() + 1;
        var completed = await w.SubmitAsync("0.1");
        var failed = await w.SubmitAsync("0.1");
        var resultHash = LedgerFixture.NewId();
        await w.Host.Jobs.CompleteJoinAsync(completed, quoteId, resultHash, w.SignResult(enclave, completed, resultHash));
        await w.Host.Jobs.FailJoinAsync(failed, quoteId, "no key matched", false, w.SignFailure(enclave, failed, "no key matched", false));

        var (ids, failures) = await ledger.Authority.Jobs.GetSubmittedAsync(w.EnterpriseKey.Address, from);

        Assert.Equal([completed, failed], ids);
        var failure = Assert.Single(failures.Values);
        Assert.Equal((failed, enclave.Address, "no key matched", (bool?)true), (failure.JobId, failure.Node, failure.Reason, failure.Refunded));
    }
}
