using DataTrust.Ledger.Contracts;
using DataTrust.Node.Execution;
using DataTrust.Protos.V1;
using Google.Rpc;
using Grpc.Core;

namespace DataTrust.Node.Tests.Execution;

/// <summary>
/// The node's resource bounds over real loopback gRPC and a real chain: payload bytes in flight over all calls, one
/// stream per job, and per-job cost limits (refused and failed before reading rows; wall time cancels).
/// </summary>
[Collection(BoundedNodeCollection.Name)]
public class ResourceBoundTests(BoundedNodeFixture node)
{
    private const int Large = 5 << 19; // 2.5 MiB: one fits the 4 MiB bound in flight, two do not.

    private static string ReasonOf(RpcException ex) =>
        ex.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason ?? "(no ErrorInfo)";

    private IReadOnlyList<JobChunk> Chunks(ulong jobId, byte[] spec)
    {
        var request = node.Request(jobId);
        return JobStreams.Split(jobId, request.RequesterSignature.Span, request.AuthorizationExpiresAt, spec);
    }

    private async Task AssertNothingWrittenAsync(ulong jobId)
    {
        Assert.Equal(JobStatus.Pending, (await node.Authority.Jobs.GetJobAsync(jobId)).Status);
        Assert.Null(ExecutionLog.Open(Path.Combine(node.DataDirectory, "execution.log")).Find(jobId));
        Assert.Null(new ResultStore(Path.Combine(node.DataDirectory, "results")).Find(jobId));
    }

    /// <summary>
    /// Sends the first chunk only and completes: a node refuses on the first chunk, and a client that keeps sending after
    /// the refusal can have Kestrel close the whole HTTP/2 connection (STREAM_CLOSED), other calls on it included.
    /// </summary>
    private async Task<ExecuteResponse> FirstChunkAsync(IReadOnlyList<JobChunk> chunks)
    {
        using var call = node.Jobs.ExecuteStream();
        await call.RequestStream.WriteAsync(chunks[0]);
        await call.RequestStream.CompleteAsync();
        return await call.ResponseAsync;
    }

    private async Task<ExecuteResponse> StreamAsync(IReadOnlyList<JobChunk> chunks)
    {
        using var call = node.Jobs.ExecuteStream();
        try
        {
            await JobStreams.WriteAsync(call.RequestStream, chunks, CancellationToken.None);
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            // The node answered on the first chunk (as the CLI's client does, the status below says why).
        }

        return await call.ResponseAsync;
    }

    [Fact]
    public async Task ExecuteStream_is_refused_with_resource_exhausted_naming_the_bound_while_other_payloads_fill_it_and_runs_on_retry()
    {
        var license = await node.LicenseAsync();
        var firstSpec = BoundedNodeFixture.PaddedSpec(ChainedNodeFixture.TaxPaidByGrade(), Large);
        var secondSpec = BoundedNodeFixture.PaddedSpec(Q.Query(ChainedNodeFixture.DatasetId, Q.Count()).GroupBy("credit_grade"), Large);
        var first = await node.SubmitHashedAsync(license, firstSpec);
        var second = await node.SubmitHashedAsync(license, secondSpec);
        var firstChunks = Chunks(first, firstSpec);

        using var open = node.Jobs.ExecuteStream();
        await open.RequestStream.WriteAsync(firstChunks[0]);
        await node.WaitForInFlightAsync(firstSpec.Length);

        var ex = await Assert.ThrowsAsync<RpcException>(() => FirstChunkAsync(Chunks(second, secondSpec)));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal("ERROR_REASON_NODE_BUSY", ReasonOf(ex));
        Assert.Contains($"bound of {BoundedNodeFixture.MaxInFlight} bytes (Node:MaxInFlightPayloadBytes", ex.Status.Detail, StringComparison.Ordinal);
        await AssertNothingWrittenAsync(second);

        // The first stream finishes and gives its bytes back; the refused one, retried, runs.
        foreach (var chunk in firstChunks.Skip(1))
        {
            await open.RequestStream.WriteAsync(chunk);
        }

        await open.RequestStream.CompleteAsync();
        Assert.NotEmpty(JobResult.Parser.ParseFrom((await open.ResponseAsync).Result).Aggregate.Rows);
        await node.WaitForInFlightAsync(0, atMost: true);

        await StreamAsync(Chunks(second, secondSpec));
        Assert.Equal(JobStatus.Completed, (await node.Authority.Jobs.GetJobAsync(second)).Status);
        Assert.Equal(0, node.Budget.InFlight);
    }

    [Fact]
    public async Task Unary_Execute_counts_against_the_same_bound_as_the_streams()
    {
        var license = await node.LicenseAsync();
        var streamed = BoundedNodeFixture.PaddedSpec(ChainedNodeFixture.TaxPaidByGrade(), Large);
        var unary = BoundedNodeFixture.PaddedSpec(ChainedNodeFixture.TaxPaidByGrade(), 2 << 20);
        var streamedJob = await node.SubmitHashedAsync(license, streamed);
        var unaryJob = await node.SubmitHashedAsync(license, unary);

        using (var open = node.Jobs.ExecuteStream())
        {
            await open.RequestStream.WriteAsync(Chunks(streamedJob, streamed)[0]);
            await node.WaitForInFlightAsync(streamed.Length);

            var ex = await Assert.ThrowsAsync<RpcException>(async () => await node.Jobs.ExecuteAsync(node.Request(unaryJob, spec: unary)));
            Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
            Assert.Equal("ERROR_REASON_NODE_BUSY", ReasonOf(ex));
            await AssertNothingWrittenAsync(unaryJob);
        }

        // The abandoned stream gives its reservation back, and nothing of it was written.
        await node.WaitForInFlightAsync(0, atMost: true);
        await AssertNothingWrittenAsync(streamedJob);
        await node.Jobs.ExecuteAsync(node.Request(unaryJob, spec: unary));
        Assert.Equal(JobStatus.Completed, (await node.Authority.Jobs.GetJobAsync(unaryJob)).Status);
    }

    [Fact]
    public async Task A_second_stream_for_a_job_being_received_is_refused_without_buffering_it()
    {
        var license = await node.LicenseAsync();
        var spec = BoundedNodeFixture.PaddedSpec(ChainedNodeFixture.TaxPaidByGrade(), 1 << 20);
        var jobId = await node.SubmitHashedAsync(license, spec);
        var chunks = Chunks(jobId, spec);

        using var open = node.Jobs.ExecuteStream();
        await open.RequestStream.WriteAsync(chunks[0]);
        await node.WaitForInFlightAsync(spec.Length);

        var ex = await Assert.ThrowsAsync<RpcException>(() => FirstChunkAsync(chunks));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal("ERROR_REASON_NODE_BUSY", ReasonOf(ex));
        Assert.Contains("being received on another call", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(spec.Length, node.Budget.InFlight);
        await AssertNothingWrittenAsync(jobId);

        foreach (var chunk in chunks.Skip(1))
        {
            await open.RequestStream.WriteAsync(chunk);
        }

        await open.RequestStream.CompleteAsync();
        await open.ResponseAsync;
        Assert.Equal(JobStatus.Completed, (await node.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task A_job_over_the_cells_times_measures_limit_is_failed_on_chain_and_refunded_before_reading_rows()
    {
        var license = await node.LicenseAsync();
        var before = await node.Authority.Licenses.GetLicenseAsync(license);

        // 5 grades × 3 years = 15 groups, × 2 measures = 30 > 20.
        var query = ChainedNodeFixture.TaxPaidByGrade().GroupBy("year");
        var jobId = await node.SubmitAsync(license, query);

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await node.Jobs.ExecuteAsync(node.Request(jobId)));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("ERROR_REASON_JOB_TOO_COSTLY", ReasonOf(ex));
        Assert.Contains("cells × measures come to 30, over this node's limit of 20 (Node:CostLimits:MaxCellMeasures", ex.Status.Detail, StringComparison.Ordinal);

        await FailedJobs.AssertFailedAsync(node.Authority, jobId, "ERROR_REASON_JOB_TOO_COSTLY", "spec");
        Assert.Equal(before.QuotaRemaining, (await node.Authority.Licenses.GetLicenseAsync(license)).QuotaRemaining);
        Assert.Null(ExecutionLog.Open(Path.Combine(node.DataDirectory, "execution.log")).Find(jobId));
        Assert.Null(new ResultStore(Path.Combine(node.DataDirectory, "results")).Find(jobId));
    }

    [Fact]
    public async Task Explain_reports_the_jobs_cost_and_the_nodes_limits()
    {
        var license = await node.LicenseAsync();

        var answer = await node.Jobs.ExplainAsync(new ExplainRequest { Query = ChainedNodeFixture.TaxPaidByGrade(), LicenseId = JobStreams.IdBytes(license) });

        Assert.True(answer.Allowed, answer.Clause);
        Assert.Equal(5UL, answer.Cost.Cells);
        Assert.Equal(10UL, answer.Cost.CellMeasures);
        Assert.Equal(0UL, answer.Cost.HistogramBins);
        Assert.Equal((ulong)BoundedNodeFixture.MaxCellMeasures, answer.Limits.CellMeasures);
        Assert.Equal((ulong)BoundedNodeFixture.MaxHistogramBins, answer.Limits.HistogramBins);
        Assert.Equal((ulong)node.Options.CostLimits.MaxHeRows, answer.Limits.HeRows);
        Assert.Equal((ulong)node.Options.CostLimits.MaxWallTime.TotalMilliseconds, answer.Limits.WallTimeMs);
    }

    [Fact]
    public async Task Explain_refuses_a_query_over_the_histogram_bin_limit_naming_it_as_the_job_would()
    {
        var license = await node.LicenseAsync();

        // 5 grades × 7 bins = 35 > 30.
        var query = Q.Query(ChainedNodeFixture.DatasetId, Q.Histogram("tax_paid", [.. new[] { "0", "1000", "2000", "5000", "10000", "50000", "100000", "1000000" }.Select(Q.Dec)])).GroupBy("credit_grade");
        var answer = await node.Jobs.ExplainAsync(new ExplainRequest { Query = query, LicenseId = JobStreams.IdBytes(license) });

        Assert.False(answer.Allowed);
        Assert.Equal(ErrorReason.JobTooCostly, answer.Reason);
        Assert.Contains("histogram bins (groups × bins) come to 35, over this node's limit of 30", answer.Clause, StringComparison.Ordinal);
        Assert.Equal(35UL, answer.Cost.HistogramBins);
        Assert.False(answer.Previewed);
    }

    [Fact]
    public async Task A_job_past_the_wall_time_limit_is_cancelled_and_left_pending_not_failed()
    {
        var license = await node.LicenseAsync();
        var jobId = await node.SubmitAsync(license, ChainedNodeFixture.TaxPaidByGrade());
        var limit = node.Options.CostLimits.MaxWallTime;
        RpcException ex;
        try
        {
            // Any computation takes longer than one tick.
            node.Options.CostLimits.MaxWallTime = TimeSpan.FromTicks(1);
            ex = await Assert.ThrowsAsync<RpcException>(async () => await node.Jobs.ExecuteAsync(node.Request(jobId)));
        }
        finally
        {
            node.Options.CostLimits.MaxWallTime = limit;
        }

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Equal("ERROR_REASON_JOB_TIMED_OUT", ReasonOf(ex));
        Assert.Contains("wall-time limit", ex.Status.Detail, StringComparison.Ordinal);
        await AssertNothingWrittenAsync(jobId);

        // Under the normal limit the same job runs.
        await node.Jobs.ExecuteAsync(node.Request(jobId));
        Assert.Equal(JobStatus.Completed, (await node.Authority.Jobs.GetJobAsync(jobId)).Status);
    }
}
