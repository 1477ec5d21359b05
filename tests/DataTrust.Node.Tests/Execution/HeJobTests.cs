using System.Globalization;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Client.Homomorphic;
using DataTrust.Homomorphic;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Node.Tests.Execution;

/// <summary>Homomorphic jobs through the chain gate, over real sockets, a real anvil and real DuckDB files.</summary>
[Collection(HeNodesCollection.Name)]
public class HeJobTests(HeNodesFixture f)
{
    /// <summary>The tax sample's revenue and tax_paid columns (indices 2 and 3), which a subject's consent for scoring names.</summary>
    private const ulong RevenueAndTaxPaid = 0b1100;

    private static readonly ComputationKindSet HeKinds = ComputationKindSet.Aggregate | ComputationKindSet.HeWeightedAggregate
        | ComputationKindSet.HeScoring | ComputationKindSet.HeCrossDomainSum;

    private static string ReasonOf(RpcException ex) =>
        ex.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason ?? "(no ErrorInfo)";

    private static async Task<RpcException> RefusedAsync(Task call, StatusCode code, string reason)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal((code, reason), (ex.StatusCode, ReasonOf(ex)));
        return ex;
    }

    private async Task AssertPendingAsync(ulong jobId) =>
        Assert.Equal(JobStatus.Pending, (await f.Authority.Jobs.GetJobAsync(jobId)).Status);

    /// <summary>The refusal's reason and field, and that the node failed the job on chain with them.</summary>
    private async Task AssertFailedAsync(ulong jobId, RpcException ex)
    {
        var info = ex.GetRpcStatus()!.GetDetail<ErrorInfo>()!;
        Assert.Contains($"Job {jobId} was failed on chain", ex.Status.Detail, StringComparison.Ordinal);
        await FailedJobs.AssertFailedAsync(f.Authority, jobId, info.Reason, info.Metadata["field"]);
    }

    private JobSpec Weighted(EncryptedModel? model = null, HeKeys? keys = null)
    {
        var spec = new HeWeightedAggregateSpec
        {
            DatasetId = "tax",
            Model = model ?? f.He.EncryptModel(["revenue", "tax_paid"], [2, 3], 0),
            Keys = keys ?? f.He.CreateKeys(HeLayout.BlockWidth(2)),
        };
        spec.GroupBy.Add("credit_grade");
        return new JobSpec { Kind = Protos.V1.ComputationKind.HeWeightedAggregate, HeWeightedAggregate = spec };
    }

    /// <summary>The tax sample's revenue column alone (index 2).</summary>
    private const ulong RevenueOnly = 0b0100;

    private JobSpec Scoring(params string[] subjects) => Scoring(["revenue", "tax_paid"], [5, -7], subjects);

    private JobSpec Scoring(string[] features, long[] weights, params string[] subjects)
    {
        var spec = new HeScoringSpec
        {
            DatasetId = "tax",
            SubjectColumn = "uscc",
            Model = f.He.EncryptModel(features, weights, 0),
            Keys = f.He.CreateKeys(HeLayout.BlockWidth(features.Length)),
        };
        spec.Subjects.AddRange(subjects);
        spec.LabelColumns.Add("year");
        return new JobSpec { Kind = Protos.V1.ComputationKind.HeScoring, HeScoring = spec };
    }

    private static AggregateQuery Totals(string dataset, string column)
    {
        var query = new AggregateQuery { DatasetId = dataset };
        query.Measures.Add(new Measure { Function = MeasureFunction.Count });
        query.Measures.Add(new Measure { Function = MeasureFunction.Sum, Column = column });
        return query;
    }

    private JobSpec CrossDomain()
    {
        var spec = new HeCrossDomainSumSpec { ScaleDigits = 0, Keys = f.He.CreateKeys(null) };
        spec.Parts.Add(Totals("tax", "tax_paid"));
        spec.Parts.Add(Totals("social_security", "insured_headcount"));
        return new JobSpec { Kind = Protos.V1.ComputationKind.HeCrossDomainSum, HeCrossDomainSum = spec };
    }

    private async Task<AggregateResult> AggregateAsync(ulong license, AggregateQuery query, JobService.JobServiceClient node)
    {
        var spec = new JobSpec { Kind = Protos.V1.ComputationKind.Aggregate, Aggregate = query };
        var jobId = await f.Bank.Jobs.SubmitAsync(license, ComputationKind.Aggregate, spec.ToByteArray(), Epsilon.Zero);
        var response = await node.ExecuteAsync(new ExecuteRequest { JobId = ChainedNodeFixture.IdBytes(jobId), RequesterSignature = f.SignatureFor(jobId), AuthorizationExpiresAt = TestAuthorization.ExpiresAt });
        return JobResult.Parser.ParseFrom(response.Result).Aggregate;
    }

    private static long Exact(Value value) => value.KindCase switch
    {
        Value.KindOneofCase.IntValue => value.IntValue,
        Value.KindOneofCase.DecimalValue => (long)Math.Round(decimal.Parse(value.DecimalValue, CultureInfo.InvariantCulture)),
        _ => throw new InvalidOperationException($"unexpected value {value}"),
    };

    [Fact]
    public async Task Weighted_aggregate_decrypts_to_the_weighted_protected_sums_and_counts_and_is_committed_on_chain()
    {
        var license = await f.LicenseAsync("tax", HeKinds);
        var spec = Weighted();
        var jobId = await f.SubmitHashedAsync(license, ComputationKind.HeWeightedAggregate, spec);

        var response = await HeNodesFixture.StreamAsync(f.TaxJobs, f.Header(jobId), spec);
        var result = JobResult.Parser.ParseFrom(response.Result).HeWeightedAggregate;
        var groups = f.He.Decrypt(result);
        var query = Totals("tax", "revenue");
        query.Measures.Add(new Measure { Function = MeasureFunction.Sum, Column = "tax_paid" });
        query.GroupBy.Add("credit_grade");
        var plain = await AggregateAsync(license, query, f.TaxJobs);

        var job = await f.Authority.Jobs.GetJobAsync(jobId);
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(Keccak256.Compute(response.Result.Span), job.ResultHash);
        Assert.Equal(plain.Rows.Count, groups.Count);
        var checkedGroups = 0;
        foreach (var (row, group) in plain.Rows.Zip(groups))
        {
            Assert.Equal(row.Keys, group.Keys);

            // The audit decides cells one at a time with what was released before, so the later plain query may
            // release a cell the HE job withheld (it is determined by then); a released HE cell always equals it.
            if (row.Cells[0].Suppressed || group.Count is null)
            {
                Assert.True(group.Count is null || !row.Cells[0].Suppressed);
                continue;
            }

            Assert.Equal(Exact(row.Cells[0].Value), group.Count);
            if (row.Cells[1].Suppressed || row.Cells[2].Suppressed || group.WeightedSum is null)
            {
                continue;
            }

            Assert.Equal((2 * Exact(row.Cells[1].Value)) + (3 * Exact(row.Cells[2].Value)), group.WeightedSum);
            checkedGroups++;
        }

        Assert.True(checkedGroups >= 2, "at least two groups should be unsuppressed");
    }

    [Fact]
    public async Task Weighted_aggregate_refuses_weights_encrypted_under_other_parameters_computes_nothing_and_fails_the_job()
    {
        var license = await f.LicenseAsync("tax", HeKinds);
        using var other = HeClient.Generate(8192, 41);
        var spec = Weighted(model: other.EncryptModel(["revenue", "tax_paid"], [2, 3], 0));
        var jobId = await f.SubmitHashedAsync(license, ComputationKind.HeWeightedAggregate, spec);

        var ex = await RefusedAsync(HeNodesFixture.StreamAsync(f.TaxJobs, f.Header(jobId), spec), StatusCode.InvalidArgument, "ERROR_REASON_HE_PAYLOAD_INVALID");

        await AssertFailedAsync(jobId, ex);
    }

    [Fact]
    public async Task A_refusal_after_rows_were_read_fails_the_job_charged_so_nothing_is_refunded_now_or_by_a_later_cancel()
    {
        var license = await f.LicenseAsync("tax", HeKinds);
        using var small = HeClient.Generate(4096, 17);
        var spec = Weighted(model: small.EncryptModel(["revenue", "tax_paid"], [2, 3], 0), keys: small.CreateKeys(HeLayout.BlockWidth(2)));
        var jobId = await f.SubmitHashedAsync(license, ComputationKind.HeWeightedAggregate, spec);
        var charged = await f.Authority.Licenses.GetLicenseAsync(license);

        var ex = await Assert.ThrowsAsync<RpcException>(() => HeNodesFixture.StreamAsync(f.TaxJobs, f.Header(jobId), spec));

        Assert.Equal("ERROR_REASON_HE_MODULUS_TOO_SMALL", ReasonOf(ex));
        Assert.Contains("nothing refunded, since rows were read", ex.Status.Detail, StringComparison.Ordinal);
        await AssertFailedAsync(jobId, ex);
        var job = await f.Authority.Jobs.GetJobAsync(jobId);
        var failed = Assert.Single(await f.Authority.Jobs.GetEventsAsync(job.FinishedBlock, job.FinishedBlock), e => e.Name == "JobFailed");
        Assert.False(failed.Values.GetBool("refunded"));
        Assert.DoesNotContain(await f.Authority.Licenses.GetEventsAsync(job.FinishedBlock, job.FinishedBlock), e => e.Name == "LicenseRefunded");
        Assert.Equal(charged, await f.Authority.Licenses.GetLicenseAsync(license));
        await f.Rpc.CallAsync("evm_increaseTime", [3600]);
        await f.Rpc.CallAsync("evm_mine", []);
        await Assert.ThrowsAsync<ContractRevertedException>(() => f.Bank.Jobs.CancelAsync(jobId));
    }

    [Fact]
    public async Task Weighted_aggregate_refuses_a_truncated_weights_ciphertext_and_fails_the_job()
    {
        var license = await f.LicenseAsync("tax", HeKinds);
        var model = f.He.EncryptModel(["revenue", "tax_paid"], [2, 3], 0);
        model.Weights = ByteString.CopyFrom(model.Weights.Span[..(model.Weights.Length / 2)]);
        var spec = Weighted(model: model);
        var jobId = await f.SubmitHashedAsync(license, ComputationKind.HeWeightedAggregate, spec);

        var ex = await RefusedAsync(HeNodesFixture.StreamAsync(f.TaxJobs, f.Header(jobId), spec), StatusCode.InvalidArgument, "ERROR_REASON_HE_PAYLOAD_INVALID");

        await AssertFailedAsync(jobId, ex);
    }

    [Fact]
    public async Task Weighted_aggregate_refuses_a_weights_ciphertext_with_one_altered_byte_and_fails_the_job()
    {
        var license = await f.LicenseAsync("tax", HeKinds);
        var model = f.He.EncryptModel(["revenue", "tax_paid"], [2, 3], 0);
        var weights = model.Weights.ToByteArray();
        weights[weights.Length / 3] ^= 0x10;
        model.Weights = ByteString.CopyFrom(weights);
        var spec = Weighted(model: model);
        var jobId = await f.SubmitHashedAsync(license, ComputationKind.HeWeightedAggregate, spec);

        var ex = await RefusedAsync(HeNodesFixture.StreamAsync(f.TaxJobs, f.Header(jobId), spec), StatusCode.InvalidArgument, "ERROR_REASON_HE_PAYLOAD_INVALID");

        await AssertFailedAsync(jobId, ex);
    }

    [Fact]
    public async Task Weighted_aggregate_refuses_evaluation_keys_without_a_rotation_it_needs_and_fails_the_job()
    {
        var license = await f.LicenseAsync("tax", HeKinds);
        var keys = f.He.CreateKeys(HeLayout.BlockWidth(2));
        keys.GaloisKeys = ByteString.Empty;
        var spec = Weighted(keys: keys);
        var jobId = await f.SubmitHashedAsync(license, ComputationKind.HeWeightedAggregate, spec);

        var ex = await RefusedAsync(HeNodesFixture.StreamAsync(f.TaxJobs, f.Header(jobId), spec), StatusCode.InvalidArgument, "ERROR_REASON_HE_KEYS_MISMATCH");

        await AssertFailedAsync(jobId, ex);
    }

    [Fact]
    public async Task Weighted_aggregate_refuses_evaluation_keys_made_under_other_parameters_and_fails_the_job()
    {
        var license = await f.LicenseAsync("tax", HeKinds);
        using var other = HeClient.Generate(8192, 41);
        var keys = f.He.CreateKeys(HeLayout.BlockWidth(2));
        keys.GaloisKeys = other.CreateKeys(HeLayout.BlockWidth(2)).GaloisKeys;
        var spec = Weighted(keys: keys);
        var jobId = await f.SubmitHashedAsync(license, ComputationKind.HeWeightedAggregate, spec);

        var ex = await RefusedAsync(HeNodesFixture.StreamAsync(f.TaxJobs, f.Header(jobId), spec), StatusCode.InvalidArgument, "ERROR_REASON_HE_KEYS_MISMATCH");

        await AssertFailedAsync(jobId, ex);
    }

    [Fact]
    public async Task Scoring_returns_one_encrypted_score_per_row_of_a_consenting_subject()
    {
        var license = await f.LicenseAsync("tax", HeKinds);
        await f.Subject.Consents.GiveAsync(f.Bank.Account!.Value, DatasetIds.OnChainId("tax"), HeNodesFixture.Purpose, RevenueAndTaxPaid);
        try
        {
            var spec = Scoring(f.SubjectCode);
            var jobId = await f.SubmitHashedAsync(license, ComputationKind.HeScoring, spec);

            var response = await HeNodesFixture.StreamAsync(f.TaxJobs, f.Header(jobId), spec);
            var scores = f.He.Decrypt(JobResult.Parser.ParseFrom(response.Result).HeScoring);

            var expected = f.TaxRows.Where(r => r[0] == f.SubjectCode)
                .OrderBy(r => int.Parse(r[1], CultureInfo.InvariantCulture))
                .Select(r => (5 * (long)Math.Round(decimal.Parse(r[2], CultureInfo.InvariantCulture))) - (7 * (long)Math.Round(decimal.Parse(r[3], CultureInfo.InvariantCulture))))
                .ToList();
            Assert.NotEmpty(expected);
            Assert.All(scores, s => Assert.Equal(f.SubjectCode, s.Subject));
            Assert.Equal(expected, scores.Select(s => s.Score).ToList());
            Assert.Equal(JobStatus.Completed, (await f.Authority.Jobs.GetJobAsync(jobId)).Status);
        }
        finally
        {
            await f.Subject.Consents.WithdrawAsync(f.Bank.Account!.Value, DatasetIds.OnChainId("tax"), HeNodesFixture.Purpose);
        }
    }

    [Fact]
    public async Task Scoring_is_refused_and_failed_on_chain_when_a_named_subject_has_not_consented()
    {
        var license = await f.LicenseAsync("tax", HeKinds);
        var spec = Scoring(f.OtherCode);
        var jobId = await f.SubmitHashedAsync(license, ComputationKind.HeScoring, spec);

        var ex = await RefusedAsync(HeNodesFixture.StreamAsync(f.TaxJobs, f.Header(jobId), spec), StatusCode.PermissionDenied, "ERROR_REASON_CONSENT_MISSING");

        Assert.Contains(f.OtherCode, ex.Status.Detail, StringComparison.Ordinal);
        await AssertFailedAsync(jobId, ex);
    }

    [Fact]
    public async Task Scoring_several_subjects_is_refused_and_failed_as_a_whole_when_one_of_them_has_not_consented()
    {
        var license = await f.LicenseAsync("tax", HeKinds);
        var dataset = DatasetIds.OnChainId("tax");
        await f.Subject.Consents.GiveAsync(f.Bank.Account!.Value, dataset, HeNodesFixture.Purpose, RevenueAndTaxPaid);
        try
        {
            var spec = Scoring(f.SubjectCode, f.OtherCode);
            var jobId = await f.SubmitHashedAsync(license, ComputationKind.HeScoring, spec);

            var ex = await RefusedAsync(HeNodesFixture.StreamAsync(f.TaxJobs, f.Header(jobId), spec), StatusCode.PermissionDenied, "ERROR_REASON_CONSENT_MISSING");

            Assert.Equal("spec.he_scoring.subjects[1]", ex.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Metadata["field"]);
            await AssertFailedAsync(jobId, ex);
        }
        finally
        {
            await f.Subject.Consents.WithdrawAsync(f.Bank.Account!.Value, dataset, HeNodesFixture.Purpose);
        }
    }

    [Fact]
    public async Task Scoring_is_refused_and_failed_when_consent_is_withdrawn_after_the_job_was_submitted()
    {
        var license = await f.LicenseAsync("tax", HeKinds);
        var dataset = DatasetIds.OnChainId("tax");
        await f.Subject.Consents.GiveAsync(f.Bank.Account!.Value, dataset, HeNodesFixture.Purpose, RevenueAndTaxPaid);
        var spec = Scoring(f.SubjectCode);
        var jobId = await f.SubmitHashedAsync(license, ComputationKind.HeScoring, spec);
        await f.Subject.Consents.WithdrawAsync(f.Bank.Account!.Value, dataset, HeNodesFixture.Purpose);

        var ex = await RefusedAsync(HeNodesFixture.StreamAsync(f.TaxJobs, f.Header(jobId), spec), StatusCode.PermissionDenied, "ERROR_REASON_CONSENT_MISSING");

        await AssertFailedAsync(jobId, ex);
    }

    [Fact]
    public async Task Scoring_is_refused_and_failed_naming_the_subject_and_the_column_when_the_consent_omits_a_column_the_model_reads()
    {
        var license = await f.LicenseAsync("tax", HeKinds);
        var dataset = DatasetIds.OnChainId("tax");
        await f.Subject.Consents.GiveAsync(f.Bank.Account!.Value, dataset, HeNodesFixture.Purpose, RevenueOnly);
        try
        {
            var spec = Scoring(f.SubjectCode);
            var jobId = await f.SubmitHashedAsync(license, ComputationKind.HeScoring, spec);

            var ex = await RefusedAsync(HeNodesFixture.StreamAsync(f.TaxJobs, f.Header(jobId), spec), StatusCode.PermissionDenied, "ERROR_REASON_CONSENT_COLUMNS_MISSING");

            Assert.Equal("spec.he_scoring.subjects[0]", ex.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Metadata["field"]);
            Assert.Contains(f.SubjectCode, ex.Status.Detail, StringComparison.Ordinal);
            Assert.Contains("the model reads tax_paid too", ex.Status.Detail, StringComparison.Ordinal);
            await AssertFailedAsync(jobId, ex);
        }
        finally
        {
            await f.Subject.Consents.WithdrawAsync(f.Bank.Account!.Value, dataset, HeNodesFixture.Purpose);
        }
    }

    [Fact]
    public async Task Scoring_at_zero_epsilon_runs_when_the_consent_covers_every_column_the_model_reads()
    {
        var license = await f.LicenseAsync("tax", HeKinds);
        var dataset = DatasetIds.OnChainId("tax");
        await f.Subject.Consents.GiveAsync(f.Bank.Account!.Value, dataset, HeNodesFixture.Purpose, RevenueAndTaxPaid);
        try
        {
            // The consent names revenue and tax_paid; a model reading revenue alone is covered. (This fixture publishes
            // tax RESTRICTED to compare exact HE sums; the demo's story test scores its SENSITIVE tax end to end.)
            var spec = Scoring(["revenue"], [5], f.SubjectCode);
            var jobId = await f.SubmitHashedAsync(license, ComputationKind.HeScoring, spec);

            var response = await HeNodesFixture.StreamAsync(f.TaxJobs, f.Header(jobId), spec);
            var scores = f.He.Decrypt(JobResult.Parser.ParseFrom(response.Result).HeScoring);

            var expected = f.TaxRows.Where(r => r[0] == f.SubjectCode)
                .OrderBy(r => int.Parse(r[1], CultureInfo.InvariantCulture))
                .Select(r => 5 * (long)Math.Round(decimal.Parse(r[2], CultureInfo.InvariantCulture)))
                .ToList();
            Assert.Equal(expected, scores.Select(s => s.Score).ToList());
            var job = await f.Authority.Jobs.GetJobAsync(jobId);
            Assert.Equal((JobStatus.Completed, Epsilon.Zero), (job.Status, job.Epsilon));
        }
        finally
        {
            await f.Subject.Consents.WithdrawAsync(f.Bank.Account!.Value, dataset, HeNodesFixture.Purpose);
        }
    }

    [Fact]
    public async Task Scoring_that_spends_epsilon_is_refused_and_failed()
    {
        var license = await f.LicenseAsync("tax", HeKinds);
        var spec = Scoring(f.SubjectCode);
        var jobId = await f.SubmitHashedAsync(license, ComputationKind.HeScoring, spec, epsilon: "0.5");

        var ex = await RefusedAsync(HeNodesFixture.StreamAsync(f.TaxJobs, f.Header(jobId), spec), StatusCode.InvalidArgument, "ERROR_REASON_INVALID_EPSILON");

        await AssertFailedAsync(jobId, ex);
    }

    private async Task<(ulong Tax, ulong Social, JobSpec Spec)> SubmitCrossDomainAsync()
    {
        var spec = CrossDomain();
        var taxJob = await f.SubmitHashedAsync(await f.LicenseAsync("tax", HeKinds), ComputationKind.HeCrossDomainSum, spec);
        var socialJob = await f.SubmitHashedAsync(await f.LicenseAsync("social_security", ComputationKindSet.Aggregate | ComputationKindSet.HeCrossDomainSum), ComputationKind.HeCrossDomainSum, spec);
        return (taxJob, socialJob, spec);
    }

    private JobChunk CoordinatedHeader(ulong taxJob, ulong socialJob)
    {
        var header = f.Header(taxJob);
        header.Peers.Add(new PeerJob { JobId = ChainedNodeFixture.IdBytes(socialJob), RequesterSignature = f.SignatureFor(socialJob), AuthorizationExpiresAt = TestAuthorization.ExpiresAt });
        return header;
    }

    [Fact]
    public async Task Cross_domain_sum_adds_every_part_under_the_requesters_key_and_commits_each_part_on_chain()
    {
        var (taxJob, socialJob, spec) = await SubmitCrossDomainAsync();

        var response = await HeNodesFixture.StreamAsync(f.TaxJobs, CoordinatedHeader(taxJob, socialJob), spec);
        var result = JobResult.Parser.ParseFrom(response.Result).HeCrossDomainSum;
        var totals = f.He.Decrypt(result);
        var tax = await AggregateAsync(await f.LicenseAsync("tax", HeKinds), Totals("tax", "tax_paid"), f.TaxJobs);
        var social = await AggregateAsync(await f.LicenseAsync("social_security", ComputationKindSet.Aggregate), Totals("social_security", "insured_headcount"), f.SocialJobs);

        Assert.Equal(2, totals.Count);
        Assert.Equal(Exact(tax.Rows[0].Cells[0].Value) + Exact(social.Rows[0].Cells[0].Value), totals[0].Total);
        Assert.Equal(Exact(tax.Rows[0].Cells[1].Value) + Exact(social.Rows[0].Cells[1].Value), totals[1].Total);
        var socialOnChain = await f.Authority.Jobs.GetJobAsync(socialJob);
        Assert.Equal(JobStatus.Completed, socialOnChain.Status);
        Assert.Equal(JobStatus.Completed, (await f.Authority.Jobs.GetJobAsync(taxJob)).Status);
        Assert.Equal(socialOnChain.ResultHash.ToArray(), result.Parts[1].ResultHash.ToByteArray());
    }

    [Fact]
    public async Task Cross_domain_part_is_never_given_to_the_requester_before_or_after_it_ran()
    {
        var (taxJob, socialJob, spec) = await SubmitCrossDomainAsync();

        await RefusedAsync(HeNodesFixture.StreamAsync(f.SocialJobs, f.Header(socialJob), spec), StatusCode.PermissionDenied, "ERROR_REASON_PARTIAL_WITHHELD");
        await AssertPendingAsync(socialJob);
        await HeNodesFixture.StreamAsync(f.TaxJobs, CoordinatedHeader(taxJob, socialJob), spec);
        await RefusedAsync(HeNodesFixture.StreamAsync(f.SocialJobs, f.Header(socialJob), spec), StatusCode.PermissionDenied, "ERROR_REASON_PARTIAL_WITHHELD");
        await RefusedAsync(
            f.SocialJobs.ExecuteAsync(new ExecuteRequest { JobId = ChainedNodeFixture.IdBytes(socialJob), RequesterSignature = f.SignatureFor(socialJob), AuthorizationExpiresAt = TestAuthorization.ExpiresAt }).ResponseAsync,
            StatusCode.PermissionDenied,
            "ERROR_REASON_PARTIAL_WITHHELD");
    }

    [Fact]
    public async Task Cross_domain_part_refuses_a_coordinator_claim_not_signed_by_the_first_parts_node()
    {
        var (taxJob, socialJob, spec) = await SubmitCrossDomainAsync();
        var header = f.Header(socialJob);
        header.Coordinator = new CoordinatorProof
        {
            JobId = ChainedNodeFixture.IdBytes(taxJob),
            NodeSignature = ByteString.CopyFrom(CrossDomainAuthorization.Sign(f.BankKey, f.Authority.Deployment.Jobs, f.Authority.Deployment.ChainId, taxJob, socialJob).ToBytes()),
        };

        await RefusedAsync(HeNodesFixture.StreamAsync(f.SocialJobs, header, spec), StatusCode.PermissionDenied, "ERROR_REASON_PARTIAL_WITHHELD");

        await AssertPendingAsync(socialJob);
    }

    [Fact]
    public async Task Cross_domain_sum_is_refused_and_the_part_node_fails_only_its_own_job_when_it_refuses_its_part()
    {
        var spec = CrossDomain();
        var taxJob = await f.SubmitHashedAsync(await f.LicenseAsync("tax", HeKinds), ComputationKind.HeCrossDomainSum, spec);
        var socialLicense = await f.LicenseAsync("social_security", ComputationKindSet.Aggregate | ComputationKindSet.HeCrossDomainSum);
        var socialJob = await f.SubmitHashedAsync(socialLicense, ComputationKind.HeCrossDomainSum, spec);
        await f.Operator.Licenses.RevokeAsync(socialLicense, "the purpose ended");

        var ex = await RefusedAsync(HeNodesFixture.StreamAsync(f.TaxJobs, CoordinatedHeader(taxJob, socialJob), spec), StatusCode.FailedPrecondition, "ERROR_REASON_PEER_REFUSED");

        Assert.Contains("ERROR_REASON_LICENSE_INVALID", ex.Status.Detail, StringComparison.Ordinal);

        // The part's node failed its own job (its license is revoked, so it can never run); the coordinating job stays
        // pending: its requester may name another part job under a valid license.
        await AssertPendingAsync(taxJob);
        await FailedJobs.AssertFailedAsync(f.Authority, socialJob, "ERROR_REASON_LICENSE_INVALID", "job_id");
    }

    [Fact]
    public async Task Cross_domain_coordinator_refuses_when_a_peer_job_is_another_computation()
    {
        var (taxJob, _, spec) = await SubmitCrossDomainAsync();
        var unrelated = await f.SubmitHashedAsync(await f.LicenseAsync("social_security", ComputationKindSet.Aggregate | ComputationKindSet.HeCrossDomainSum), ComputationKind.HeCrossDomainSum, CrossDomain());

        await RefusedAsync(HeNodesFixture.StreamAsync(f.TaxJobs, CoordinatedHeader(taxJob, unrelated), spec), StatusCode.FailedPrecondition, "ERROR_REASON_SPEC_HASH_MISMATCH");

        await AssertPendingAsync(taxJob);
        await AssertPendingAsync(unrelated);
    }
}
