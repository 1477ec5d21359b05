using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using BlockTag = DataTrust.Ledger.Rpc.BlockTag;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Execution;
using DataTrust.Node.Hosting;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using ColumnType = DataTrust.Core.Catalog.ColumnType;
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Node.Tests.Execution;

[Collection(ChainedNodeCollection.Name)]
public class ChainGateTests(ChainedNodeFixture node)
{
    private static string ReasonOf(RpcException ex) =>
        ex.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason ?? "(no ErrorInfo)";

    private async Task<RpcException> RefusedAsync(ExecuteRequest request, StatusCode code, string reason)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await node.Jobs.ExecuteAsync(request));
        Assert.Equal(code, ex.StatusCode);
        Assert.Equal(reason, ReasonOf(ex));
        return ex;
    }

    private ExecutionLog Log => node.NodeChain is not null ? ExecutionLogOf() : throw new InvalidOperationException();

    private ExecutionLog ExecutionLogOf() => ExecutionLog.Open(Path.Combine(node.DataDirectory, "execution.log"));

    [Fact]
    public async Task Execute_runs_an_authorized_job_and_commits_its_signed_result_hash_on_chain()
    {
        var license = await node.LicenseAsync();
        var jobId = await node.SubmitAsync(license, ChainedNodeFixture.TaxPaidByGrade());

        var response = await node.Jobs.ExecuteAsync(node.Request(jobId));
        var job = await node.Authority.Jobs.GetJobAsync(jobId);
        var result = JobResult.Parser.ParseFrom(response.Result).Aggregate;
        var signature = EthSignature.FromBytes(response.NodeSignature.Span);

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(Keccak256.Compute(response.Result.Span), job.ResultHash);
        Assert.Equal(job.ResultHash.ToArray(), response.ResultHash.ToByteArray());
        Assert.True(PersonalMessage.Verify(
            JobsContract.ResultDigest(node.Authority.Deployment.Jobs, node.Authority.Deployment.ChainId, jobId, job.ResultHash).Span,
            signature.ToBytes(),
            node.NodeAccount));
        Assert.NotEmpty(result.Rows);
        Assert.Equal(job.ResultHash, ExecutionLogOf().Find(jobId)!.ResultHash);
    }

    [Fact]
    public async Task Execute_reads_the_spec_from_the_chain_when_the_caller_sends_none_and_accepts_the_same_bytes_sent()
    {
        var license = await node.LicenseAsync();
        var query = ChainedNodeFixture.TaxPaidByGrade();
        var fromChain = await node.SubmitAsync(license, query);
        var sent = await node.SubmitAsync(license, query);

        var a = await node.Jobs.ExecuteAsync(node.Request(fromChain));
        var b = await node.Jobs.ExecuteAsync(node.Request(sent, spec: ChainedNodeFixture.SpecOf(query)));

        Assert.NotEmpty(a.Result);
        Assert.NotEmpty(b.Result);
    }

    [Fact]
    public async Task A_retried_call_gets_the_same_result_bytes_and_the_job_is_logged_once()
    {
        var license = await node.LicenseAsync();
        var jobId = await node.SubmitAsync(license, ChainedNodeFixture.TaxPaidByGrade(500_000), "0.5");

        var first = await node.Jobs.ExecuteAsync(node.Request(jobId));
        var second = await node.Jobs.ExecuteAsync(node.Request(jobId));

        Assert.Equal(first.Result, second.Result);
        Assert.Single(ExecutionLog.Verify(Path.Combine(node.DataDirectory, "execution.log")).Entries, e => e.JobId == jobId);
    }

    [Fact]
    public async Task Two_concurrent_calls_for_one_job_execute_it_exactly_once()
    {
        var license = await node.LicenseAsync();
        var jobId = await node.SubmitAsync(license, ChainedNodeFixture.TaxPaidByGrade(250_000), "0.25");

        var calls = await Task.WhenAll(
            node.Jobs.ExecuteAsync(node.Request(jobId)).ResponseAsync,
            node.Jobs.ExecuteAsync(node.Request(jobId)).ResponseAsync);

        // With noise, two executions would almost surely differ; one execution hands both callers the same bytes.
        Assert.Equal(calls[0].Result, calls[1].Result);
        Assert.Single(node.Logs.Lines, l => l.Contains($"Job {jobId} executed and committed", StringComparison.Ordinal));
        Assert.Single(ExecutionLog.Verify(Path.Combine(node.DataDirectory, "execution.log")).Entries, e => e.JobId == jobId);
    }

    [Fact]
    public async Task Execute_is_refused_for_a_job_that_is_not_on_chain()
    {
        await RefusedAsync(node.Request(9_999_999), StatusCode.NotFound, "ERROR_REASON_JOB_NOT_FOUND");
    }

    [Fact]
    public async Task Execute_is_refused_when_the_license_was_revoked_after_submit_and_the_job_is_failed_on_chain_with_nothing_committed()
    {
        var license = await node.LicenseAsync();
        var jobId = await node.SubmitAsync(license, ChainedNodeFixture.TaxPaidByGrade());
        await node.Operator.Licenses.RevokeAsync(license, "consent withdrawn");

        var ex = await RefusedAsync(node.Request(jobId), StatusCode.PermissionDenied, "ERROR_REASON_LICENSE_INVALID");

        Assert.Contains("revoked", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Contains($"Job {jobId} was failed on chain", ex.Status.Detail, StringComparison.Ordinal);
        await FailedJobs.AssertFailedAsync(node.Authority, jobId, "ERROR_REASON_LICENSE_INVALID", "job_id");
        Assert.True((await node.Authority.Jobs.GetJobAsync(jobId)).ResultHash.IsZero);
        Assert.Null(ExecutionLogOf().Find(jobId));
    }

    [Fact]
    public async Task A_query_the_on_chain_policy_refuses_is_answered_with_that_refusal_and_failed_on_chain()
    {
        var license = await node.LicenseAsync();
        var query = ChainedNodeFixture.TaxPaidByGrade();
        query.GroupBy.Clear();
        query.GroupBy.Add("tax_paid");
        var jobId = await node.SubmitAsync(license, query);

        var ex = await RefusedAsync(node.Request(jobId), StatusCode.PermissionDenied, "ERROR_REASON_COLUMN_NOT_PERMITTED");

        var field = ex.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Metadata["field"];
        Assert.Contains($"Job {jobId} was failed on chain", ex.Status.Detail, StringComparison.Ordinal);
        await FailedJobs.AssertFailedAsync(node.Authority, jobId, "ERROR_REASON_COLUMN_NOT_PERMITTED", field);
        Assert.Null(ExecutionLogOf().Find(jobId));

        // A retry finds the job closed, as for any job that is no longer pending.
        await RefusedAsync(node.Request(jobId), StatusCode.FailedPrecondition, "ERROR_REASON_JOB_NOT_PENDING");
    }

    [Fact]
    public async Task Two_concurrent_calls_for_one_refused_job_fail_it_on_chain_exactly_once()
    {
        var license = await node.LicenseAsync();
        var query = ChainedNodeFixture.TaxPaidByGrade();
        query.GroupBy.Clear();
        query.GroupBy.Add("tax_paid");
        var jobId = await node.SubmitAsync(license, query);
        var nonce = await node.Rpc.GetTransactionCountAsync(node.NodeAccount, BlockTag.Pending);

        var calls = await Task.WhenAll(
            Assert.ThrowsAsync<RpcException>(async () => await node.Jobs.ExecuteAsync(node.Request(jobId))),
            Assert.ThrowsAsync<RpcException>(async () => await node.Jobs.ExecuteAsync(node.Request(jobId))));

        // One call fails the job; the other, serialized behind it, finds the job no longer pending.
        Assert.Equal(
            ["ERROR_REASON_COLUMN_NOT_PERMITTED", "ERROR_REASON_JOB_NOT_PENDING"],
            calls.Select(ReasonOf).Order(StringComparer.Ordinal).ToArray());
        await FailedJobs.AssertFailedAsync(node.Authority, jobId, "ERROR_REASON_COLUMN_NOT_PERMITTED", calls.Select(c => c.GetRpcStatus()!.GetDetail<ErrorInfo>()!).First(i => i.Reason == "ERROR_REASON_COLUMN_NOT_PERMITTED").Metadata["field"]);
        Assert.Equal(nonce + 1, await node.Rpc.GetTransactionCountAsync(node.NodeAccount, BlockTag.Pending));
        Assert.Single(node.Logs.Lines, l => l.Contains($"Job {jobId} failed on chain", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Execute_is_refused_when_the_license_expired_after_submit()
    {
        var license = await node.LicenseAsync(validFor: TimeSpan.FromSeconds(120));
        var jobId = await node.SubmitAsync(license, ChainedNodeFixture.TaxPaidByGrade());
        await node.AdvanceTimeAsync(600);

        var ex = await RefusedAsync(node.Request(jobId), StatusCode.PermissionDenied, "ERROR_REASON_LICENSE_INVALID");

        Assert.Contains("expired", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_that_used_the_last_quota_and_the_whole_budget_still_runs_and_the_next_is_refused_on_chain()
    {
        var license = await node.LicenseAsync(quota: 1, epsilon: "0.5");
        var jobId = await node.SubmitAsync(license, ChainedNodeFixture.TaxPaidByGrade(500_000), "0.5");

        var response = await node.Jobs.ExecuteAsync(node.Request(jobId));
        var next = await Assert.ThrowsAsync<ContractRevertedException>(() => node.SubmitAsync(license, ChainedNodeFixture.TaxPaidByGrade()));

        Assert.NotEmpty(response.Result);
        Assert.Equal("QuotaExhausted", next.ErrorName);
    }

    [Fact]
    public async Task Execute_is_refused_when_the_signature_is_not_the_submitters()
    {
        var license = await node.LicenseAsync();
        var jobId = await node.SubmitAsync(license, ChainedNodeFixture.TaxPaidByGrade());

        var nonce = await node.Rpc.GetTransactionCountAsync(node.NodeAccount, BlockTag.Pending);

        var ex = await RefusedAsync(node.Request(jobId, signer: node.OtherEnterpriseKey), StatusCode.PermissionDenied, "ERROR_REASON_SIGNATURE_INVALID");

        Assert.Contains(node.OtherEnterpriseKey.Address.ToString(), ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Pending, (await node.Authority.Jobs.GetJobAsync(jobId)).Status);
        Assert.Equal(nonce, await node.Rpc.GetTransactionCountAsync(node.NodeAccount, BlockTag.Pending));
    }

    [Fact]
    public async Task A_caller_who_is_not_the_submitter_cannot_fail_a_job_the_node_would_refuse()
    {
        // The job's own query is one the policy refuses, so its submitter's call would fail it; another caller's must not.
        var license = await node.LicenseAsync();
        var query = ChainedNodeFixture.TaxPaidByGrade();
        query.GroupBy.Clear();
        query.GroupBy.Add("tax_paid");
        var jobId = await node.SubmitAsync(license, query);
        var nonce = await node.Rpc.GetTransactionCountAsync(node.NodeAccount, BlockTag.Pending);
        var forged = new ExecuteRequest { JobId = ChainedNodeFixture.IdBytes(jobId), RequesterSignature = ByteString.CopyFrom(new byte[65]), AuthorizationExpiresAt = TestAuthorization.ExpiresAt };

        await RefusedAsync(node.Request(jobId, signer: node.OtherEnterpriseKey), StatusCode.PermissionDenied, "ERROR_REASON_SIGNATURE_INVALID");
        await RefusedAsync(forged, StatusCode.PermissionDenied, "ERROR_REASON_SIGNATURE_INVALID");

        Assert.Equal(JobStatus.Pending, (await node.Authority.Jobs.GetJobAsync(jobId)).Status);
        Assert.Equal(nonce, await node.Rpc.GetTransactionCountAsync(node.NodeAccount, BlockTag.Pending));
    }

    [Fact]
    public async Task Execute_is_refused_for_a_malformed_signature_or_job_id()
    {
        var jobId = await node.SubmitAsync(await node.LicenseAsync(), ChainedNodeFixture.TaxPaidByGrade());
        var request = new ExecuteRequest { JobId = ChainedNodeFixture.IdBytes(jobId), RequesterSignature = ByteString.CopyFrom(new byte[65]), AuthorizationExpiresAt = TestAuthorization.ExpiresAt };

        await RefusedAsync(request, StatusCode.PermissionDenied, "ERROR_REASON_SIGNATURE_INVALID");
        await RefusedAsync(new ExecuteRequest { JobId = ByteString.CopyFrom(new byte[9] { 1, 0, 0, 0, 0, 0, 0, 0, 0 }), RequesterSignature = ByteString.CopyFrom(new byte[65]), AuthorizationExpiresAt = TestAuthorization.ExpiresAt }, StatusCode.InvalidArgument, "ERROR_REASON_MALFORMED_REQUEST");
        await RefusedAsync(new ExecuteRequest { JobId = ChainedNodeFixture.IdBytes(1), RequesterSignature = ByteString.CopyFrom(new byte[3]), AuthorizationExpiresAt = TestAuthorization.ExpiresAt }, StatusCode.InvalidArgument, "ERROR_REASON_SIGNATURE_INVALID");
    }

    [Fact]
    public async Task Execute_is_refused_when_the_spec_sent_differs_from_the_one_on_chain()
    {
        var license = await node.LicenseAsync();
        var jobId = await node.SubmitAsync(license, ChainedNodeFixture.TaxPaidByGrade());
        var other = ChainedNodeFixture.TaxPaidByGrade();
        other.GroupBy.Clear();

        var nonce = await node.Rpc.GetTransactionCountAsync(node.NodeAccount, BlockTag.Pending);

        await RefusedAsync(node.Request(jobId, spec: ChainedNodeFixture.SpecOf(other)), StatusCode.FailedPrecondition, "ERROR_REASON_SPEC_HASH_MISMATCH");

        // Bytes the caller sent are the caller's: the job's own spec may still come, so the job stays pending.
        Assert.Equal(JobStatus.Pending, (await node.Authority.Jobs.GetJobAsync(jobId)).Status);
        Assert.Equal(nonce, await node.Rpc.GetTransactionCountAsync(node.NodeAccount, BlockTag.Pending));
    }

    [Fact]
    public async Task Execute_is_refused_when_the_query_asks_for_another_epsilon_than_the_job_paid()
    {
        var license = await node.LicenseAsync();
        var jobId = await node.SubmitAsync(license, ChainedNodeFixture.TaxPaidByGrade(epsilonMicros: 100_000), "0.5");

        await RefusedAsync(node.Request(jobId), StatusCode.InvalidArgument, "ERROR_REASON_INVALID_EPSILON");

        await FailedJobs.AssertFailedAsync(node.Authority, jobId, "ERROR_REASON_INVALID_EPSILON", "spec.aggregate.epsilon_micros");
    }

    [Fact]
    public async Task Execute_is_refused_for_a_job_that_already_failed_on_chain_and_sends_nothing()
    {
        var license = await node.LicenseAsync();
        var jobId = await node.SubmitAsync(license, ChainedNodeFixture.TaxPaidByGrade());
        await node.NodeChain.Ledger.Jobs.FailAsync(jobId, "operator cancelled");
        var nonce = await node.Rpc.GetTransactionCountAsync(node.NodeAccount, BlockTag.Pending);

        await RefusedAsync(node.Request(jobId), StatusCode.FailedPrecondition, "ERROR_REASON_JOB_NOT_PENDING");

        Assert.Equal(nonce, await node.Rpc.GetTransactionCountAsync(node.NodeAccount, BlockTag.Pending));
    }

    [Fact]
    public async Task Execute_is_refused_for_a_job_on_a_dataset_another_node_holds()
    {
        var otherNode = await node.FundedAsync();
        await node.Authority.Participants.AdmitNodeAsync(otherNode.Address, "Other node", "social-security", "http://127.0.0.1", otherNode.Address);
        var spec = ChainedNodeFixture.SpecOf(ChainedNodeFixture.TaxPaidByGrade());
        var foreign = LedgerSpec(otherNode.Address);
        await node.Operator.Catalog.PublishAsync(foreign);
        var request = await node.Enterprise.Licenses.RequestAsync(foreign.Id, "other");
        var license = await node.Operator.Licenses.GrantAsync(request, ComputationKindSet.Aggregate, 5, DateTimeOffset.UtcNow.AddDays(30), Epsilon.Zero);
        var jobId = await node.Enterprise.Jobs.SubmitAsync(license, ComputationKind.Aggregate, spec, Epsilon.Zero);

        var nonce = await node.Rpc.GetTransactionCountAsync(node.NodeAccount, BlockTag.Pending);

        await RefusedAsync(node.Request(jobId), StatusCode.FailedPrecondition, "ERROR_REASON_WRONG_NODE");

        // Not this node's dataset, so not this node's job to close.
        Assert.Equal(JobStatus.Pending, (await node.Authority.Jobs.GetJobAsync(jobId)).Status);
        Assert.Equal(nonce, await node.Rpc.GetTransactionCountAsync(node.NodeAccount, BlockTag.Pending));
    }

    [Fact]
    public async Task A_node_whose_chain_is_down_refuses_every_job()
    {
        var deadPort = new Uri("http://127.0.0.1:1");
        var app = NodeApp.Create(
            new NodeOptions { DataDirectory = node.Temp.File("down-data"), ListenAddress = "127.0.0.1:0" },
            chain: new NodeChain(deadPort, node.Authority.Deployment, EthereumKey.Generate()));
        await app.StartAsync();
        try
        {
            using var channel = GrpcChannel.ForAddress(NodeApp.BoundAddress(app));
            var client = new JobService.JobServiceClient(channel);

            var ex = await Assert.ThrowsAsync<RpcException>(async () => await client.ExecuteAsync(node.Request(1)));

            Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
            Assert.Equal("ERROR_REASON_CHAIN_UNAVAILABLE", ReasonOf(ex));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_node_whose_chain_is_down_answers_unavailable_for_a_job_whose_result_is_stored()
    {
        // Arrange: a result computed before the outage; handing it back still needs the chain (who submitted the job).
        var data = node.Temp.File("down-stored-data");
        new ResultStore(Path.Combine(data, "results")).Save(1, new JobResult().ToByteArray());
        var app = NodeApp.Create(
            new NodeOptions { DataDirectory = data, ListenAddress = "127.0.0.1:0" },
            chain: new NodeChain(new Uri("http://127.0.0.1:1"), node.Authority.Deployment, EthereumKey.Generate()));
        await app.StartAsync();
        try
        {
            using var channel = GrpcChannel.ForAddress(NodeApp.BoundAddress(app));
            var client = new JobService.JobServiceClient(channel);

            // Act
            var unary = await Assert.ThrowsAsync<RpcException>(async () => await client.ExecuteAsync(node.Request(1)));
            using var stream = client.ExecuteStream();
            await stream.RequestStream.WriteAsync(new JobChunk
            {
                JobId = ChainedNodeFixture.IdBytes(2),
                RequesterSignature = ByteString.CopyFrom(new byte[65]),
                AuthorizationExpiresAt = TestAuthorization.ExpiresAt,
                TotalSize = 1,
                Keccak256 = ByteString.CopyFrom(new byte[32]),
                Data = ByteString.CopyFrom([0]),
            });
            await stream.RequestStream.CompleteAsync();
            var streamed = await Assert.ThrowsAsync<RpcException>(async () => await stream.ResponseAsync);

            // Assert
            Assert.Equal((StatusCode.Unavailable, "ERROR_REASON_CHAIN_UNAVAILABLE"), (unary.StatusCode, ReasonOf(unary)));
            Assert.Equal((StatusCode.Unavailable, "ERROR_REASON_CHAIN_UNAVAILABLE"), (streamed.StatusCode, ReasonOf(streamed)));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Only_the_submitter_can_have_the_result_of_a_completed_job_handed_back()
    {
        var license = await node.LicenseAsync();
        var jobId = await node.SubmitAsync(license, ChainedNodeFixture.TaxPaidByGrade());
        await node.Jobs.ExecuteAsync(node.Request(jobId));

        await RefusedAsync(node.Request(jobId, signer: node.OtherEnterpriseKey), StatusCode.PermissionDenied, "ERROR_REASON_SIGNATURE_INVALID");
    }

    [Fact]
    public void The_runner_is_wired_with_the_nodes_own_chain_link()
    {
        Assert.NotNull(node.NodeChain);
        Assert.Equal(node.NodeAccount, node.NodeChain.NodeKey.Address);
        Assert.NotNull(Log);
    }

    private static DatasetSpec LedgerSpec(Address nodeAccount) => new(
        DatasetIds.OnChainId("social.monthly"),
        "Social security (other node)",
        nodeAccount,
        Hash32.Sha256("schema"u8),
        100,
        Hash32.Sha256("snapshot"u8),
        ProtectionGrade.Restricted,
        10,
        1,
        85,
        ComputationKindSet.Aggregate,
        [new ColumnSpec("month", ColumnType.Text, ColumnPermissions.GroupBy, 0, 0, ["2025-01", "2025-02"])]);
}

[Collection(ChainedNodeCollection.Name)]
public class ExplainLicenseTests(ChainedNodeFixture node)
{
    private static ExplainRequest Explain(ulong license, AggregateQuery query) =>
        new() { Query = query, LicenseId = ChainedNodeFixture.IdBytes(license) };

    [Fact]
    public async Task Explain_allows_a_query_the_policy_and_a_valid_license_cover_and_says_what_it_costs()
    {
        var license = await node.LicenseAsync(epsilon: "1.0");

        var answer = await node.Jobs.ExplainAsync(Explain(license, ChainedNodeFixture.TaxPaidByGrade(epsilonMicros: 500_000)));

        Assert.True(answer.Allowed, answer.Clause);
        Assert.Equal(1u, answer.Quota);
        Assert.Equal(500_000UL, answer.EpsilonMicros);
    }

    private static AggregateQuery SentinelBelow(long codes)
    {
        var query = new AggregateQuery { DatasetId = "sentinel" };
        query.GroupBy.Add("region");
        query.Measures.Add(new Measure { Function = MeasureFunction.Count });
        query.Measures.Add(new Measure { Function = MeasureFunction.Sum, Column = "amount" });
        var filter = new Filter { Column = "secret_code", Operator = FilterOperator.Lt };
        filter.Values.Add(new Value { IntValue = long.Parse(ChainedNodeFixture.NumberMarker + "00", System.Globalization.CultureInfo.InvariantCulture) + codes });
        query.Filters.Add(filter);
        return query;
    }

    [Fact]
    public async Task Explain_predicts_what_the_audit_would_withhold_and_records_nothing_until_a_job_releases()
    {
        // Rows 0..29 by region (8, 8, 7, 7 rows), then rows 0..30: one more row in R2. Once the first is released,
        // the second's R2 cells differ from it by one row, and the audit withholds them.
        var license = await node.LicenseOnAsync("sentinel");
        var first = SentinelBelow(30);
        var second = SentinelBelow(31);

        var before = await node.Jobs.ExplainAsync(Explain(license, second));
        var firstPreview = await node.Jobs.ExplainAsync(Explain(license, first));
        var again = await node.Jobs.ExplainAsync(Explain(license, second));
        var jobId = await node.SubmitAsync(license, first);
        var released = JobResult.Parser.ParseFrom((await node.Jobs.ExecuteAsync(node.Request(jobId))).Result).Aggregate;
        var after = await node.Jobs.ExplainAsync(Explain(license, second));
        var secondJob = await node.SubmitAsync(license, second);
        var secondResult = JobResult.Parser.ParseFrom((await node.Jobs.ExecuteAsync(node.Request(secondJob))).Result).Aggregate;

        Assert.True(before.Previewed && firstPreview.Previewed && after.Previewed);
        Assert.Equal(8u, before.Cells);
        Assert.Empty(firstPreview.Withheld);
        Assert.Empty(released.Suppressed);
        Assert.Equal(before.Withheld, again.Withheld);
        Assert.Empty(again.Withheld); // previews recorded nothing: the second query is still news-free on its own
        Assert.Equal(2, after.Withheld.Count);
        Assert.All(after.Withheld, w => Assert.Equal("R2", w.Keys[0].StringValue));
        Assert.Equal(after.Withheld.Select(w => (w.Measure, w.Bin)), secondResult.Suppressed.Select(c => ((uint)c.Measure, c.Bin)));
    }

    [Fact]
    public async Task Explain_judges_by_the_on_chain_grade_and_cap_as_the_gate_does_not_by_the_nodes_local_copy()
    {
        var license = await node.LicenseOnAsync(ChainedNodeFixture.RaisedDatasetId);
        var exact = ChainedNodeFixture.TaxPaidByGrade();
        exact.DatasetId = ChainedNodeFixture.RaisedDatasetId;
        var beyondCap = exact.Clone();
        beyondCap.EpsilonMicros = 1_500_000;
        var noisy = exact.Clone();
        noisy.EpsilonMicros = 500_000;

        var local = await node.Jobs.ExplainAsync(new ExplainRequest { Query = exact });
        var refusedExact = await node.Jobs.ExplainAsync(Explain(license, exact));
        var refusedCap = await node.Jobs.ExplainAsync(Explain(license, beyondCap));
        var allowed = await node.Jobs.ExplainAsync(Explain(license, noisy));

        // Without a license only the node's local policy (RESTRICTED) is consulted; with one, the chain's (SENSITIVE).
        Assert.True(local.Allowed, local.Clause);
        Assert.Equal(ErrorReason.ExactAnswerRefused, refusedExact.Reason);
        Assert.False(refusedCap.Allowed);
        Assert.Equal("epsilon_micros", refusedCap.Field);
        Assert.Contains("the dataset's ε cap, shared by every license, has 1000000 micro left", refusedCap.Clause, StringComparison.Ordinal);
        Assert.True(allowed.Allowed, allowed.Clause);
        Assert.True(allowed.Previewed);
        Assert.Empty(allowed.Withheld);
    }

    [Fact]
    public async Task Explain_without_a_license_previews_nothing()
    {
        var answer = await node.Jobs.ExplainAsync(new ExplainRequest { Query = SentinelBelow(30) });

        Assert.True(answer.Allowed, answer.Clause);
        Assert.False(answer.Previewed);
        Assert.Empty(answer.Withheld);
    }

    [Fact]
    public async Task Explain_refuses_under_a_revoked_license_and_names_it()
    {
        var license = await node.LicenseAsync();
        await node.Operator.Licenses.RevokeAsync(license, "review");

        var answer = await node.Jobs.ExplainAsync(Explain(license, ChainedNodeFixture.TaxPaidByGrade()));

        Assert.False(answer.Allowed);
        Assert.Equal(ErrorReason.LicenseInvalid, answer.Reason);
        Assert.Contains("revoked", answer.Clause, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_refuses_a_query_that_would_spend_more_epsilon_than_is_left()
    {
        var license = await node.LicenseAsync(epsilon: "0.1");

        var answer = await node.Jobs.ExplainAsync(Explain(license, ChainedNodeFixture.TaxPaidByGrade(epsilonMicros: 500_000)));

        Assert.False(answer.Allowed);
        Assert.Equal("license_id", answer.Field);
    }

    [Fact]
    public async Task Explain_refuses_an_unknown_license_and_costs_nothing_on_chain()
    {
        var nonce = await node.Rpc.GetTransactionCountAsync(node.NodeAccount, BlockTag.Pending);

        var answer = await node.Jobs.ExplainAsync(Explain(987_654, ChainedNodeFixture.TaxPaidByGrade()));

        Assert.False(answer.Allowed);
        Assert.Equal(ErrorReason.LicenseInvalid, answer.Reason);
        Assert.Equal(nonce, await node.Rpc.GetTransactionCountAsync(node.NodeAccount, BlockTag.Pending));
    }

    [Fact]
    public async Task Explain_reports_the_policy_clause_before_the_license()
    {
        var license = await node.LicenseAsync();
        var query = new AggregateQuery { DatasetId = ChainedNodeFixture.DatasetId };
        query.GroupBy.Add("uscc");
        query.Measures.Add(new Measure { Function = MeasureFunction.Count });

        var answer = await node.Jobs.ExplainAsync(Explain(license, query));

        Assert.False(answer.Allowed);
        Assert.Equal(ErrorReason.ColumnNotPermitted, answer.Reason);
        Assert.Contains("JOIN_KEY", answer.Clause, StringComparison.Ordinal);
    }
}
