using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Attestation;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Hosting;
using DataTrust.Protos.V1;
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;
using DuckDB.NET.Data;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;

namespace DataTrust.Node.Tests.Enclave;

/// <summary>
/// The node's release to an attested enclave over a real loopback gRPC socket, against a real anvil and a real DuckDB file:
/// the filtered columns a join needs arrive sealed to the quoted key, and every refusal of issue 12 that lands on the node
/// releases nothing, says why, and fails the job on chain exactly when the refusal depends only on the job.
/// </summary>
[Collection(EnclaveReleaseCollection.Name)]
public class ReleaseTests(EnclaveReleaseFixture f)
{
    private static readonly string[] TaxColumns = ["uscc", "year", "credit_grade", "tax_paid"];

    private static string ReasonOf(RpcException ex) => ex.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason ?? "(no ErrorInfo)";

    [Fact]
    public async Task The_enclave_decrypts_exactly_the_filtered_columns_and_rows_duckdb_computes()
    {
        var (key, quoteId) = await f.StartEnclaveAsync();
        var jobId = await f.SubmitAsync(J.TaxBySocialSecurity());

        var chunks = await f.ReleaseAsync(await f.RequestAsync(jobId, quoteId, key, EnclaveReleaseFixture.Tax, TaxColumns));
        var (header, csv, hash) = ReleaseReceiver.Open(chunks, key, new SealedStreamContext(jobId, quoteId, EnclaveReleaseFixture.Tax));

        var (expected, rows) = Expected($"SELECT uscc, year, credit_grade, CAST(tax_paid AS DECIMAL(18,4)) AS tax_paid FROM read_csv('{f.TaxCsv}', header = true) WHERE year = 2024");
        Assert.Equal(expected, csv);
        Assert.Equal(TaxColumns, header.Columns.Select(c => c.Name));
        Assert.Equal(f.NodeAccount.ToString(), header.NodeAddress);
        var entry = f.ReleaseLog.Entries.Single(e => e.JobId == jobId);
        Assert.Equal((quoteId, EnclaveReleaseFixture.Tax, rows, hash), (entry.QuoteId, entry.DatasetId, entry.Rows, entry.StreamHash));
        Assert.Equal(TaxColumns, entry.Columns);
        Assert.True(entry.Block > 0);
        Assert.Equal(JobStatus.Pending, (await f.Authority.Jobs.GetJobAsync(jobId)).Status);

        // The other dataset's node (here the same node) releases its own columns, filtered by its own rule.
        var social = await f.ReleaseAsync(await f.RequestAsync(jobId, quoteId, key, EnclaveReleaseFixture.Social, ["uscc", "insured_headcount"]));
        var (_, socialCsv, _) = ReleaseReceiver.Open(social, key, new SealedStreamContext(jobId, quoteId, EnclaveReleaseFixture.Social));
        Assert.Equal(Expected($"SELECT uscc, insured_headcount FROM read_csv('{f.SocialCsv}', header = true) WHERE insured_headcount > 20").Csv, socialCsv);
    }

    [Fact]
    public async Task No_value_of_a_released_row_appears_in_the_log()
    {
        var (key, quoteId) = await f.StartEnclaveAsync();
        var jobId = await f.SubmitAsync(J.TaxBySocialSecurity());
        var chunks = await f.ReleaseAsync(await f.RequestAsync(jobId, quoteId, key, EnclaveReleaseFixture.Tax, TaxColumns));
        var (_, csv, _) = ReleaseReceiver.Open(chunks, key, new SealedStreamContext(jobId, quoteId, EnclaveReleaseFixture.Tax));
        var firstKey = csv.Split('\n')[1].Split(',')[0].Trim('"');

        var log = await File.ReadAllTextAsync(f.ReleaseLog.Path);

        Assert.True(firstKey.Length >= 10);
        Assert.DoesNotContain(firstKey, log, StringComparison.Ordinal);
        Assert.All(chunks.Skip(1), c => Assert.True(c.SealedChunk.Span.IndexOf(Encoding.UTF8.GetBytes(firstKey)) < 0, "a join key travelled in the clear"));
    }

    [Fact]
    public async Task A_truncated_or_altered_stream_is_refused_by_the_receiver()
    {
        var (key, quoteId) = await f.StartEnclaveAsync();
        var jobId = await f.SubmitAsync(J.TaxBySocialSecurity());
        var chunks = await f.ReleaseAsync(await f.RequestAsync(jobId, quoteId, key, EnclaveReleaseFixture.Tax, TaxColumns));
        var context = new SealedStreamContext(jobId, quoteId, EnclaveReleaseFixture.Tax);

        var truncated = chunks.Take(chunks.Count - 1).ToList();
        var altered = chunks.Select(c => c.Clone()).ToList();
        var bytes = altered[1].SealedChunk.ToByteArray();
        bytes[bytes.Length / 2] ^= 0x40;
        altered[1].SealedChunk = Google.Protobuf.ByteString.CopyFrom(bytes);

        Assert.Contains("truncated", Assert.Throws<SealedStreamException>(() => ReleaseReceiver.Open(truncated, key, context)).Message, StringComparison.Ordinal);
        Assert.Throws<SealedStreamException>(() => ReleaseReceiver.Open(altered, key, context));
        Assert.Throws<SealedStreamException>(() => ReleaseReceiver.Open(chunks, key, context with { DatasetId = EnclaveReleaseFixture.Social }));
    }

    [Fact]
    public async Task A_quote_of_another_measurement_than_the_jobs_is_refused()
    {
        var other = Hash32.Sha256("another enclave build"u8);
        await f.Authority.Enclaves.ApproveMeasurementAsync(other, "another build");
        var (key, quoteId) = await f.StartEnclaveAsync(measurement: other);
        var jobId = await f.SubmitAsync(J.TaxBySocialSecurity());

        await RefusedAsync(await f.RequestAsync(jobId, quoteId, key, EnclaveReleaseFixture.Tax, TaxColumns), StatusCode.PermissionDenied, "ERROR_REASON_MEASUREMENT_MISMATCH");
        Assert.Equal(JobStatus.Pending, (await f.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task A_quote_whose_measurement_was_revoked_is_refused()
    {
        var revoked = Hash32.Sha256("a build found vulnerable"u8);
        await f.Authority.Enclaves.ApproveMeasurementAsync(revoked, "vulnerable build");
        var (key, quoteId) = await f.StartEnclaveAsync(measurement: revoked);
        var jobId = await f.SubmitAsync(J.TaxBySocialSecurity(), revoked);
        await f.Authority.Enclaves.RevokeMeasurementAsync(revoked);

        var ex = await RefusedAsync(await f.RequestAsync(jobId, quoteId, key, EnclaveReleaseFixture.Tax, TaxColumns), StatusCode.PermissionDenied, "ERROR_REASON_QUOTE_UNUSABLE");
        Assert.Contains("measurement was revoked", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_quote_signed_by_a_platform_key_no_longer_approved_is_refused()
    {
        using var otherPlatform = EthereumKey.Generate();
        await f.Authority.Enclaves.ApprovePlatformKeyAsync(otherPlatform.Address, "a second platform");
        var (key, quoteId) = await f.StartEnclaveAsync(platform: otherPlatform, host: await f.NewHostAsync());
        var jobId = await f.SubmitAsync(J.TaxBySocialSecurity());
        await f.Authority.Enclaves.RevokePlatformKeyAsync(otherPlatform.Address);

        var ex = await RefusedAsync(await f.RequestAsync(jobId, quoteId, key, EnclaveReleaseFixture.Tax, TaxColumns), StatusCode.PermissionDenied, "ERROR_REASON_QUOTE_UNUSABLE");
        Assert.Contains("platform key was revoked", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_caller_without_the_quoted_key_is_refused_and_the_job_is_untouched()
    {
        var (_, quoteId) = await f.StartEnclaveAsync();
        using var impostor = EthereumKey.Generate();
        var jobId = await f.SubmitAsync(J.TaxBySocialSecurity());

        var ex = await RefusedAsync(await f.RequestAsync(jobId, quoteId, impostor, EnclaveReleaseFixture.Tax, TaxColumns), StatusCode.PermissionDenied, "ERROR_REASON_ENCLAVE_SIGNATURE_INVALID");
        Assert.Contains("does not hold the quoted key", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Pending, (await f.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task A_request_signed_for_another_node_is_refused()
    {
        var (key, quoteId) = await f.StartEnclaveAsync();
        var jobId = await f.SubmitAsync(J.TaxBySocialSecurity());

        await RefusedAsync(await f.RequestAsync(jobId, quoteId, key, EnclaveReleaseFixture.Tax, TaxColumns, node: f.EnterpriseKey.Address), StatusCode.PermissionDenied, "ERROR_REASON_ENCLAVE_SIGNATURE_INVALID");
    }

    [Fact]
    public async Task A_quote_replayed_from_an_earlier_enclave_start_is_refused()
    {
        var host = await f.NewHostAsync();
        var (earlierKey, earlierQuote) = await f.StartEnclaveAsync(host: host);
        await f.StartEnclaveAsync(host: host);
        var jobId = await f.SubmitAsync(J.TaxBySocialSecurity());

        var ex = await RefusedAsync(await f.RequestAsync(jobId, earlierQuote, earlierKey, EnclaveReleaseFixture.Tax, TaxColumns), StatusCode.PermissionDenied, "ERROR_REASON_QUOTE_UNUSABLE");
        Assert.Contains("superseded", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Pending, (await f.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task A_quote_that_was_never_recorded_is_refused()
    {
        using var key = EthereumKey.Generate();
        var jobId = await f.SubmitAsync(J.TaxBySocialSecurity());

        await RefusedAsync(await f.RequestAsync(jobId, 9_999, key, EnclaveReleaseFixture.Tax, TaxColumns), StatusCode.PermissionDenied, "ERROR_REASON_QUOTE_UNUSABLE");
    }

    [Fact]
    public async Task A_job_that_does_not_name_the_dataset_gets_none_of_its_rows()
    {
        var (key, quoteId) = await f.StartEnclaveAsync();
        var query = J.Query([J.Input(EnclaveReleaseFixture.Social, "uscc"), J.Input(EnclaveReleaseFixture.NoJoin, "uscc")], [], [J.Count()]);
        var jobId = await f.SubmitAsync(query, null, EnclaveReleaseFixture.Social, EnclaveReleaseFixture.NoJoin);

        await RefusedAsync(await f.RequestAsync(jobId, quoteId, key, EnclaveReleaseFixture.Tax, ["uscc"]), StatusCode.FailedPrecondition, "ERROR_REASON_DATASET_MISMATCH");
        Assert.Equal(JobStatus.Pending, (await f.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task A_dataset_whose_policy_forbids_joins_releases_nothing_and_the_job_is_failed_with_a_refund()
    {
        var (key, quoteId) = await f.StartEnclaveAsync();
        var query = J.Query([J.Input(EnclaveReleaseFixture.NoJoin, "uscc"), J.Input(EnclaveReleaseFixture.Social, "uscc")], [], [J.Count()]);
        var before = await f.Authority.Licenses.GetLicenseAsync(f.Licenses[EnclaveReleaseFixture.NoJoin]);
        var jobId = await f.SubmitAsync(query, null, EnclaveReleaseFixture.NoJoin, EnclaveReleaseFixture.Social);

        var ex = await RefusedAsync(await f.RequestAsync(jobId, quoteId, key, EnclaveReleaseFixture.NoJoin, ["uscc"]), StatusCode.PermissionDenied, "ERROR_REASON_KIND_NOT_ALLOWED");

        Assert.Contains("forbids joins", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Failed, (await f.Authority.Jobs.GetJobAsync(jobId)).Status);
        var after = await f.Authority.Licenses.GetLicenseAsync(f.Licenses[EnclaveReleaseFixture.NoJoin]);
        Assert.Equal(before.QuotaRemaining, after.QuotaRemaining);
        Assert.Equal(before.EpsilonRemaining, after.EpsilonRemaining);
    }

    [Fact]
    public async Task A_join_key_in_the_output_fails_the_job_on_chain()
    {
        var (key, quoteId) = await f.StartEnclaveAsync();
        var query = J.Query([J.Input(EnclaveReleaseFixture.Tax, "uscc"), J.Input(EnclaveReleaseFixture.Social, "uscc")], [J.Col(EnclaveReleaseFixture.Tax, "uscc")], [J.Count()]);
        var jobId = await f.SubmitAsync(query);

        var ex = await RefusedAsync(await f.RequestAsync(jobId, quoteId, key, EnclaveReleaseFixture.Tax, ["uscc"]), StatusCode.PermissionDenied, "ERROR_REASON_JOIN_KEY_IN_OUTPUT");

        Assert.Equal("spec.group_by[0].column", ex.GetRpcStatus()!.GetDetail<ErrorInfo>().Metadata["field"]);
        Assert.Equal(JobStatus.Failed, (await f.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task A_column_without_the_permission_fails_the_job_on_chain()
    {
        var (key, quoteId) = await f.StartEnclaveAsync();
        var query = J.Query([J.Input(EnclaveReleaseFixture.Tax, "uscc"), J.Input(EnclaveReleaseFixture.Social, "uscc")], [J.Col(EnclaveReleaseFixture.Tax, "tax_paid")], [J.Count()]);
        var jobId = await f.SubmitAsync(query);

        await RefusedAsync(await f.RequestAsync(jobId, quoteId, key, EnclaveReleaseFixture.Tax, ["uscc", "tax_paid"]), StatusCode.PermissionDenied, "ERROR_REASON_COLUMN_NOT_PERMITTED");
        Assert.Equal(JobStatus.Failed, (await f.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task Columns_the_job_does_not_need_are_refused_and_the_job_stays_pending()
    {
        var (key, quoteId) = await f.StartEnclaveAsync();
        var jobId = await f.SubmitAsync(J.TaxBySocialSecurity());

        var extra = await RefusedAsync(await f.RequestAsync(jobId, quoteId, key, EnclaveReleaseFixture.Tax, [.. TaxColumns, "revenue"]), StatusCode.PermissionDenied, "ERROR_REASON_COLUMNS_NOT_NEEDED");
        await RefusedAsync(await f.RequestAsync(jobId, quoteId, key, EnclaveReleaseFixture.Tax, ["uscc", "tax_paid"]), StatusCode.PermissionDenied, "ERROR_REASON_COLUMNS_NOT_NEEDED");
        await RefusedAsync(await f.RequestAsync(jobId, quoteId, key, EnclaveReleaseFixture.Tax, [.. TaxColumns, "uscc"]), StatusCode.PermissionDenied, "ERROR_REASON_COLUMNS_NOT_NEEDED");

        Assert.Contains("does not need revenue", extra.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Pending, (await f.Authority.Jobs.GetJobAsync(jobId)).Status);
        Assert.DoesNotContain(f.ReleaseLog.Entries, e => e.JobId == jobId);
    }

    [Fact]
    public async Task An_expired_or_foreign_requester_authorization_and_an_expired_request_are_refused()
    {
        var (key, quoteId) = await f.StartEnclaveAsync();
        var jobId = await f.SubmitAsync(J.TaxBySocialSecurity());

        await RefusedAsync(await f.RequestAsync(jobId, quoteId, key, EnclaveReleaseFixture.Tax, TaxColumns, authorizationIn: -10), StatusCode.Unauthenticated, "ERROR_REASON_AUTHORIZATION_EXPIRED");
        await RefusedAsync(await f.RequestAsync(jobId, quoteId, key, EnclaveReleaseFixture.Tax, TaxColumns, requester: f.OtherKey), StatusCode.PermissionDenied, "ERROR_REASON_SIGNATURE_INVALID");
        await RefusedAsync(await f.RequestAsync(jobId, quoteId, key, EnclaveReleaseFixture.Tax, TaxColumns, requestIn: -10), StatusCode.Unauthenticated, "ERROR_REASON_RELEASE_REQUEST_EXPIRED");
        Assert.Equal(JobStatus.Pending, (await f.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task A_job_that_is_not_a_join_or_not_pending_gets_no_rows()
    {
        var (key, quoteId) = await f.StartEnclaveAsync();
        var aggregate = await f.Enterprise.Jobs.SubmitAsync(f.Licenses[EnclaveReleaseFixture.Tax], ComputationKind.Aggregate, new byte[] { 1, 2, 3 }, Epsilon.Parse("0.1"));
        var failed = await f.SubmitAsync(J.Query([J.Input(EnclaveReleaseFixture.Tax, "uscc"), J.Input(EnclaveReleaseFixture.Social, "uscc")], [J.Col(EnclaveReleaseFixture.Tax, "uscc")], [J.Count()]));
        await RefusedAsync(await f.RequestAsync(failed, quoteId, key, EnclaveReleaseFixture.Tax, ["uscc"]), StatusCode.PermissionDenied, "ERROR_REASON_JOIN_KEY_IN_OUTPUT");

        await RefusedAsync(await f.RequestAsync(failed, quoteId, key, EnclaveReleaseFixture.Tax, ["uscc"]), StatusCode.FailedPrecondition, "ERROR_REASON_JOB_NOT_PENDING");
        await RefusedAsync(await f.RequestAsync(aggregate, quoteId, key, EnclaveReleaseFixture.Tax, ["uscc"]), StatusCode.PermissionDenied, "ERROR_REASON_KIND_NOT_ALLOWED");
        await RefusedAsync(await f.RequestAsync(987_654, quoteId, key, EnclaveReleaseFixture.Tax, ["uscc"]), StatusCode.NotFound, "ERROR_REASON_JOB_NOT_FOUND");
        Assert.Equal(JobStatus.Pending, (await f.Authority.Jobs.GetJobAsync(aggregate)).Status);
    }

    [Fact]
    public async Task Malformed_requests_are_invalid_argument_with_a_reason()
    {
        var (key, quoteId) = await f.StartEnclaveAsync();
        var good = await f.RequestAsync(1, quoteId, key, EnclaveReleaseFixture.Tax, TaxColumns);
        var cases = new (Action<ReleaseRequest> Break, string Field)[]
        {
            (r => r.JobId = 0, "job_id"),
            (r => r.QuoteId = 0, "quote_id"),
            (r => r.DatasetId = "", "dataset_id"),
            (r => r.Columns.Clear(), "columns"),
            (r => r.Columns.Add("no such; column"), "columns[4]"),
            (r => r.RequesterSignature = Google.Protobuf.ByteString.CopyFrom(new byte[64]), "requester_signature"),
            (r => r.AuthorizationExpiresAt = 0, "authorization_expires_at"),
            (r => r.EnclaveSignature = Google.Protobuf.ByteString.Empty, "enclave_signature"),
            (r => r.RequestExpiresAt = 0, "request_expires_at"),
        };

        foreach (var (breakIt, field) in cases)
        {
            var request = good.Clone();
            breakIt(request);
            var ex = await Assert.ThrowsAsync<RpcException>(async () => await f.ReleaseAsync(request));
            Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
            Assert.Equal(field, ex.GetRpcStatus()!.GetDetail<ErrorInfo>().Metadata["field"]);
        }

        // Bytes that are not a ReleaseRequest at all: the node's deserialization handling answers with a reason.
        var garbage = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            var method = new Method<byte[], byte[]>(MethodType.ServerStreaming, ReleaseService.Descriptor.FullName, "Release", Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));
            using var call = f.Channel.CreateCallInvoker().AsyncServerStreamingCall(method, null, new CallOptions(), new byte[] { 0x0a, 0xff, 0xff });
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        Assert.Equal(StatusCode.InvalidArgument, garbage.StatusCode);
        Assert.Equal("ERROR_REASON_MALFORMED_REQUEST", ReasonOf(garbage));
    }

    [Fact]
    public async Task A_node_that_cannot_reach_the_chain_releases_nothing()
    {
        var (key, quoteId) = await f.StartEnclaveAsync();
        var jobId = await f.SubmitAsync(J.TaxBySocialSecurity());
        using var temp = new TempDirectory();
        var app = NodeApp.Create(
            new NodeOptions { DataDirectory = temp.File("data"), ListenAddress = "127.0.0.1:0" },
            chain: new NodeChain(new Uri("http://127.0.0.1:9"), f.Deployment, EthereumKey.Generate()));
        await app.StartAsync();
        try
        {
            using var channel = GrpcChannel.ForAddress(NodeApp.BoundAddress(app));
            var ex = await Assert.ThrowsAsync<RpcException>(async () => await f.ReleaseAsync(await f.RequestAsync(jobId, quoteId, key, EnclaveReleaseFixture.Tax, TaxColumns), channel));
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
    public async Task A_release_over_the_nodes_in_flight_payload_budget_is_refused_as_busy()
    {
        var (key, quoteId) = await f.StartEnclaveAsync();
        var jobId = await f.SubmitAsync(J.TaxBySocialSecurity());
        using var temp = new TempDirectory();

        // A budget of 1 MiB cannot hold a release's chunks (ReleaseStreamer.MemoryPerRelease): the node refuses, changes nothing.
        var app = await f.StartTwinAsync(temp, options => (options.MaxJobPayloadBytes, options.MaxInFlightPayloadBytes) = (1 << 20, 1 << 20));
        try
        {
            using var channel = GrpcChannel.ForAddress(NodeApp.BoundAddress(app));
            var ex = await Assert.ThrowsAsync<RpcException>(async () => await f.ReleaseAsync(await f.RequestAsync(jobId, quoteId, key, EnclaveReleaseFixture.Tax, TaxColumns), channel));
            Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
            Assert.Equal("ERROR_REASON_NODE_BUSY", ReasonOf(ex));
            Assert.Equal(JobStatus.Pending, (await f.Authority.Jobs.GetJobAsync(jobId)).Status);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_OPEN_register_in_a_join_releases_only_uscc_and_district_and_its_license_spends_quota_but_no_epsilon()
    {
        var (key, quoteId) = await f.StartEnclaveAsync();
        var query = J.Query(
            [J.Input(EnclaveReleaseFixture.Tax, "uscc", J.Where("year", FilterOperator.Eq, Q.Int(2024))), J.Input(EnclaveReleaseFixture.Register, "uscc")],
            [J.Col(EnclaveReleaseFixture.Register, "district")],
            [J.Count(), J.Sum(EnclaveReleaseFixture.Tax, "tax_paid")]);
        var registerBefore = await f.Authority.Licenses.GetLicenseAsync(f.Licenses[EnclaveReleaseFixture.Register]);
        var taxBefore = await f.Authority.Licenses.GetLicenseAsync(f.Licenses[EnclaveReleaseFixture.Tax]);
        var jobId = await f.SubmitAsync(query, null, EnclaveReleaseFixture.Tax, EnclaveReleaseFixture.Register);
        var registerAfter = await f.Authority.Licenses.GetLicenseAsync(f.Licenses[EnclaveReleaseFixture.Register]);
        var taxAfter = await f.Authority.Licenses.GetLicenseAsync(f.Licenses[EnclaveReleaseFixture.Tax]);

        var extra = await RefusedAsync(await f.RequestAsync(jobId, quoteId, key, EnclaveReleaseFixture.Register, ["uscc", "district", "industry"]), StatusCode.PermissionDenied, "ERROR_REASON_COLUMNS_NOT_NEEDED");
        var chunks = await f.ReleaseAsync(await f.RequestAsync(jobId, quoteId, key, EnclaveReleaseFixture.Register, ["uscc", "district"]));
        var (header, csv, _) = ReleaseReceiver.Open(chunks, key, new SealedStreamContext(jobId, quoteId, EnclaveReleaseFixture.Register));

        Assert.Contains("does not need industry", extra.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(["uscc", "district"], header.Columns.Select(c => c.Name));
        Assert.Equal(Expected($"SELECT uscc, district FROM read_csv('{f.RegisterCsv}', header = true)").Csv, csv);
        Assert.Equal(["uscc", "district"], f.ReleaseLog.Entries.Single(e => e.JobId == jobId).Columns);
        Assert.Equal((registerBefore.QuotaRemaining - 1, registerBefore.EpsilonRemaining), (registerAfter.QuotaRemaining, registerAfter.EpsilonRemaining));
        Assert.Equal((taxBefore.QuotaRemaining - 1, taxBefore.EpsilonRemaining.Micros - 100_000), (taxAfter.QuotaRemaining, taxAfter.EpsilonRemaining.Micros));
        Assert.Equal(JobStatus.Pending, (await f.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task A_register_whose_grade_rose_after_a_join_charged_it_no_epsilon_releases_nothing_and_the_join_is_failed_with_a_refund()
    {
        var (key, quoteId) = await f.StartEnclaveAsync();
        var query = J.Query(
            [J.Input(EnclaveReleaseFixture.Tax, "uscc"), J.Input(EnclaveReleaseFixture.RegisterToRaise, "uscc")],
            [J.Col(EnclaveReleaseFixture.RegisterToRaise, "district")],
            [J.Count()]);
        var before = await f.Authority.Licenses.GetLicenseAsync(f.Licenses[EnclaveReleaseFixture.Tax]);
        var jobId = await f.SubmitAsync(query, null, EnclaveReleaseFixture.Tax, EnclaveReleaseFixture.RegisterToRaise);
        await f.Operator.Catalog.RaiseGradeAsync(DatasetIds.OnChainId(EnclaveReleaseFixture.RegisterToRaise), ProtectionGrade.Restricted);

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await f.ReleaseAsync(await f.RequestAsync(jobId, quoteId, key, EnclaveReleaseFixture.RegisterToRaise, ["uscc", "district"])));

        Assert.Equal("ERROR_REASON_INVALID_EPSILON", ReasonOf(ex));
        Assert.Contains("was submitted while it was OPEN", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Failed, (await f.Authority.Jobs.GetJobAsync(jobId)).Status);
        Assert.DoesNotContain(f.ReleaseLog.Entries, e => e.JobId == jobId);
        var after = await f.Authority.Licenses.GetLicenseAsync(f.Licenses[EnclaveReleaseFixture.Tax]);
        Assert.Equal((before.QuotaRemaining, before.EpsilonRemaining), (after.QuotaRemaining, after.EpsilonRemaining));
    }

    private async Task<RpcException> RefusedAsync(ReleaseRequest request, StatusCode code, string reason)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await f.ReleaseAsync(request));
        Assert.Equal(reason, ReasonOf(ex));
        Assert.Equal(code, ex.StatusCode);
        return ex;
    }

    private static (string Csv, long Rows) Expected(string sql)
    {
        var expected = new StringBuilder();
        long rows = 0;
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        expected.AppendJoin(',', Enumerable.Range(0, reader.FieldCount).Select(reader.GetName)).Append('\n');
        while (reader.Read())
        {
            rows++;
            for (var i = 0; i < reader.FieldCount; i++)
            {
                if (i > 0)
                {
                    expected.Append(',');
                }

                expected.Append(reader.GetValue(i) switch
                {
                    string s => "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"",
                    decimal d => ColumnValues.Canonical(d),
                    long l => ColumnValues.Canonical(l),
                    int n => ColumnValues.Canonical(n),
                    var other => throw new InvalidOperationException($"Unexpected {other.GetType()}"),
                });
            }

            expected.Append('\n');
        }

        Assert.True(rows > 0, $"the filter must keep some rows for the comparison to mean something: {sql}");
        return (expected.ToString(), rows);
    }
}
